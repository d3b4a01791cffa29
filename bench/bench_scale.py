"""Benchmark: the nightly at full SNOMED scale — 380,000 concepts, 15,000 TM terms — on SQLite and PostgreSQL.

Targets, 2 cores: ingest ≤ 60 s, one offline run over all untranslated concepts ≤ 120 s (issue 11;
issue 8 asked ≤ 300 s), export ≤ 60 s, each ≤ 4 GB peak. Measured in this run, per backend, each
stage in a fresh child process pinned to 2 cores (so its peak RSS is its own):
1. ingest of a synthetic NL-edition-shaped Snapshot (terms.synthetic; reading the RF2 files included);
2. `pipeline.run.run` with the offline suggester over every untranslated concept;
3. `exports.release.create_release` (all formats);
4. a Delta touching 1% of the concepts (reworded Dutch terms, a few inactivated), ingested on top;
5. a naive baseline: the same Snapshot ingested the obvious way — one ORM object per row, one
   commit — on the first 20,000 concepts, extrapolated linearly to the full release (said so in
   the table);
6. the families release (terms.synthetic `--families`: SNOMED-like families of near-identical
   terms, the TM drawn from the same families) ingested into a fresh store and run the same way —
   the shape on which candidate blocking and the suggester meet their worst case.
The release is generated once and cached in bench/tmp/scale/. PostgreSQL is a private cluster
started like the tests start theirs (tests/conftest.py `_PrivateCluster`), or `HELDER_BENCH_PG_URL`.

    python -m bench.bench_scale                  # appends to bench/results.md
    python -m bench.run --only scale --out /tmp/scale.md
    python -m bench.bench_scale -n 20000 --tm 1000 --out /tmp/small.md   # a quick look
    python -m bench.bench_scale --modes families --backends sqlite --out /tmp/fam.md
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

REPO = Path(__file__).resolve().parent.parent
N_CONCEPTS, N_TM = 380_000, 15_000
NAIVE_CONCEPTS = 20_000
DELTA_SHARE = 0.01  # concepts whose Dutch term changes in the Delta
DELTA_DATE = "20270331"
TARGETS = {"ingest": 60, "run": 120, "export": 60}
PEAK_MB = 4096


# --------------------------------------------------------------------------- data


def release_paths(n: int, n_tm: int, families: bool = False) -> tuple[Path, Path, dict]:
    """The cached synthetic Snapshot and a Delta changing DELTA_SHARE of its concepts (`families`:
    terms.synthetic's families mode, large groups of near-identical terms)."""
    from terms.synthetic import write_synthetic_release

    cache = REPO / "bench" / "tmp" / "scale" / f"nl-{n}-{n_tm}-seed0{'-families' if families else ''}"
    snapshot, delta, facts = cache / "snapshot", cache / "delta", cache / "facts.json"
    if not facts.exists():
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        write_synthetic_release(snapshot, n, n_tm, seed=0, families=families)
        info = write_delta(snapshot, delta)
        facts.write_text(json.dumps(info), encoding="utf-8")
    return snapshot, delta, json.loads(facts.read_text(encoding="utf-8"))


def write_delta(snapshot: Path, out: Path) -> dict:
    """A Delta as the next edition would ship it: 1% of Dutch preferred terms reworded, 0.1% of concepts retired."""
    import polars as pl

    from terms import config as C
    from terms import rf2

    release = rf2.read_release(snapshot)
    nl_preferred = release.language_members.filter(
        (pl.col("refsetId") == C.NL_LANGUAGE_REFSET) & pl.col("active") & (pl.col("acceptabilityId") == C.PREFERRED)
    )["referencedComponentId"]
    terms = release.descriptions.filter(
        pl.col("active") & (pl.col("typeId") == C.SYNONYM) & pl.col("languageCode").str.starts_with("nl")
        & pl.col("id").is_in(nl_preferred.implode())
    ).unique("conceptId", keep="first").sort("conceptId")
    step = max(1, round(1 / DELTA_SHARE))
    reworded = terms.gather_every(step).with_columns(term=pl.col("term") + " (herzien)", effectiveTime=pl.lit(DELTA_DATE))
    retired = release.concepts.filter(pl.col("active")).sort("id").gather_every(step * 10, offset=step // 2).with_columns(
        active=pl.lit(False), effectiveTime=pl.lit(DELTA_DATE))
    ns = C.NL_NAMESPACE
    rf2.write_descriptions(reworded, out / "Delta" / "Terminology" / rf2.rf2_filename("Description", "Delta", ns, DELTA_DATE))
    rf2.write_concepts(retired, out / "Delta" / "Terminology" / rf2.rf2_filename("Concept", "Delta", ns, DELTA_DATE))
    return {"concepts": release.concepts.height, "descriptions": release.descriptions.height,
            "members": release.language_members.height, "delta_reworded": reworded.height,
            "delta_retired": retired.height}


# --------------------------------------------------------------------------- child stages


def child_ingest(url: str, path: str) -> dict:
    from review_queue.db import open_store
    from review_queue.store import ingest_release
    from terms.rf2 import read_release

    pin_two_cores()
    _, factory = open_store(url)
    started = time.perf_counter()
    release = read_release(path)
    read_s = time.perf_counter() - started
    report = ingest_release(factory, release, path)
    return {"seconds": time.perf_counter() - started, "read_s": read_s, "peak_mb": peak_mb(),
            "report": report.as_dict()}


def child_run(url: str, chunk_size: str) -> dict:
    from pipeline.run import RunOptions, run
    from review_queue.db import open_store

    pin_two_cores()
    _, factory = open_store(url)
    started = time.perf_counter()
    record = run(factory, RunOptions(chunk_size=int(chunk_size), worker=f"bench:{os.getpid()}"))
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "status": record.status,
            "counts": record.counts, "durations": record.durations}


def child_export(url: str, root: str) -> dict:
    from exports.release import create_release
    from review_queue.db import open_store

    pin_two_cores()
    _, factory = open_store(url)
    started = time.perf_counter()
    path = create_release(factory, root=root, today=date(2026, 11, 24), created_by="bench")
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "counts": manifest.get("counts", {})}


def child_naive(url: str, path: str, n: str) -> dict:
    """One ORM object per RF2 row, added to a session, committed once: ingest as first written by anyone."""
    import polars as pl

    from review_queue.db import open_store
    from review_queue.models import Concept, Description
    from terms.rf2 import read_release

    pin_two_cores()
    _, factory = open_store(url)
    started = time.perf_counter()
    release = read_release(path)
    read_s = time.perf_counter() - started
    t = time.perf_counter()
    concepts = release.concepts.sort("id").head(int(n))
    descriptions = release.descriptions.filter(pl.col("conceptId").is_in(concepts["id"].implode()))
    with factory() as session, session.begin():
        for r in concepts.iter_rows(named=True):
            session.add(Concept(id=r["id"], active=r["active"], effective_time=r["effectiveTime"], module_id=r["moduleId"]))
        session.flush()
        for r in descriptions.iter_rows(named=True):
            session.add(Description(id=r["id"], concept_id=r["conceptId"], language_code=r["languageCode"],
                                    type_id=r["typeId"], term=r["term"], active=r["active"],
                                    effective_time=r["effectiveTime"], module_id=r["moduleId"],
                                    case_significance_id=r["caseSignificanceId"]))
    return {"seconds": time.perf_counter() - t, "read_s": read_s, "peak_mb": peak_mb(),
            "concepts": concepts.height, "descriptions": descriptions.height}


CHILDREN = {"ingest": child_ingest, "run": child_run, "export": child_export, "naive": child_naive}


def _child(stage: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + sys.path))
    done = subprocess.run([sys.executable, "-m", "bench.bench_scale", "--child", stage, *args],
                          capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"bench child {stage} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]  # other work on the machine inflates the times; say how much there was
    print(f"bench scale: {stage} {result['seconds']:.1f} s, {result['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
    return result


def _children_together(stage: str, argsets: list[tuple[str, ...]]) -> dict:
    """Start one child per argument set at once (several workers on one store); wall time and each result."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + sys.path))
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "bench.bench_scale", "--child", stage, *args], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for args in argsets]
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"bench child {stage} failed:\n{err[-4000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    wall = time.perf_counter() - started
    print(f"bench scale: {len(procs)}× {stage} {wall:.1f} s", file=sys.stderr, flush=True)
    return {"seconds": wall, "peak_mb": max(r["peak_mb"] for r in results), "workers": results,
            "load": os.getloadavg()[0]}


# --------------------------------------------------------------------------- databases


class _Postgres:
    """`HELDER_BENCH_PG_URL`, or a private cluster like the tests' (dropped afterwards)."""

    def __init__(self) -> None:
        self.cluster = None
        server = os.environ.get("HELDER_BENCH_PG_URL")
        if not server:
            sys.path.insert(0, str(REPO / "tests"))
            from conftest import _PrivateCluster  # the same throwaway cluster the test suite starts

            self.cluster = _PrivateCluster()
            server = self.cluster.url
        if server.startswith("postgresql://"):
            server = "postgresql+psycopg://" + server.removeprefix("postgresql://")
        self.server = server

    def fresh(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.cluster:
            self.cluster.stop()


def _database(kind: str, work: Path, pg: _Postgres | None, name: str) -> str:
    if kind == "sqlite":
        for p in work.glob(f"{name}.db*"):
            p.unlink()
        return f"sqlite:///{work / (name + '.db')}"
    return pg.fresh(name)


def measure(kind: str, work: Path, pg, snapshot: Path, delta: Path, chunk_size: int, two_workers: bool = True) -> dict:
    url = _database(kind, work, pg, "helder_bench_scale")
    result = {"ingest": _child("ingest", url, str(snapshot))}
    result["reingest"] = _child("ingest", url, str(snapshot))  # the same release again: nothing to write
    result["run"] = _child("run", url, str(chunk_size))
    result["export"] = _child("export", url, str(work / f"releases-{kind}"))
    result["delta"] = _child("ingest", url, str(delta))
    naive_url = _database(kind, work, pg, "helder_bench_naive")
    result["naive"] = _child("naive", naive_url, str(snapshot), str(NAIVE_CONCEPTS))
    if two_workers:  # the same run shared by two worker processes on a fresh store (the several-workers design)
        two_url = _database(kind, work, pg, "helder_bench_two")
        _child("ingest", two_url, str(snapshot))
        result["two"] = _children_together("run", [(two_url, str(chunk_size))] * 2)
    return result


def measure_families(kind: str, work: Path, pg, snapshot: Path, chunk_size: int) -> dict:
    """The families release: ingest it into a fresh store, then the offline run over it."""
    url = _database(kind, work, pg, "helder_bench_families")
    return {"ingest": _child("ingest", url, str(snapshot)), "run": _child("run", url, str(chunk_size))}


def main(out_path: str | Path = "bench/results.md", n: int = N_CONCEPTS, n_tm: int = N_TM,
         chunk_size: int = 10_000, backends: tuple[str, ...] = ("sqlite", "postgres"),
         modes: tuple[str, ...] = ("default", "families")) -> dict:
    started = time.perf_counter()
    figures: dict = {"n": n, "n_tm": n_tm, "chunk_size": chunk_size, "modes": modes}
    for mode in modes:
        t = time.perf_counter()
        snapshot, delta, facts = release_paths(n, n_tm, families=mode == "families")
        facts["generate_s"] = time.perf_counter() - t
        figures["facts" if mode == "default" else "families_facts"] = facts
        figures.setdefault("paths", {})[mode] = (snapshot, delta)
    work = REPO / "bench" / "tmp" / "scale" / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    pg = None
    try:
        for kind in backends:
            if kind == "postgres":
                try:
                    pg = _Postgres()
                except Exception as exc:  # no server: say so in the results instead of failing the others
                    figures["postgres_error"] = f"{type(exc).__name__}: {exc}"
                    continue
            if "default" in modes:
                figures[kind] = measure(kind, work, pg, *figures["paths"]["default"], chunk_size)
            if "families" in modes:
                figures.setdefault("families", {})[kind] = measure_families(
                    kind, work, pg, figures["paths"]["families"][0], chunk_size)
    finally:
        if pg:
            pg.close()
        shutil.rmtree(work, ignore_errors=True)
    figures.pop("paths")
    figures["seconds"] = time.perf_counter() - started
    _append(Path(out_path), figures)
    return figures


# --------------------------------------------------------------------------- report


def _ok(stage: str, r: dict) -> str:
    limit = TARGETS.get(stage)
    met = r["peak_mb"] <= PEAK_MB and (limit is None or r["seconds"] <= limit)
    return "yes" if met else "**no**"


NAME = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _stages(durations: dict) -> str:
    """'load 0.4, …, enqueue 26.6; checks: similar 12.0, grammar 3.1, …' from a run's durations."""
    main = ", ".join(f"{s} {v:.1f}" for s, v in durations.items() if s != "total" and not s.startswith("check."))
    checks = sorted(((s[6:], v) for s, v in durations.items() if s.startswith("check.")), key=lambda kv: -kv[1])
    return main + ("; inside check (s): " + ", ".join(f"{s} {v:.1f}" for s, v in checks) if checks else "")


def _append(out: Path, f: dict) -> None:
    lines = [f"## scale — the nightly at {f['n']:,} concepts / {f['n_tm']:,} TM terms", "",
             f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores "
             f"(each stage a child process pinned to 2 cores; peak RSS is that child's). Command: "
             f"`python -m bench.run --only scale` ({f['seconds'] / 60:.0f} min in all, releases generated or read "
             f"from the cache in bench/tmp/scale/ included). Targets: ingest ≤ 60 s, run ≤ {TARGETS['run']} s, "
             f"export ≤ 60 s, each ≤ 4 GB.", ""]
    if "facts" in f:
        lines += _default_lines(f)
    if "families" in f:
        lines += _families_lines(f)
    if "postgres_error" in f:
        lines.append(f"PostgreSQL not measured: {f['postgres_error']}")
    lines.append("")
    with out.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _families_lines(f: dict) -> list[str]:
    facts, fam = f["families_facts"], f["families"]
    backends = [k for k in ("sqlite", "postgres") if k in fam]
    lines = [f"### the families release: {facts['concepts']:,} concepts in large families of near-identical terms", "",
             f"terms.synthetic `--families` seed 0 (fractures by part, side, open/closed, displacement and type; "
             f"neoplasms by part, side, stage and grade; infections by organism, resistance and setting; …): "
             f"{facts['descriptions']:,} descriptions, {f['n_tm']:,} TM terms drawn from the same families. "
             f"Fresh store, chunk size {f['chunk_size']:,}.", "",
             "| stage | " + " | ".join(f"{NAME[k]} time (s) | {NAME[k]} peak RSS (MB) | within target" for k in backends) + " |",
             "|---|" + "---:|---:|---|" * len(backends)]
    for label, key in (("ingest Snapshot (read RF2 + load, empty store)", "ingest"),
                       ("run: offline suggester + checks + enqueue, all untranslated", "run")):
        lines.append(f"| {label} | " + " | ".join(
            f"{fam[k][key]['seconds']:.1f} | {fam[k][key]['peak_mb']:.0f} | {_ok(key, fam[k][key])}" for k in backends) + " |")
    lines.append("")
    for k in backends:
        r = fam[k]["run"]
        c = r["counts"]
        lines.append(f"{NAME[k]} families run {r['status']}: {c.get('proposed', 0):,} proposals for "
                     f"{c.get('selected', 0):,} concepts (by origin: {c.get('by_origin', {})}); stages (s): "
                     f"{_stages(r['durations'])}. 1-min load average as ingest and run ended: "
                     f"{fam[k]['ingest']['load']:.1f}, {r['load']:.1f}.  ")
    lines.append("")
    return lines


def _default_lines(f: dict) -> list[str]:
    facts = f["facts"]
    backends = [k for k in ("sqlite", "postgres") if k in f]
    name = NAME
    lines = [
        f"Release: terms.synthetic seed 0 — {facts['concepts']:,} concepts, {facts['descriptions']:,} descriptions, "
        f"{facts['members']:,} language refset rows (cached in bench/tmp/scale/). Delta: {facts['delta_reworded']:,} "
        f"Dutch terms reworded, {facts['delta_retired']:,} concepts inactivated. Run chunk size {f['chunk_size']:,}.",
        "",
        "| stage | " + " | ".join(f"{name[k]} time (s) | {name[k]} peak RSS (MB) | within target" for k in backends) + " |",
        "|---|" + "---:|---:|---|" * len(backends),
    ]

    def row(label: str, stage: str, key: str) -> str:
        cells = []
        for k in backends:
            r = f[k][key]
            cells.append(f"{r['seconds']:.1f} | {r['peak_mb']:.0f} | {_ok(stage, r) if stage else '—'}")
        return f"| {label} | " + " | ".join(cells) + " |"

    lines.append(row("ingest Snapshot (read RF2 + load, empty store)", "ingest", "ingest"))
    lines.append(row("same Snapshot again (compares, writes nothing)", "", "reingest"))
    lines.append(row("run: offline suggester + checks + enqueue, all untranslated", "run", "run"))
    lines.append(row("export: create_release (RF2, FHIR, CSV, zips)", "export", "export"))
    lines.append(row("ingest Delta (1% changed) on top", "ingest", "delta"))
    naive_cells = []
    for k in backends:
        r = f[k]["naive"]
        scale = facts["descriptions"] / max(1, r["descriptions"])
        naive_cells.append(f"{r['seconds']:.1f} → **{r['read_s'] + r['seconds'] * scale:.0f} extrapolated** | "
                           f"{r['peak_mb']:.0f} | {'yes' if r['read_s'] + r['seconds'] * scale <= 60 else '**no**'}")
    lines.append(f"| naive baseline: one ORM object per row, {NAIVE_CONCEPTS:,} concepts measured, extrapolated "
                 f"linearly by descriptions to the full release (+ its RF2 read) | " + " | ".join(naive_cells) + " |")
    if all("two" in f[k] for k in backends):
        cells = []
        for k in backends:
            r = f[k]["two"]
            split = " + ".join(f"{w['counts'].get('proposed', 0):,}" for w in r["workers"])
            cells.append(f"{r['seconds']:.1f} ({split} proposals) | {r['peak_mb']:.0f} each | {_ok('run', r)}")
        lines.append("| run shared by 2 worker processes at once (wall time; proposals per worker) | "
                     + " | ".join(cells) + " |")
    lines.append("")
    for k in backends:
        r = f[k]
        c, d = r["run"]["counts"], r["run"]["durations"]
        stages = _stages(d)
        lines.append(f"{name[k]}: ingest read the RF2 files in {r['ingest']['read_s']:.1f} s and wrote "
                     f"{r['ingest']['report']['descriptions_written']:,} descriptions; the Delta wrote "
                     f"{r['delta']['report']['descriptions_written']:,} descriptions, "
                     f"{r['delta']['report']['concepts_changed_term']:,} changed terms, "
                     f"{r['delta']['report']['concepts_inactivated']:,} inactivated concepts. "
                     f"Run {r['run']['status']}: {c.get('proposed', 0):,} proposals for {c.get('selected', 0):,} concepts; "
                     f"stages (s): {stages}. 1-min load average as each stage ended: "
                     + ", ".join(f"{key} {r[key]['load']:.1f}" for key in ("ingest", "run", "export", "delta", "naive"))
                     + " (2 cores: above 2, other processes shared the CPUs).  ")
    lines.append("")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="bench/results.md")
    parser.add_argument("-n", type=int, default=N_CONCEPTS, help="Concepts in the synthetic release (default 380000).")
    parser.add_argument("--tm", type=int, default=N_TM, help="Concepts with a patient-friendly term (default 15000).")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--modes", default="default,families",
                        help="Releases: default (terms.synthetic), families (--families: near-identical term families).")
    args = parser.parse_args()
    if args.child:
        stage, *rest = args.child
        print(json.dumps(CHILDREN[stage](*rest), default=str))
    else:
        print(json.dumps(main(args.out, args.n, args.tm, args.chunk_size, tuple(args.backends.split(",")),
                              tuple(args.modes.split(","))), indent=2, default=str))
