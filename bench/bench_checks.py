"""Benchmark: the check stage, 380,000 proposals against 15,000 TM terms on 2 cores.

Target (issue 5): ≥ 10× faster than the naive baseline, ≤ 60 s and ≤ 4 GB peak memory.
Measured in this run, each in its own child process pinned to 2 cores so peak RSS is its own:
1. `pipeline.checks.Checker` on all proposals (every flag, `similar`; a TM this big is scored
   through blocking, see pipeline/checks.py);
2. the naive baseline: rapidfuzz `process.extractOne` per proposal against the TM patient terms
   (only the nearest-TM lookup, none of the other checks, so it flatters the baseline), timed on a
   sample of 5,000 proposals and extrapolated linearly to the full count;
3. what blocking leaves out: on a sample of 3,000 proposals, the blocked checker against one that
   scores every pair with the same (full) TM — same flags, same best `similar` score.
Data: `terms.synthetic` writes an NL-edition-shaped RF2 release of 395,000 concepts, 15,000 of them
with a patient-friendly term; it is read back with `terms.rf2.read_release`, the TM comes from
`terms.tm.tm_from_release` and the work from the Dutch preferred terms of the other 380,000
concepts. Proposals are the generator's lay renderings, with planted problems: 3% drop a
qualifier, 2% Title Case, 3% copy another concept's TM term, 3% the same with a typo, 2% repeat
the clinical term. All of it twice: on the default release and on the families release
(`terms.synthetic --families`: SNOMED-like families of near-identical terms, where thousands of
proposals and TM entries share all but a word or two — blocking's worst case).

    python -m bench.bench_checks            # appends to bench/results.md
    python -m bench.run --only checks --out /tmp/checks.md
    python -m bench.bench_checks --modes families --out /tmp/fam.md
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

N_PROPOSALS = 380_000
N_TM = 15_000
SAMPLE = 5_000
QUALITY_SAMPLE = 3_000
SEED = 5


def make_data(n_proposals: int = N_PROPOSALS, n_tm: int = N_TM, seed: int = SEED,
              families: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(proposals, tm) from a synthetic RF2 release written and read back (see the module docstring;
    `families`: terms.synthetic's families mode)."""
    from terms.rf2 import read_release
    from terms.synthetic import synthetic_concepts, write_synthetic_release
    from terms.tm import dutch_terms, tm_from_release

    n = n_proposals + n_tm
    with tempfile.TemporaryDirectory() as tmp:
        release = read_release(write_synthetic_release(Path(tmp), n, n_tm, seed, families=families))
        tm = tm_from_release(release)
        work = dutch_terms(release).join(tm.select("conceptId"), on="conceptId", how="anti")
        del release
    lay = synthetic_concepts(n, seed, families=families).select("term", "patientTerm")
    work = work.join(lay, on="term", how="left")
    rng = np.random.default_rng(seed)
    k = work.height
    work = work.with_columns(pl.Series("roll", rng.random(k)), pl.Series("at", rng.integers(1, 8, k)),
                             tm["patientTerm"].gather(rng.integers(0, tm.height, k)).alias("other"))
    roll, other = pl.col("roll"), pl.col("other")
    proposals = work.select(
        "conceptId", "term",
        pl.when(roll < 0.03).then(pl.col("patientTerm").str.replace(
            r"^(plotselinge|chronische|steeds terugkerende|aangeboren|ernstige|lichte) ", ""))
        .when(roll < 0.05).then(pl.col("patientTerm").str.to_titlecase())
        .when(roll < 0.08).then(other)
        .when(roll < 0.11).then(other.str.slice(0, pl.col("at")) + other.str.slice(pl.col("at") + 1))
        .when(roll < 0.13).then(pl.col("term"))
        .otherwise(pl.col("patientTerm")).alias("suggestion"),
        pl.lit("").alias("explanation"), pl.lit(0.5).alias("confidence"), pl.lit("lexicon").alias("origin"),
    )
    return proposals, tm.select("conceptId", "term", "patientTerm", "explanation")


def _data(families: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    t = time.perf_counter()
    proposals, tm = make_data(families=families)
    return proposals, tm, (f"terms.synthetic{' --families' if families else ''} release ({N_PROPOSALS + N_TM:,} "
                           f"concepts, seed {SEED}) read back with terms.rf2 in {time.perf_counter() - t:.0f} s")


PEAK = '''
def _peak_kb():
    # VmHWM is this process's own high-water mark; ru_maxrss would include the parent's peak (Linux
    # carries it across fork and exec), and the parent holds the generated release.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
'''

CHILD_CHECK = PEAK + """
import json, sys, time, resource, polars as pl
from pipeline.checks import Checker
proposals = pl.read_parquet(sys.argv[1]); tm = pl.read_parquet(sys.argv[2])
t0 = time.perf_counter()
checker = Checker(tm, {"workers": 2})
t1 = time.perf_counter()
out = checker.check(proposals)
t2 = time.perf_counter()
flags = out.select(pl.col("flags").str.split(";").explode()).filter(pl.col("flags") != "")["flags"].value_counts()
print(json.dumps({"prepare": t1 - t0, "check": t2 - t1, "rows": out.height,
                  "flags": dict(zip(flags["flags"].to_list(), flags["count"].to_list())),
                  "timings": dict(checker.timings), "max_rss_kb": _peak_kb()}))
"""

CHILD_BASELINE = PEAK + """
import json, sys, time, resource, polars as pl
from rapidfuzz import process, fuzz
proposals = pl.read_parquet(sys.argv[1]).head(int(sys.argv[3])); tm = pl.read_parquet(sys.argv[2])
choices = tm["patientTerm"].to_list()
t0 = time.perf_counter()
best = [process.extractOne(s, choices, scorer=fuzz.ratio) for s in proposals["suggestion"].to_list()]
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "rows": len(best), "max_rss_kb": _peak_kb()}))
"""


CHILD_QUALITY = """
import json, sys, random, polars as pl
from pipeline.checks import Checker
proposals = pl.read_parquet(sys.argv[1]); tm = pl.read_parquet(sys.argv[2])
sample = proposals.sample(int(sys.argv[3]), seed=1)
blocked = Checker(tm, {"workers": 2}).check(sample)
every = Checker(tm, {"workers": 2, "blocking_min_tm": 0}).check(sample)
best = lambda col: pl.Series([max([d["score"] for d in json.loads(s)] or [0]) for s in col])
b, e = best(blocked["similar"]), best(every["similar"])
close = e >= 85
print(json.dumps({"rows": sample.height, "blocked_default": Checker(tm, {}).settings.blocking_min_tm <= tm.height,
                  "same_flags": float((blocked["flags"] == every["flags"]).mean()),
                  "conflicts_every": int(every["flags"].str.contains("tm-conflict").sum()),
                  "conflicts_blocked": int(blocked["flags"].str.contains("tm-conflict").sum()),
                  "same_best": float((b == e).mean()), "close": int(close.sum()),
                  "same_best_close": float((b.filter(close) == e.filter(close)).mean())}))
"""


def _child(code: str, *args: str) -> dict:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", "import os\nif hasattr(os,'sched_setaffinity') and len(os.sched_getaffinity(0))>2: "
                           "os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:2]))\n" + code, *args],
                          capture_output=True, text=True, env=env, cwd=root)
    if done.returncode != 0:
        raise RuntimeError(f"bench child failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(families: bool = False) -> dict:
    """One data set: the checker, the naive baseline and the blocked-vs-every-pair quality."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        proposals, tm, source = _data(families)
        p_path, t_path = workdir / "proposals.parquet", workdir / "tm.parquet"
        proposals.write_parquet(p_path)
        tm.write_parquet(t_path)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        ours = _child(CHILD_CHECK, str(p_path), str(t_path))
        load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        base = _child(CHILD_BASELINE, str(p_path), str(t_path), str(SAMPLE))
        quality = _child(CHILD_QUALITY, str(p_path), str(t_path), str(QUALITY_SAMPLE))
    return {"families": families, "proposals": proposals.height, "distinct": proposals["suggestion"].n_unique(),
            "tm": tm.height, "source": source, "ours": ours, "base": base, "quality": quality,
            "load": load, "load_after": load_after}


def _section(r: dict) -> list[str]:
    ours, base, quality, n = r["ours"], r["base"], r["quality"], r["proposals"]
    baseline_full = base["seconds"] / base["rows"] * n
    total = ours["prepare"] + ours["check"]
    speedup = baseline_full / total
    peak_gb = ours["max_rss_kb"] / 1024 / 1024
    verdict = "met" if speedup >= 10 and total <= 60 and peak_gb <= 4 else "NOT met"
    per_k = lambda seconds: f"{seconds / n * 1000:.2f} s"
    timings = sorted(ours.get("timings", {}).items(), key=lambda kv: -kv[1])
    kind = "families release (near-identical term families)" if r["families"] else "default release"
    return [
        f"## checks — {n:,} proposals against {r['tm']:,} TM terms, {kind}",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, 2 cores (child processes pinned; 1-min load average "
        f"{r['load']:.1f} before and {r['load_after']:.1f} after the checker's run — other sessions share the "
        f"machine), data {r['source']}; {r['distinct']:,} distinct proposals. Command: `python -m bench.bench_checks`.",
        "",
        "| measurement | time | per 1,000 proposals | peak RSS |",
        "|---|---|---|---|",
        f"| `pipeline.checks.Checker` prepare TM indexes | {ours['prepare']:.1f} s | | |",
        f"| `Checker.check` all flags + similar | {ours['check']:.1f} s | {per_k(ours['check'])} | {peak_gb:.2f} GB (whole child) |",
        f"| naive baseline: `process.extractOne` per proposal, measured on {base['rows']:,} | {base['seconds']:.1f} s | "
        f"{base['seconds'] / base['rows'] * 1000:.2f} s | {base['max_rss_kb'] / 1024 / 1024:.2f} GB |",
        f"| naive baseline extrapolated to {n:,} (linear) | {baseline_full:.0f} s | | |",
        "",
        f"Speed-up {speedup:.1f}× over the baseline (which only finds the nearest TM term and runs no other check). "
        f"Target ≥ 10×, ≤ 60 s, ≤ 4 GB: **{verdict}**.",
        "",
        "Inside `check` (wall s, the whole batch): " + ", ".join(f"{k} {v:.1f}" for k, v in timings) + ".",
        "",
        "Flags raised: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ours["flags"].items())),
        "",
        f"What blocking leaves out, on {quality['rows']:,} sampled proposals against the full TM (blocked vs every "
        f"pair scored): same flags on {quality['same_flags']:.1%} of rows (tm-conflict {quality['conflicts_blocked']} "
        f"vs {quality['conflicts_every']}); same best `similar` score on {quality['same_best']:.1%} of rows, "
        f"{quality['same_best_close']:.1%} of the {quality['close']:,} whose nearest TM term scores ≥ 85.",
        "",
    ]


def main(out_path: str | Path = "bench/results.md", modes: tuple[str, ...] = ("default", "families")) -> dict:
    results = {}
    for mode in modes:
        results[mode] = measure(families=mode == "families")
        section = _section(results[mode])
        with Path(out_path).open("a", encoding="utf-8") as fh:
            fh.write("\n".join(section) + "\n")
        print("\n".join(section))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="bench/results.md")
    parser.add_argument("--modes", default="default,families", help="default, families (terms.synthetic --families)")
    args = parser.parse_args()
    main(args.out, tuple(args.modes.split(",")))
