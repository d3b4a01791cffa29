"""The real-terms section of `make eval`: the offline suggester on real Dutch SNOMED terms, which
have no gold answer — how many it changes, what the broken-output checks flag, the confidence
bands, and a sample of 60 changed proposals read and judged by hand (good / needs-edit /
wrong-meaning / broken-dutch), kept beside the figures in `eval/real_terms_judged.tsv`.

The sample is fixed by a hash of the concept id, so the same rows come back every run; a row whose
proposal changed since it was judged counts as unjudged until someone reads it again
(`python -m pipeline.evaluate … --real … --write-sample` refreshes the file, keeping judgements).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl

BROKEN_CODES = ("number-changed", "name-changed", "repeated-concept", "half-translation", "grammar")
JUDGEMENTS = ("good", "needs-edit", "wrong-meaning", "broken-dutch")
SAMPLE_SIZE = 60


def real_proposals(real_path: str | Path, tm_path: str | Path) -> pl.DataFrame:
    """The real terms (conceptId, term, set…) proposed offline with `tm_path` as TM and checked:
    + suggestion, confidence, origin, unknownWords, flags, flagDetails, changed (bool)."""
    from pipeline.checks import Checker
    from pipeline.evaluate import load_dev, norm
    from pipeline.offline import suggest_offline

    real = pl.read_csv(real_path, separator="\t", infer_schema=False, quote_char=None)
    tm = load_dev(tm_path).select("conceptId", "term", "patientTerm")
    proposals = suggest_offline(real.select("conceptId", "term"), tm)
    checked = Checker(tm).check(proposals)
    changed = [o != "none" and norm(s) != norm(t) for s, t, o in
               zip(checked["suggestion"].to_list(), checked["term"].to_list(), checked["origin"].to_list())]
    keep = [c for c in ("set", "semanticTag") if c in real.columns]
    out = checked.with_columns(*real.select(keep).get_columns(), pl.Series("changed", changed))
    return out if "set" in out.columns else out.with_columns(pl.lit("").alias("set"))


def sample_rows(frame: pl.DataFrame, n: int = SAMPLE_SIZE) -> pl.DataFrame:
    """A fixed sample of changed proposals: the first `n` by a hash of the concept id (so neither
    the file order nor the lexicon picks them)."""
    changed = frame.filter(pl.col("changed"))
    return (changed.with_columns(pl.col("conceptId").hash(seed=11).alias("_h")).sort("_h").head(n).drop("_h")
            .sort("conceptId"))


def read_judged(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(conceptId, proposal) → (judgement, note) from the judged sample file, if it exists.
    ValueError names an unknown judgement."""
    if not path.is_file():
        return {}
    judged = pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None).fill_null("")
    bad = set(judged["judgement"].to_list()) - set(JUDGEMENTS) - {""}
    if bad:
        raise ValueError(f"{path}: unknown judgement(s) {sorted(bad)} (expected {', '.join(JUDGEMENTS)})")
    return {(r["conceptId"], r["proposal"]): (r["judgement"], r["note"]) for r in judged.iter_rows(named=True)}


def write_sample(frame: pl.DataFrame, path: Path) -> int:
    """(Re)write the judged sample file with today's sample: judgements kept where the proposal is
    unchanged, empty where it is new. Returns how many are left to read and judge."""
    previous = read_judged(path)
    rows, todo = [], 0
    for r in sample_rows(frame).iter_rows(named=True):
        judgement, note = previous.get((r["conceptId"], r["suggestion"]), ("", ""))
        todo += judgement == ""
        rows.append({"conceptId": r["conceptId"], "set": r["set"] or "", "term": r["term"],
                     "proposal": r["suggestion"], "confidence": f"{r['confidence']:.2f}",
                     "flags": r["flags"], "judgement": judgement, "note": note})
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows).write_csv(path, separator="\t", quote_style="never")
    return todo


def _codes(frame: pl.DataFrame) -> Counter:
    return Counter(c for flags in frame["flags"].to_list() for c in flags.split(";") if c)


def real_report(real_path: str | Path, tm_path: str | Path, judged_path: Path) -> str:
    """The real-terms section of `make eval` (markdown)."""
    frame = real_proposals(real_path, tm_path)
    sets = {"all": frame, "clinical": frame.filter(pl.col("set") == "clinical"), "zib": frame.filter(pl.col("set") == "zib")}
    lines = [f"## Offline suggester on real SNOMED terms ({Path(real_path).name}, TM {Path(tm_path).name})", "",
             "| rows | n | changed | changed % | changed at confidence ≥ 0.8 | ≥ 0.8 % |", "|---|---|---|---|---|---|"]
    for name, f in sets.items():
        n_changed = int(f["changed"].sum())
        hi = f.filter(pl.col("changed") & (pl.col("confidence") >= 0.8)).height
        lines.append(f"| {name} | {f.height} | {n_changed} | {100 * n_changed / max(f.height, 1):.1f} | {hi} | "
                     f"{100 * hi / max(f.height, 1):.1f} |")
    changed, unchanged = frame.filter(pl.col("changed")), frame.filter(~pl.col("changed"))
    c_all, c_clin = _codes(changed), _codes(changed.filter(pl.col("set") == "clinical"))
    lines += ["", "Flags on the changed proposals (the broken-output checks first):", "",
              "| code | changed proposals flagged | of which clinical |", "|---|---|---|"]
    for code in BROKEN_CODES + ("jargon", "lost-qualifier", "tm-conflict", "tm-inconsistent", "too-long", "format"):
        lines.append(f"| `{code}` | {c_all.get(code, 0)} | {c_clin.get(code, 0)} |")
    u = _codes(unchanged)
    plain = unchanged.filter(~pl.col("flags").str.contains("jargon") & (pl.col("unknownWords").fill_null("") == "")).height
    lines += ["", f"Unchanged terms ({unchanged.height}): {u.get('jargon', 0)} flagged `jargon`, "
              f"{u.get('not-understood', 0)} `not-understood` (the words helder did not know are named), "
              f"{plain} with no jargon and nothing unknown (already plain Dutch).", "",
              "Confidence bands of the changed proposals:", "", "| band | all | clinical |", "|---|---|---|"]
    for label, lo, hi in (("≥ 0.8", 0.8, 1.01), ("0.5–0.8", 0.5, 0.8), ("< 0.5", 0.0, 0.5)):
        band = changed.filter((pl.col("confidence") >= lo) & (pl.col("confidence") < hi))
        lines.append(f"| {label} | {band.height} | {band.filter(pl.col('set') == 'clinical').height} |")
    none = frame.filter(pl.col("origin") == "none")
    lines.append(f"| none (no proposal) | {none.height} | {none.filter(pl.col('set') == 'clinical').height} |")
    judged = read_judged(judged_path)
    sample = sample_rows(frame)
    verdicts = Counter(judged.get((r["conceptId"], r["suggestion"]), ("unjudged", ""))[0]
                       for r in sample.iter_rows(named=True))
    lines += ["", f"Judged sample (`{judged_path}`): {sample.height} changed proposals read as a terminologist "
              "would — " + ", ".join(f"{k} {verdicts.get(k, 0)}" for k in JUDGEMENTS + ("unjudged",)) + ".", ""]
    hi_clin = sets["clinical"].filter(pl.col("changed") & (pl.col("confidence") >= 0.8)).sort("term")
    lines += [f"The clinical proposals at confidence ≥ 0.8 ({hi_clin.height}), to read:", ""]
    lines += [f"- {r['term']} → {r['suggestion']} ({r['confidence']:.2f}){' — ' + r['flags'] if r['flags'] else ''}"
              for r in hi_clin.iter_rows(named=True)]
    return "\n".join(lines) + "\n"
