"""The real-model section of `make eval`: a real weak model through helder's whole LLM path.

    python -m pipeline.llm.evaluate ../shared/eval/dev.tsv ../shared/eval/real_terms_dev.tsv \\
        --out eval/llm_results.md --judged eval/llm_judged.tsv

It starts `helder llm serve` (Gemma 3 270M unless --model-file; or --base-url/--model for a
server already running), asks it through `suggest_llm` exactly as `helder suggest` does (the
endpoint negotiation, batching, judging, fallback to the offline proposal), runs the checker
over the result, and reports per set (dev; the real terms by `set`, zib and clinical): answers
used, replaced by the offline proposal (refused: unsafe-output; none came: llm-failed), flagged
by the checks, exact and chrF where gold exists, and the count that matters: LLM answers that
are wrong or broken and yet carry no flag.

How "wrong or broken yet unflagged" is counted, honestly:
- Every LLM answer that was used and carries no flag is either the gold term (dev: exact match
  with the patient term or an alternative) or must be explained by a person: the judged file
  (`--judged`, TSV: set, conceptId, term, patientTerm, explanation, label, note) holds a label
  for it, `ok` (an acceptable patient-friendly term, explanation included), `wrong` (meaning
  changed or lost) or `broken` (not a usable term). Wrong and broken count.
- Unflagged answers the file does not know yet (a new model, prompt or check) are added to it
  with an empty label and counted as `unjudged`: the section says so, and is not done until a
  person has labelled them. The file keeps every label it had, so a rerun needs no new reading.
- A sample of flagged answers is in the file too (label them or not): it shows what the flags
  catch, and that the checks are not flagging good answers by accident.

Dev is asked in 5 folds (each fold's TM is the other four, so no item is its own few-shot
example or TM entry); the real terms use all of dev as TM. The model's replies pass through a
small recording proxy: a request identical to one this machine already sent to the same model
file (same prompt, examples, items and settings) is answered from `eval/.cache/` instead of
generating again, so rerunning after a change to the checks takes seconds; the section says how
many replies were generated and how many replayed. Delete the folder to generate everything anew.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import polars as pl
from fastapi import Request  # at module level: FastAPI resolves the handler's string annotation here

DEFAULTS = {"batch_size": 5, "concurrency": 1, "max_tokens_per_item": 48, "timeout": 900, "max_retries": 1,
            "temperature": 0}
JUDGED_COLUMNS = ["set", "conceptId", "term", "patientTerm", "explanation", "flagged", "label", "note"]
LABELS = ("ok", "wrong", "broken")
FLAGGED_SAMPLE = 3  # flagged answers per set kept in the judged file for reading
# The sample `make eval` asks: with a schema grammar the 270M model writes ~2-4 tokens a second on
# 2 shared cores (llama-cpp-python checks the grammar against all 262k tokens of Gemma's vocabulary
# at every step), ~45 tokens an item: all 585 items take hours, this sample about half an hour.
DEV_EVERY, REAL_EVERY = 4, 10


# --------------------------------------------------------------------------- the recording proxy


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """An OpenAI-compatible pass-through on a loopback port that keeps every reply of the model
    server behind it in SQLite, keyed by sha256(model identity, request body), and answers a
    request it has seen before from there. Counts `generated` and `replayed`; `log` holds every
    (request body, reply text) of this process. FastAPI under uvicorn in a thread."""

    def __init__(self, upstream: str, identity: str, path: Path):
        self.upstream, self.identity, self.path = upstream.rstrip("/"), identity, Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, status INTEGER, body TEXT, "
                       "seconds REAL)")
        self.generated = self.replayed = 0
        self.generate_seconds = 0.0
        self.log: list[tuple[dict, str]] = []
        self.port = _free_port()
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def key(self, body: dict) -> str:
        text = json.dumps(body, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.identity}\x1f{text}".encode("utf-8")).hexdigest()

    def _app(self):
        import httpx
        from fastapi import FastAPI
        from fastapi.responses import Response

        app = FastAPI()
        client = httpx.AsyncClient(timeout=httpx.Timeout(3600.0))

        @app.get("/v1/models")
        async def models():
            r = await client.get(f"{self.upstream}/models")
            return Response(r.content, status_code=r.status_code, media_type="application/json")

        @app.post("/v1/chat/completions")
        async def chat(request: Request):
            body = await request.json()
            key = self.key(body)
            with sqlite3.connect(self.path) as db:
                hit = db.execute("SELECT status, body FROM replies WHERE key = ?", (key,)).fetchone()
            if hit is not None:
                status, text = hit
                with self.lock:
                    self.replayed += 1
            else:
                t0 = time.perf_counter()
                r = await client.post(f"{self.upstream}/chat/completions", json=body)
                seconds = time.perf_counter() - t0
                status, text = r.status_code, r.text
                with sqlite3.connect(self.path) as db:
                    db.execute("INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?)", (key, status, text, seconds))
                with self.lock:
                    self.generated += 1
                    self.generate_seconds += seconds
            with self.lock:
                self.log.append((body, text))
            return Response(text, status_code=status, media_type="application/json")

        return app

    def start(self) -> "Recorder":
        import uvicorn

        config = uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning",
                                loop="asyncio", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("the recording proxy did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)

    def raw_answers(self) -> dict[str, dict]:
        """conceptId -> the last answer item the model gave for it (any request of this run)."""
        from pipeline.llm.answers import parse_items
        from pipeline.llm.client import read_reply

        out: dict[str, dict] = {}
        for _body, text in self.log:
            reply = read_reply(text)
            for item in parse_items(reply.content) or []:
                cid = str(item.get("conceptId", "")).strip()
                if cid:
                    out[cid] = item
        return out


# --------------------------------------------------------------------------- running


def _file_identity(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _ask(work: pl.DataFrame, tm: pl.DataFrame, model: str, settings: dict) -> tuple[pl.DataFrame, dict]:
    from pipeline.checks import Checker
    from pipeline.llm import FileCache, suggest_llm
    from pipeline.offline import OfflineSuggester

    with tempfile.TemporaryDirectory() as tmp:  # helder's own cache starts empty: every item is asked
        cache = FileCache(Path(tmp) / "cache.sqlite")
        result = suggest_llm(work, tm, model=model, settings=settings, cache=cache, offline=OfflineSuggester(tm))
        cache.close()
    checked = Checker(tm).check(result.proposals)
    return checked, result.totals


def run(dev_path: str, real_path: str | None, base_url: str, model: str, settings: dict, folds: int = 5,
        dev_every: int = 1, real_every: int = 1, progress=None) -> tuple[pl.DataFrame, Counter]:
    """Items through suggest_llm and the checker: one row per item with set, gold (dev), the final
    proposal, origin, llmFlags, llmReason, flags. `dev_every`/`real_every` k: every k-th row of
    that file (a fixed sample; 1 = all). Dev items never meet themselves: asked all, in `folds`
    folds with the other folds as TM; asked as a sample, with the rest of dev as TM."""
    from pipeline.evaluate import load_dev

    settings = {**DEFAULTS, **settings, "base_url": base_url}
    dev = load_dev(dev_path).select("conceptId", "term", "patientTerm", "alternatives")
    n = dev.height
    if dev_every > 1:
        groups = [list(range(0, n, dev_every))]
    else:
        groups = [list(range(k, n, folds)) for k in range(folds)]
    frames, totals = [], Counter()
    for k, held in enumerate(groups):
        if not held:
            continue
        chosen = set(held)
        mask = pl.Series([i not in chosen for i in range(n)])
        tm, test = dev.filter(mask), dev[held]
        checked, t = _ask(test.select("conceptId", "term"), tm.select("conceptId", "term", "patientTerm"), model,
                          settings)
        totals.update({a: b for a, b in t.items() if isinstance(b, (int, float))})
        frames.append(checked.drop("alternatives").join(test.select("conceptId", "patientTerm", "alternatives").rename(
            {"patientTerm": "gold"}), on="conceptId", how="left").with_columns(pl.lit("dev").alias("set")))
        if progress:
            progress(f"dev {k + 1}/{len(groups)}: {sum(f.height for f in frames)} items")
    if real_path:
        real = pl.read_csv(real_path, separator="\t", infer_schema=False, quote_char=None)
        real = real.gather_every(real_every) if real_every > 1 else real
        cols = [c for c in ("conceptId", "term", "semanticTag") if c in real.columns]
        checked, t = _ask(real.select(cols), dev.select("conceptId", "term", "patientTerm"), model, settings)
        totals.update({a: b for a, b in t.items() if isinstance(b, (int, float))})
        sets = real.select("conceptId", pl.concat_str([pl.lit("real-"), pl.col("set")]).alias("set"))
        checked = checked.join(sets.unique("conceptId", keep="first"), on="conceptId", how="left")
        # `alternatives` of a proposal is the offline answer beside the LLM's (JSON); here: gold alternatives
        frames.append(checked.with_columns(pl.lit(None, pl.Utf8).alias("gold"), pl.lit(None, pl.Utf8).alias("alternatives")))
        if progress:
            progress(f"real terms: {real.height} items")
    keep = ["set", "conceptId", "term", "gold", "alternatives", "suggestion", "explanation", "origin", "llmFlags",
            "llmReason", "flags", "tokensIn", "tokensOut"]
    out = pl.concat([f.select([pl.col(c).cast(pl.Utf8) if c not in ("tokensIn", "tokensOut") else pl.col(c)
                               for c in keep]) for f in frames], how="vertical")
    return out, totals


# --------------------------------------------------------------------------- judging and the report


def _refs(row: dict) -> list[str]:
    refs = [row["gold"]] if row.get("gold") else []
    refs += [a for a in (row.get("alternatives") or "").split("|") if a.strip()]
    return refs


def load_judged(path: Path) -> dict[tuple, dict]:
    """(set, conceptId, patientTerm, explanation) -> row of the judged file (absent file: empty)."""
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    out = {}
    for r in rows:
        label = (r.get("label") or "").strip()
        if label and label not in LABELS:
            raise ValueError(f"{path}: label {label!r} for {r.get('conceptId')}: expected one of {', '.join(LABELS)}")
        out[(r["set"], r["conceptId"], r["patientTerm"], r.get("explanation") or "")] = r
    return out


def judge_rows(rows: pl.DataFrame, judged: dict) -> tuple[list[dict], list[dict]]:
    """Each row with `verdict`: gold, flagged, ok, wrong, broken or unjudged (LLM answers used);
    and the judged file's rows to write (old labels kept, new unflagged answers added unlabelled,
    plus a few flagged answers per set for reading)."""
    from pipeline.evaluate import exact_match

    out, keep = [], dict(judged)
    flagged_seen: Counter = Counter()
    for r in rows.iter_rows(named=True):
        r = dict(r)
        used = r["origin"] == "llm"
        if not used:
            r["verdict"] = "replaced"
        elif r["flags"]:
            r["verdict"] = "flagged"
        elif _refs(r) and exact_match(r["suggestion"], _refs(r)):
            r["verdict"] = "gold"
        else:
            key = (r["set"], r["conceptId"], r["suggestion"] or "", r["explanation"] or "")
            label = (judged.get(key) or {}).get("label", "").strip()
            r["verdict"] = label or "unjudged"
            if key not in keep:
                keep[key] = {"set": r["set"], "conceptId": r["conceptId"], "term": r["term"],
                             "patientTerm": r["suggestion"] or "", "explanation": r["explanation"] or "",
                             "flagged": "", "label": "", "note": ""}
        if r["verdict"] == "flagged" and flagged_seen[r["set"]] < FLAGGED_SAMPLE:
            key = (r["set"], r["conceptId"], r["suggestion"] or "", r["explanation"] or "")
            if key not in keep:
                flagged_seen[r["set"]] += 1
                keep[key] = {"set": r["set"], "conceptId": r["conceptId"], "term": r["term"],
                             "patientTerm": r["suggestion"] or "", "explanation": r["explanation"] or "",
                             "flagged": r["flags"], "label": "", "note": ""}
        out.append(r)
    return out, list(keep.values())


def write_judged(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(rows, key=lambda r: (r["set"], r["flagged"] != "", r["conceptId"], r["patientTerm"]))
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=JUDGED_COLUMNS, delimiter="\t", extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def summarise(rows: list[dict]) -> list[dict]:
    """One dict per set (and 'all'): the report's numbers."""
    from pipeline.evaluate import best_chrf, exact_match

    sets = sorted({r["set"] for r in rows}, key=lambda s: (s != "dev", s))
    out = []
    for name in sets + ["all"]:
        part = [r for r in rows if name == "all" or r["set"] == name]
        used = [r for r in part if r["origin"] == "llm"]
        flags = [set((r["llmFlags"] or "").split(";")) - {""} for r in part]
        gold = [r for r in part if _refs(r)]
        s = {"set": name, "items": len(part), "used": len(used),
             "used_flagged": sum(1 for r in used if r["flags"]),
             "unsafe": sum(1 for f in flags if "unsafe-output" in f), "failed": sum(1 for f in flags if "llm-failed" in f),
             "gold": len(gold)}
        if gold:
            g_used = [r for r in gold if r["origin"] == "llm"]
            s["exact_used"] = 100 * sum(exact_match(r["suggestion"], _refs(r)) for r in g_used) / len(g_used) if g_used else None
            s["chrf_used"] = sum(best_chrf(r["suggestion"] or "", _refs(r)) for r in g_used) / len(g_used) if g_used else None
            s["exact_final"] = 100 * sum(exact_match(r["suggestion"] or "", _refs(r)) for r in gold) / len(gold)
            s["chrf_final"] = sum(best_chrf(r["suggestion"] or "", _refs(r)) for r in gold) / len(gold)
        verdicts = Counter(r["verdict"] for r in part)
        s.update({k: verdicts.get(k, 0) for k in ("gold", "ok", "wrong", "broken", "unjudged", "flagged")})
        s["gold_items"] = len(gold)
        s["unflagged_bad"] = verdicts.get("wrong", 0) + verdicts.get("broken", 0)
        out.append(s)
    return out


def _sample_text(meta: dict) -> str:
    dev_every, real_every = meta["sample"]
    dev = (f"dev: all, in {meta['folds']} folds (TM = the other folds)" if dev_every <= 1 else
           f"dev: every {dev_every}th row (TM = the rest of dev)")
    real = ("real terms: none" if not meta.get("real") else "real terms: all" if real_every <= 1
            else f"real terms: every {real_every}th row")
    return f"Items: {dev}; {real} (TM = all of dev)"


def _pct(x) -> str:
    return "" if x is None else f"{x:.1f}"


def report(summary: list[dict], meta: dict) -> str:
    lines = ["## Real model through the LLM path (`python -m pipeline.llm.evaluate`)", "",
             f"Model: {meta['model']} ({meta['model_file']}), served by `helder llm serve` (llama.cpp via "
             f"llama-cpp-python {meta.get('llama_cpp', '?')}); structured output as negotiated: "
             f"{meta.get('structured', '?')}. Settings: {meta['settings']}. {_sample_text(meta)}. Replies generated now: "
             f"{meta['generated']} ({meta['generate_seconds']:.0f} s of generation), replayed from eval/.cache: "
             f"{meta['replayed']}. Requests {meta['totals'].get('requests', 0)}, tokens in "
             f"{meta['totals'].get('tokens_in', 0):,}, out {meta['totals'].get('tokens_out', 0):,}; "
             f"{meta['seconds']:.0f} s in all.", "",
             "| set | items | LLM answers used | of those flagged by the checks | replaced: refused (unsafe-output) | "
             "replaced: no answer (llm-failed) | exact % (LLM answers used / final) | chrF (used / final) | "
             "unflagged: gold / judged ok | **unflagged wrong or broken** | unflagged, not judged yet |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in summary:
        exact = f"{_pct(s.get('exact_used'))} / {_pct(s.get('exact_final'))}" if s["gold_items"] else "no gold"
        chrf = f"{_pct(s.get('chrf_used'))} / {_pct(s.get('chrf_final'))}" if s["gold_items"] else ""
        lines.append(f"| {s['set']} | {s['items']} | {s['used']} | {s['used_flagged']} | {s['unsafe']} | {s['failed']} | "
                     f"{exact} | {chrf} | {s['gold']} / {s['ok']} | **{s['unflagged_bad']}** | {s['unjudged']} |")
    lines += ["", "An LLM answer used is one the judge accepted (origin llm); the checker may still flag it. "
              "Unflagged answers that are not the gold term are read and labelled by a person in "
              f"`{meta['judged']}` (ok / wrong / broken); wrong or broken ones count above and must be 0.", ""]
    if meta.get("reasons"):
        lines += ["Why answers were refused or failed (most common):", ""]
        lines += [f"- {n} × {reason}" for reason, n in meta["reasons"]]
        lines.append("")
    return "\n".join(lines)


def _reason_kind(text: str) -> str:
    text = (text or "").split(" (het taalmodel zei")[0]
    return text.split(" (")[0][:90]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dev", help="dev.tsv: conceptId, term, patientTerm, alternatives")
    ap.add_argument("real", nargs="?", help="real_terms_dev.tsv: conceptId, term, semanticTag, set")
    ap.add_argument("--out", default="eval/llm_results.md")
    ap.add_argument("--judged", default="eval/llm_judged.tsv")
    ap.add_argument("--base-url", help="a model server already running (else helder llm serve is started)")
    ap.add_argument("--model", help="model name at --base-url")
    ap.add_argument("--model-file", help="GGUF file to serve (default: Gemma 3 270M)")
    ap.add_argument("--cache", default="eval/.cache/llm-replies.sqlite")
    ap.add_argument("--dev-every", type=int, default=DEV_EVERY, help="every k-th dev row (1: all, in folds)")
    ap.add_argument("--real-every", type=int, default=REAL_EVERY, help="every k-th real term (1: all)")
    ap.add_argument("--folds", type=int, default=5, help="folds when all of dev is asked")
    for key, value in DEFAULTS.items():
        ap.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    args = ap.parse_args(argv)
    settings = {k: getattr(args, k) for k in DEFAULTS}
    t0 = time.perf_counter()
    server = None
    say = lambda text: print(f"[llm eval {time.perf_counter() - t0:6.0f}s] {text}", file=sys.stderr, flush=True)
    os.environ.setdefault("OPENAI_API_KEY", "not-needed")
    try:
        if args.base_url:
            upstream, model, identity, model_file = args.base_url, args.model or "local", args.base_url, args.base_url
        else:
            from pipeline.llm.server import LocalServer, ServerUnavailable, default_model_file

            try:
                path = Path(args.model_file) if args.model_file else default_model_file()
                server = LocalServer(args.model_file).start()
            except ServerUnavailable as exc:
                text = f"## Real model through the LLM path\n\nNot run: {exc}.\n"
                print(text)
                return 0
            upstream, model, model_file = server.base_url, server.model, path.name
            identity = f"{_file_identity(path)}:{json.dumps(settings, sort_keys=True)}"
            say(f"serving {path.name} on {upstream}")
        recorder = Recorder(upstream, identity, Path(args.cache)).start()
        try:
            rows, totals = run(args.dev, args.real, recorder.base_url, model, settings, args.folds, args.dev_every,
                               args.real_every, say)
            answers = recorder.raw_answers()
        finally:
            recorder.stop()
    finally:
        if server is not None:
            server.stop()
    from pipeline.llm.client import endpoint_for

    judged_path = Path(args.judged)
    verdicts, judged_rows = judge_rows(rows, load_judged(judged_path))
    write_judged(judged_path, judged_rows)
    reasons = Counter(_reason_kind(r) for r in rows["llmReason"].to_list() if r)
    try:
        import llama_cpp
        version = llama_cpp.__version__
    except ImportError:
        version = "?"
    meta = {"model": model, "model_file": model_file, "llama_cpp": version, "settings": settings, "folds": args.folds if args.dev_every <= 1 else 0,
            "sample": (args.dev_every, args.real_every), "real": bool(args.real),
            "generated": recorder.generated, "replayed": recorder.replayed,
            "generate_seconds": recorder.generate_seconds, "totals": totals, "seconds": time.perf_counter() - t0,
            "judged": args.judged, "reasons": reasons.most_common(8),
            "structured": endpoint_for(recorder.base_url.rstrip("/"), model).structured}
    text = report(summarise(verdicts), meta)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Evaluation: a real model\n\nMade by `make eval`.\n\n" + text)
    answers_path = out.with_name("llm_answers.tsv")
    pl.DataFrame([{**{k: v for k, v in r.items() if k in ("set", "conceptId", "term", "gold", "suggestion",
                                                           "origin", "llmFlags", "flags", "verdict")},
                   "modelTerm": str((answers.get(r["conceptId"]) or {}).get("patientTerm", "")),
                   "modelExplanation": str((answers.get(r["conceptId"]) or {}).get("explanation", "")),
                   "llmReason": r["llmReason"] or ""} for r in verdicts]).write_csv(answers_path, separator="\t")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
