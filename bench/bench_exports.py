"""Benchmark: a release of 380,000 approved patient-friendly terms in every format.

Target (issue 7): ≤ 60 s and ≤ 2 GB peak memory on 2 cores. Measured in this run:
1. the first release (all formats, ids minted for every term, zips);
2. a second release a month later after 1% of the terms changed and 0.5% were withdrawn
   (RF2 Delta/Full from the release history);
3. a naive baseline on the same store: ORM objects loaded row by row, RF2 Snapshot + CSV +
   FHIR CodeSystem written row by row (fewer formats and no history, so it flatters the baseline).
Each measurement runs in its own child process pinned to 2 cores, so peak RSS is its own.

    python -m bench.bench_exports            # appends to bench/results.md
    python -m bench.run --only exports
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

from bench.children import peak_mb, pin_two_cores

N_TERMS = 380_000
EXPLAINED = 0.6  # share of terms with an explanation
ACCEPTABLE = 0.05  # share of concepts with a second, acceptable term
CHUNK = 20_000
WORDS = ["ontsteking", "van", "de", "nier", "hart", "long", "pijn", "in", "het", "been", "huid", "bloed",
         "suikerziekte", "te", "hoge", "druk", "breuk", "zwelling", "oog", "oor", "infectie", "bot", "maag"]


def _text(i: int, n: int) -> str:
    return " ".join(WORDS[(i * (k + 7) + k) % len(WORDS)] for k in range(n)) + f" {i}"


def seed(url: str, n: int) -> float:
    """Bulk-insert n active concepts with one approved patient term each (Core inserts in chunks)."""
    from sqlalchemy import insert

    from review_queue.db import open_store
    from review_queue.models import Concept, PatientTerm
    from terms.sctid import make

    started = time.perf_counter()
    engine, _ = open_store(url)
    with engine.begin() as conn:
        for start in range(0, n, CHUNK):
            ids = [make(1_000_000 + i, "00", None) for i in range(start, min(n, start + CHUNK))]
            conn.execute(insert(Concept.__table__), [
                {"id": cid, "active": True, "effective_time": "20260930", "module_id": "11000146104",
                 "term_nl": _text(start + k, 4), "fsn_en": f"Finding {start + k} (finding)", "semantic_tag": "finding"}
                for k, cid in enumerate(ids)
            ])
            rows = []
            for k, cid in enumerate(ids):
                i = start + k
                rows.append({"concept_id": cid, "term": _text(i, 3), "source": "review", "preferred": True,
                             "active": True, "stale": False, "clinical_term": _text(i, 4),
                             "explanation": _text(i, 14) + "." if (i % 100) < EXPLAINED * 100 else None})
                if (i % 100) < ACCEPTABLE * 100:
                    rows.append({"concept_id": cid, "term": _text(i, 2) + " (ook)", "source": "review",
                                 "preferred": False, "active": True, "stale": False, "clinical_term": None,
                                 "explanation": None})
            conn.execute(insert(PatientTerm.__table__), rows)
    engine.dispose()
    return time.perf_counter() - started


def change_some(url: str, n: int) -> dict:
    """A month of reviewing: 1% of the terms re-approved with new wording, 0.5% withdrawn."""
    from sqlalchemy import select, update

    from review_queue.db import open_store
    from review_queue.models import PatientTerm

    engine, _ = open_store(url)
    with engine.begin() as conn:
        ids = conn.execute(select(PatientTerm.id, PatientTerm.concept_id, PatientTerm.term)
                           .where(PatientTerm.active, PatientTerm.preferred).order_by(PatientTerm.id)).all()
        changed = ids[::100]
        withdrawn = ids[50::200]
        conn.execute(update(PatientTerm).where(PatientTerm.id.in_([r[0] for r in changed + withdrawn]))
                     .values(active=False))
        from sqlalchemy import insert

        conn.execute(insert(PatientTerm.__table__), [
            {"concept_id": r[1], "term": r[2] + " (nieuw)", "source": "review", "preferred": True, "active": True,
             "stale": False, "explanation": None, "clinical_term": None} for r in changed
        ])
    engine.dispose()
    return {"changed": len(changed), "withdrawn": len(withdrawn)}


def child_export(url: str, root: str, day: str) -> dict:
    from exports.release import create_release
    from review_queue.db import make_engine, session_factory

    pin_two_cores()
    engine = make_engine(url)
    started = time.perf_counter()
    path = create_release(session_factory(engine), root=root, today=date.fromisoformat(day), created_by="bench")
    seconds = time.perf_counter() - started
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return {"seconds": seconds, "peak_mb": peak_mb(), "version": path.name, "counts": manifest["counts"],
            "bytes": size, "stages": getattr(create_release, "last_timings", {})}


def child_naive(url: str, out: str) -> dict:
    """Row by row through ORM objects: what an export looks like without polars or Core selects."""
    import csv

    from sqlalchemy import select

    from review_queue.db import make_engine, session_factory
    from review_queue.models import Concept, PatientTerm

    pin_two_cores()
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    factory = session_factory(make_engine(url))
    with factory() as session:
        terms = session.execute(select(PatientTerm).where(PatientTerm.active).order_by(PatientTerm.concept_id)).scalars().all()
        concepts = {c.id: c for c in session.execute(select(Concept)).scalars()}
        with (out_dir / "desc.txt").open("w", encoding="utf-8", newline="") as d, \
             (out_dir / "lang.txt").open("w", encoding="utf-8", newline="") as lang, \
             (out_dir / "terms.csv").open("w", encoding="utf-8", newline="") as c:
            d.write("id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n")
            lang.write("id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId\r\n")
            writer = csv.writer(c)
            writer.writerow(["conceptId", "clinicalTerm", "patientTerm", "explanation"])
            fhir_concepts = []
            for n, pt in enumerate(terms):
                concept = concepts[pt.concept_id]
                desc_id = str(n)
                d.write(f"{desc_id}\t20261124\t1\t15561000146104\t{pt.concept_id}\tnl\t900000000000013009\t{pt.term}\t900000000000448009\r\n")
                lang.write(f"{n}\t20261124\t1\t15561000146104\t15551000146102\t{desc_id}\t900000000000548007\r\n")
                writer.writerow([pt.concept_id, concept.term_nl, pt.term, pt.explanation or ""])
                designation = [{"language": "nl-NL-x-patfr", "use": {"code": "display"}, "value": pt.term}]
                if pt.explanation:
                    designation.append({"language": "nl-NL-x-patfr", "use": {"code": "900000000000550004"},
                                        "value": pt.explanation})
                fhir_concepts.append({"code": pt.concept_id, "display": pt.term, "designation": designation})
        with (out_dir / "CodeSystem.json").open("w", encoding="utf-8") as fh:
            json.dump({"resourceType": "CodeSystem", "content": "supplement", "concept": fhir_concepts}, fh,
                      ensure_ascii=False, indent=2)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def _run_child(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parent.parent)] + sys.path))
    done = subprocess.run([sys.executable, "-m", "bench.bench_exports", "--child", *args],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {args[0]} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(out_path: str | Path = "bench/results.md", n: int = N_TERMS) -> dict:
    work = Path(__file__).resolve().parent / "tmp" / "exports"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    url = os.environ.get("HELDER_BENCH_EXPORTS_DB_URL") or f"sqlite:///{work / 'bench.db'}"
    seed_s = seed(url, n)
    first = _run_child("export", url, str(work / "releases"), "2026-11-24")
    changes = change_some(url, n)
    second = _run_child("export", url, str(work / "releases"), "2026-12-24")
    naive = _run_child("naive", url, str(work / "naive"))
    figures = {"n": n, "seed_s": seed_s, "first": first, "second": second, "naive": naive, "changes": changes}
    _append(Path(out_path), figures, url)
    shutil.rmtree(work, ignore_errors=True)
    return figures


def _append(out: Path, f: dict, url: str) -> None:
    first, second, naive = f["first"], f["second"], f["naive"]
    ok = lambda r: "yes" if r["seconds"] <= 60 and r["peak_mb"] <= 2048 else "**no**"  # noqa: E731
    stages = lambda r: ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())  # noqa: E731
    db = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    lines = [
        "## exports — a release of 380k approved terms in every format",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores "
        f"(children pinned to 2), {db}. Command: `python -m bench.bench_exports`. Target: ≤ 60 s, ≤ 2 GB.",
        "",
        f"Store seeded with {f['n']:,} approved terms ({int(ACCEPTABLE * 100)}% of concepts with an extra acceptable "
        f"term, {int(EXPLAINED * 100)}% explained) by Core inserts in {f['seed_s']:.1f} s.",
        "",
        "| run | terms | time (s) | peak RSS (MB) | output | within target |",
        "|---|---:|---:|---:|---:|---|",
        f"| first release (RF2 Full/Snapshot/Delta, FHIR, CSV, Parquet, notes, 5 zips; all ids minted) | "
        f"{first['counts']['descriptions']:,} | {first['seconds']:.1f} | {first['peak_mb']:.0f} | "
        f"{first['bytes'] / 1e6:.0f} MB | {ok(first)} |",
        f"| next release after {f['changes']['changed']:,} changed + {f['changes']['withdrawn']:,} withdrawn "
        f"(Delta: {second['counts']['deltaRows']['Description']:,} description rows) | "
        f"{second['counts']['descriptions']:,} | {second['seconds']:.1f} | {second['peak_mb']:.0f} | "
        f"{second['bytes'] / 1e6:.0f} MB | {ok(second)} |",
        f"| naive baseline: ORM objects row by row → RF2 Snapshot + CSV + FHIR only | — | {naive['seconds']:.1f} | "
        f"{naive['peak_mb']:.0f} | — | {ok(naive)} |",
        "",
        f"Stages of the first release (s): {stages(first)}.  ",
        f"Stages of the next release (s): {stages(second)}.",
        "",
    ]
    with out.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="bench/results.md")
    parser.add_argument("-n", type=int, default=N_TERMS, help="How many approved terms (default 380000).")
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_export(*rest) if kind == "export" else child_naive(*rest)
        print(json.dumps(result))
    else:
        print(json.dumps(main(args.out, args.n), indent=2, default=str))
