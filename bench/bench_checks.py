"""Benchmark: the check stage, 380,000 proposals against 15,000 TM terms on 2 cores.

Target (issue 5): ≥ 10× faster than the naive baseline, ≤ 60 s and ≤ 4 GB peak memory.
Measured in this run, each in its own child process pinned to 2 cores so peak RSS is its own:
1. `pipeline.checks.check` on all proposals (every flag, `similar`, chunked cdist);
2. the naive baseline: rapidfuzz `process.extractOne` per proposal against the TM patient terms
   (only the nearest-TM lookup, none of the other checks, so it flatters the baseline), timed on a
   sample of 5,000 proposals and extrapolated linearly to the full count.
Data: Dutch-looking clinical terms and proposals generated here (seeded): qualifiers, made-up sites,
types, 2% dropped qualifiers, 1% stray capitals. The vocabulary is small, so it is more repetitive
than SNOMED (many duplicate and conflicting proposals).

    python -m bench.bench_checks            # appends to bench/results.md
    python -m bench.run --only checks
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

ROOTS = [("appendic", "blindedarm"), ("nefr", "nier"), ("hepat", "lever"), ("cardi", "hart"), ("pneumon", "long"),
         ("gastr", "maag"), ("col", "dikkedarm"), ("cyst", "blaas"), ("derm", "huid"), ("oste", "bot"),
         ("arthr", "gewricht"), ("mening", "hersenvlies"), ("pancreat", "alvleesklier"), ("thyreo", "schildklier"),
         ("laryng", "strottenhoofd"), ("rhin", "neus"), ("ot", "oor"), ("conjunctiv", "bindvlies"), ("tonsill", "amandel"),
         ("prostat", "prostaat"), ("encephal", "hersen"), ("myel", "ruggenmerg"), ("phleb", "ader"), ("sinus", "bijholte")]
SUFFIXES = [("itis", "ontsteking"), ("opathie", "aandoening"), ("algie", "pijn"), ("oom", "gezwel"), ("ose", "slijtage"),
            ("ectomie", "verwijdering"), ("scopie", "onderzoek"), ("rragie", "bloeding")]
QUALIFIERS = [("", ""), ("acute", "plotselinge"), ("chronische", "langdurige"), ("recidiverende", "terugkerende"),
              ("bilaterale", "dubbele"), ("linker", "linker"), ("rechter", "rechter"), ("aangeboren", "aangeboren")]
SYLLABLES = ["bor", "ste", "kel", "mer", "dijk", "lin", "gaar", "ho", "ven", "ter", "pa", "rus", "mon", "del",
             "wa", "sen", "kro", "bel", "tin", "gro", "van", "lo", "ka", "re", "vis", "nar", "doe", "fel"]


def _site_words(rng: np.random.Generator, n: int) -> list[str]:
    """Made-up Dutch-looking place words, so generated terms are as varied as SNOMED's."""
    parts = rng.integers(0, len(SYLLABLES), (n, 3))
    return ["".join(SYLLABLES[j] for j in row) for row in parts]


def make_data(n_proposals: int = N_PROPOSALS, n_tm: int = N_TM, seed: int = 5) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(proposals, tm): Dutch-looking clinical terms with lay renderings; some proposals reuse TM terms."""
    rng = np.random.default_rng(seed)
    n = n_proposals + n_tm
    root = rng.integers(0, len(ROOTS), n)
    suffix = rng.integers(0, len(SUFFIXES), n)
    qualifier = rng.integers(0, len(QUALIFIERS), n)
    sites = [""] * 400 + _site_words(rng, 6000)
    site = rng.integers(0, len(sites), n)
    variant = rng.integers(0, 1000, n)  # distinguishes otherwise equal concepts ("type 12")
    frame = pl.DataFrame({
        "conceptId": [str(10_000_000 + i) for i in range(n)],
        "q": [QUALIFIERS[i][0] for i in qualifier], "ql": [QUALIFIERS[i][1] for i in qualifier],
        "r": [ROOTS[i][0] for i in root], "rl": [ROOTS[i][1] for i in root],
        "s": [SUFFIXES[i][0] for i in suffix], "sl": [SUFFIXES[i][1] for i in suffix],
        "site": [f"van {sites[i]}" if sites[i] else "" for i in site],
        "sitel": [f"in de {sites[i]}" if sites[i] else "" for i in site],
        "v": variant,
    }).with_columns(
        pl.concat_str([pl.col("q"), pl.col("r") + pl.col("s"), pl.col("site"),
                       pl.when(pl.col("v") < 300).then(pl.format("type {}", pl.col("v") % 40)).otherwise(pl.lit(""))],
                      separator=" ").str.replace_all(r"\s+", " ").str.strip_chars().alias("term"),
        pl.concat_str([pl.col("ql"), pl.col("rl") + pl.col("sl"), pl.col("sitel"),
                       pl.when(pl.col("v") < 300).then(pl.format("type {}", pl.col("v") % 40)).otherwise(pl.lit(""))],
                      separator=" ").str.replace_all(r"\s+", " ").str.strip_chars().alias("lay"),
    )
    tm = frame.head(n_tm).select("conceptId", "term", pl.col("lay").alias("patientTerm"))
    proposals = frame.tail(n_proposals).select(
        "conceptId", "term",
        # 2% drop the qualifier, 1% carry a stray capital; the rest are the lay rendering.
        pl.when(pl.col("v") % 50 == 1).then(pl.col("rl") + pl.col("sl"))
        .when(pl.col("v") % 100 == 2).then(pl.col("lay").str.to_titlecase())
        .otherwise(pl.col("lay")).alias("suggestion"),
        pl.lit("").alias("explanation"), pl.lit(0.5).alias("confidence"), pl.lit("lexicon").alias("origin"),
    )
    return proposals, tm


def _data() -> tuple[pl.DataFrame, pl.DataFrame, str]:
    # terms.synthetic (RF2-shaped releases) was not in the tree when this was written; these
    # generated pairs carry what the checks need (qualifiers, sites, types, TM reuse).
    proposals, tm = make_data()
    return proposals, tm, "generated by bench/bench_checks.py make_data (seeded)"


CHILD_CHECK = """
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
                  "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

CHILD_BASELINE = """
import json, sys, time, resource, polars as pl
from rapidfuzz import process, fuzz
proposals = pl.read_parquet(sys.argv[1]).head(int(sys.argv[3])); tm = pl.read_parquet(sys.argv[2])
choices = tm["patientTerm"].to_list()
t0 = time.perf_counter()
best = [process.extractOne(s, choices, scorer=fuzz.ratio) for s in proposals["suggestion"].to_list()]
t1 = time.perf_counter()
print(json.dumps({"seconds": t1 - t0, "rows": len(best), "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
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


def main(out_path: str | Path = "bench/results.md") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        proposals, tm, source = _data()
        p_path, t_path = workdir / "proposals.parquet", workdir / "tm.parquet"
        proposals.write_parquet(p_path)
        tm.write_parquet(t_path)
        ours = _child(CHILD_CHECK, str(p_path), str(t_path))
        base = _child(CHILD_BASELINE, str(p_path), str(t_path), str(SAMPLE))
    baseline_full = base["seconds"] / base["rows"] * proposals.height
    total = ours["prepare"] + ours["check"]
    speedup = baseline_full / total
    peak_gb = ours["max_rss_kb"] / 1024 / 1024
    result = {"proposals": proposals.height, "tm": tm.height, "prepare_s": round(ours["prepare"], 1),
              "check_s": round(ours["check"], 1), "total_s": round(total, 1), "peak_gb": round(peak_gb, 2),
              "baseline_sample": base["rows"], "baseline_sample_s": round(base["seconds"], 1),
              "baseline_full_s": round(baseline_full, 0), "speedup": round(speedup, 1), "flags": ours["flags"]}
    verdict = "met" if speedup >= 10 and total <= 60 and peak_gb <= 4 else "NOT met"
    section = [
        f"## checks — {proposals.height:,} proposals against {tm.height:,} TM terms",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, 2 cores (child processes pinned), data {source}. "
        "Command: `python -m bench.bench_checks`.",
        "",
        "| measurement | time | peak RSS |",
        "|---|---|---|",
        f"| `pipeline.checks.Checker` prepare TM indexes | {ours['prepare']:.1f} s | |",
        f"| `Checker.check` all flags + similar | {ours['check']:.1f} s | {peak_gb:.2f} GB (whole child) |",
        f"| naive baseline: `process.extractOne` per proposal, measured on {base['rows']:,} | {base['seconds']:.1f} s | "
        f"{base['max_rss_kb'] / 1024 / 1024:.2f} GB |",
        f"| naive baseline extrapolated to {proposals.height:,} (linear) | {baseline_full:.0f} s | |",
        "",
        f"Speed-up {speedup:.1f}× over the baseline (which only finds the nearest TM term and runs no other check). "
        f"Target ≥ 10×, ≤ 60 s, ≤ 4 GB: **{verdict}**.",
        "",
        "Flags raised: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ours["flags"].items())),
        "",
    ]
    with Path(out_path).open("a", encoding="utf-8") as fh:
        fh.write("\n".join(section) + "\n")
    print("\n".join(section))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="bench/results.md")
    main(parser.parse_args().out)
