"""Evaluate the offline suggester on a dev TSV (conceptId, term, patientTerm, alternatives) so that no
item is ever its own TM entry (leave-one-out, or k-fold), beside identity and nearest-neighbour baselines;
and on real SNOMED terms without gold (`--real`): how many it changes, what the broken-output checks
flag, the confidence bands, and a judged sample of 60 changed proposals kept beside the figures.

    python -m pipeline.evaluate ../shared/eval/dev.tsv --real ../shared/eval/real_terms_dev.tsv --out eval/results.md
    python -m pipeline.evaluate ../shared/eval/dev.tsv --real … --write-sample   # refresh the sample to judge
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

from pipeline.offline import Lexicon, OfflineSuggester

_NORM_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


def norm(text: str) -> str:
    """Case, whitespace and punctuation do not count for exact match."""
    return " ".join(_NORM_PUNCT.sub(" ", (text or "").lower()).split())


def exact_match(hyp: str, refs: list[str]) -> bool:
    return any(norm(hyp) == norm(r) for r in refs)


def _ngrams(text: str, n: int) -> Counter:
    text = text.replace(" ", "")  # chrF ignores whitespace (Popović 2015, as in sacrebleu)
    return Counter(text[i:i + n] for i in range(len(text) - n + 1))


def chrf(hyp: str, ref: str, max_n: int = 6, beta: float = 2.0) -> float:
    """Character n-gram F-score, n = 1..6 averaged precision and recall, beta 2; 0..100."""
    precisions, recalls = [], []
    for n in range(1, max_n + 1):
        h, r = _ngrams(hyp, n), _ngrams(ref, n)
        if not h and not r:
            continue
        overlap = sum((h & r).values())
        precisions.append(overlap / sum(h.values()) if h else 0.0)
        recalls.append(overlap / sum(r.values()) if r else 0.0)
    if not precisions:
        return 100.0 if hyp == ref else 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p == 0 and r == 0:
        return 0.0
    return 100.0 * (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def best_chrf(hyp: str, refs: list[str]) -> float:
    return max(chrf(hyp, r) for r in refs)


def load_dev(path: str | Path) -> pl.DataFrame:
    df = pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)
    for col in ("term", "patientTerm"):
        if col not in df.columns:
            raise ValueError(f"{path}: missing column {col!r}")
    if "alternatives" not in df.columns:
        df = df.with_columns(pl.col("patientTerm").alias("alternatives"))
    if "conceptId" not in df.columns:
        df = df.with_row_index("conceptId").with_columns(pl.col("conceptId").cast(pl.Utf8))
    return df


def _refs(row: dict) -> list[str]:
    alts = [a for a in (row.get("alternatives") or "").split("|") if a.strip()]
    return [row["patientTerm"]] + alts


def _without(lexicon: Lexicon, terms: list[str]) -> Lexicon:
    """The lexicon minus whole-term entries equal to the held-out terms (the strict protocol: the
    item must be composed from morphemes, qualifiers and other words, not looked up)."""
    from pipeline.offline import normalise
    drop = {normalise(t) for t in terms}
    lex = Lexicon()
    for table in ("words", "heads", "roots", "prefixes", "suffixes", "qualifiers"):
        src = getattr(lexicon, table)
        setattr(lex, table, {k: v for k, v in src.items() if table in ("prefixes", "suffixes", "qualifiers") or k not in drop})
    return lex


def predictions(dev: pl.DataFrame, folds: int = 0, lexicon: Lexicon | None = None, learn: bool = True,
                strict: bool = False):
    """Rows of (offline suggestion, confidence, origin, identity, nearest neighbour) with the item held out."""
    lexicon = lexicon or Lexicon.load()
    n = dev.height
    groups = [[i] for i in range(n)] if folds <= 1 else [list(range(k, n, folds)) for k in range(folds)]
    out = [None] * n
    for held in groups:
        mask = pl.Series([i not in set(held) for i in range(n)])
        tm = dev.filter(mask)
        test = dev[held]
        lex = _without(lexicon, test["term"].to_list()) if strict else lexicon
        sugg = OfflineSuggester(tm if learn else tm.head(0), lexicon=lex)
        res = sugg.suggest(test.select("conceptId", "term"))
        tm_terms, tm_patient = tm["term"].to_list(), tm["patientTerm"].to_list()
        for j, i in enumerate(held):
            term = test["term"][j]
            nn = process.extractOne(term, tm_terms, scorer=fuzz.WRatio)
            out[i] = (res["suggestion"][j], res["confidence"][j], res["origin"][j], term,
                      tm_patient[nn[2]] if nn else term)
    return out


def _tm_only_lexicon() -> Lexicon:
    lex = Lexicon.load()
    lex.words, lex.heads = {}, {}
    return lex


def metrics(dev: pl.DataFrame, preds) -> dict:
    rows = dev.to_dicts()
    result = {}
    for name, idx in (("offline", 0), ("identity", 3), ("nearest neighbour", 4)):
        em = [exact_match(p[idx], _refs(r)) for p, r in zip(preds, rows)]
        cf = [best_chrf(p[idx], _refs(r)) for p, r in zip(preds, rows)]
        result[name] = {"exact": 100 * sum(em) / len(em), "chrf": sum(cf) / len(cf)}
        if name == "offline":
            cov = [p[2] != "none" for p in preds]
            hi = [e for e, p in zip(em, preds) if p[1] >= 0.8]
            result[name]["coverage"] = 100 * sum(cov) / len(cov)
            result[name]["p@0.8"] = (100 * sum(hi) / len(hi)) if hi else float("nan")
            result[name]["n@0.8"] = len(hi)
            result[name]["origins"] = dict(Counter(p[2] for p in preds))
            result["_em"] = em
    return result


def report(path: str, folds: int = 0) -> str:
    dev = load_dev(path)
    loo = metrics(dev, predictions(dev, folds=folds))
    lex_only = metrics(dev, predictions(dev, folds=folds, learn=False))
    strict = metrics(dev, predictions(dev, folds=folds, strict=True))
    tm_only = metrics(dev, predictions(dev, folds=folds, strict=True, lexicon=_tm_only_lexicon()))
    protocol = "leave-one-out" if folds <= 1 else f"{folds}-fold"
    o = loo["offline"]
    lines = [f"## Offline suggester on {Path(path).name} ({dev.height} items, {protocol})", "",
             "| system | exact % | chrF | coverage % | precision @ conf ≥ 0.8 |", "|---|---|---|---|---|",
             f"| offline (TM + lexicon) | {o['exact']:.1f} | {o['chrf']:.1f} | {o['coverage']:.1f} | "
             f"{o['p@0.8']:.1f} (n={o['n@0.8']}) |",
             f"| offline, lexicon only (empty TM) | {lex_only['offline']['exact']:.1f} | {lex_only['offline']['chrf']:.1f} | "
             f"{lex_only['offline']['coverage']:.1f} | {lex_only['offline']['p@0.8']:.1f} (n={lex_only['offline']['n@0.8']}) |",
             f"| offline, strict (lexicon entry equal to the held-out term removed) | {strict['offline']['exact']:.1f} | "
             f"{strict['offline']['chrf']:.1f} | {strict['offline']['coverage']:.1f} | {strict['offline']['p@0.8']:.1f} "
             f"(n={strict['offline']['n@0.8']}) |",
             f"| offline, learned substitutions + morphemes only (no whole-word lexicon) | {tm_only['offline']['exact']:.1f} | "
             f"{tm_only['offline']['chrf']:.1f} | {tm_only['offline']['coverage']:.1f} | {tm_only['offline']['p@0.8']:.1f} "
             f"(n={tm_only['offline']['n@0.8']}) |",
             f"| identity | {loo['identity']['exact']:.1f} | {loo['identity']['chrf']:.1f} | | |",
             f"| nearest TM neighbour | {loo['nearest neighbour']['exact']:.1f} | {loo['nearest neighbour']['chrf']:.1f} | | |",
             "", f"Origins (full): {o['origins']}; strict: {strict['offline']['origins']}", "",
             "The curated lexicon holds no whole-term entry copied from dev, but it does hold anatomical roots that are "
             "also dev terms (femur, patella). The strict row removes any lexicon entry equal to the held-out term, so "
             "each item must be built from morphemes, qualifiers, other words and substitutions learned from the rest "
             "of the TM: the lower bound for unseen terms.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dev")
    ap.add_argument("--out", default=None)
    ap.add_argument("--folds", type=int, default=0, help="0 or 1: leave-one-out; k: k-fold")
    ap.add_argument("--real", default=None, help="real SNOMED terms (conceptId, term, set, …) proposed with dev as TM")
    ap.add_argument("--judged", default="eval/real_terms_judged.tsv", help="the judged sample of changed proposals")
    ap.add_argument("--write-sample", action="store_true", help="rewrite the judged sample file (judgements kept)")
    args = ap.parse_args(argv)
    try:
        text = report(args.dev, args.folds)
        if args.folds <= 1:
            text += "\n" + report(args.dev, 5)
        if args.real:
            from pipeline.evaluate_real import real_proposals, real_report, write_sample
            if args.write_sample:
                todo = write_sample(real_proposals(args.real, args.dev), Path(args.judged))
                print(f"{args.judged}: {todo} proposal(s) to judge", file=sys.stderr)
            text += "\n" + real_report(args.real, args.dev, Path(args.judged))
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text("# Evaluation\n\nMade by `make eval` (`python -m pipeline.evaluate`).\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
