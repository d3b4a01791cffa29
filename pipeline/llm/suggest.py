"""LLM suggestions through any OpenAI-compatible endpoint, safe and cheap enough to run every night.

`suggest_llm(work, tm, model, settings, cache, offline, ...)` returns an `LLMResult`:
- `proposals`: the work frame plus `suggestion`, `explanation`, `confidence`, `origin` ("llm", or
  the offline origin where the LLM's answer was refused or never came), `model`, `promptVersion`,
  `tokensIn`, `tokensOut` (this suggestion's share of its request), `alternatives` (JSON list: the
  offline answer where it differs from the LLM's), `llmFlags` (";"-joined codes: `unsafe-output`
  for an answer that came and was refused by the judge, `llm-failed` when no usable answer came:
  errors or timeouts past the retries, a non-answer, text that is not the contract's JSON, an
  answer cut off at the output limit, an item left out twice) and `llmReason` (why, in Dutch from
  terms/messages/llm.toml, with the refused text shortened and quoted).
  Rows the budget or a running batch job left undone are absent: they stay pending.
- `totals`: requests, tokens_in, tokens_out, cost, cached, fallbacks, retries (and a few more).
- `stopped_by_budget`.

Pieces: prompts/ (the text and few-shot numbers), prompt.py (items, examples, messages),
client.py (pacing, retries, splitting, budgets), answers.py (parse and judge), cache.py
(pay once), batch.py (the provider's batch endpoint). See docs/llm.md.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

import polars as pl

from pipeline.llm.cache import Answer, FileCache, StoreCache, file_cache_path  # noqa: F401  (the seam)
from pipeline.llm.client import (Asker, Budget, LLMUnavailable, Outcome, Totals,  # noqa: F401
                                 _groups)
from pipeline.llm.prompt import FewShot, Item, items_from
from prompts import load_prompt
from terms.messages import message, template

log = logging.getLogger("helder.llm")

PROPOSAL_COLUMNS = ["suggestion", "explanation", "confidence", "origin", "model", "promptVersion", "tokensIn",
                    "tokensOut", "alternatives", "llmFlags", "llmReason"]
FLUSH_EVERY = 200  # accepted answers buffered before they are written to the cache


@dataclass
class LLMSettings:
    """Config section [llm]; every key optional (docs/llm.md)."""
    model: str | None = None
    batch_size: int = 20
    concurrency: int = 8
    rpm: float = 0            # requests per minute, client side; 0 = no limit
    tpm: float = 0            # tokens per minute (prompt estimate + expected answer); 0 = no limit
    timeout: float = 60.0     # seconds per request
    max_retries: int = 5      # per request, for 429/5xx/timeouts
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    temperature: float | None = 0.0
    max_tokens: int = 0       # output tokens per request; 0 = not sent
    max_tokens_per_item: int = 0  # output tokens per item asked (+ a small frame); 0 = not used
    confidence: float = 0.7   # an LLM answer the offline suggester does not share
    agree_confidence: float = 0.9  # ... and one it does
    base_url: str | None = None    # else OPENAI_BASE_URL, else the openai default
    prompt: str = "patient_terms"
    cache_file: str | None = None  # FileCache for `helder suggest` (default ~/.cache/helder/llm-cache.sqlite)
    prices: dict = field(default_factory=dict)  # model -> {"in": $ per 1M prompt tokens, "out": per 1M}

    @classmethod
    def from_any(cls, settings: "LLMSettings | dict | None") -> "LLMSettings":
        if isinstance(settings, LLMSettings):
            return settings
        out = cls()
        for f in fields(cls):
            if not settings or f.name not in settings or settings[f.name] is None:
                continue
            value = settings[f.name]
            default = getattr(out, f.name)
            if f.name == "prices":
                if not isinstance(value, dict):
                    raise ValueError(message("llm.setup.prices", value=repr(value)))
                value = {**out.prices, **value}
            elif f.name in ("model", "base_url", "prompt", "cache_file"):
                value = str(value)
            elif f.name == "temperature" and isinstance(value, str) and value.strip().lower() in ("", "none", "off"):
                value = None  # not sent (models that refuse a temperature)
            else:
                try:
                    if isinstance(value, bool):
                        raise TypeError
                    value = int(value) if isinstance(default, int) else float(value)
                except (TypeError, ValueError):
                    raise ValueError(message("llm.setup.number", name=f.name, value=repr(value))) from None
                if value < 0 or (f.name in ("batch_size", "concurrency") and value < 1):
                    raise ValueError(message("llm.setup.range", name=f.name, value=repr(value)))
            setattr(out, f.name, value)
        return out

    def price(self, model: str) -> tuple[float, float]:
        entry = self.prices.get(model) or {}
        try:
            return float(entry.get("in", 0)), float(entry.get("out", 0))
        except (TypeError, ValueError, AttributeError):
            raise ValueError(message("llm.setup.price", model=model)) from None


@dataclass
class LLMResult:
    proposals: pl.DataFrame
    totals: dict
    stopped_by_budget: bool = False


def make_client(settings: LLMSettings):
    """The official async client; OPENAI_API_KEY / OPENAI_BASE_URL as it reads them, retries ours."""
    from openai import AsyncOpenAI

    base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL") or None
    key = os.environ.get("OPENAI_API_KEY")
    if not key:
        if not base_url:
            raise ValueError(message("llm.setup.no-key"))
        key = "not-needed"  # local servers (vLLM, Ollama, llama.cpp) usually ignore it
    from openai import DefaultAsyncHttpxClient

    http = DefaultAsyncHttpxClient(verify=_ssl_context(), timeout=settings.timeout)
    return AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=settings.timeout, http_client=http)


_SSL: list = []


def _ssl_context():
    """One TLS context per process: building one reads the CA bundle (~30 ms), and `helder run`
    makes a client per chunk."""
    if not _SSL:
        import ssl

        try:
            import certifi
            _SSL.append(ssl.create_default_context(cafile=certifi.where()))
        except ImportError:
            _SSL.append(ssl.create_default_context())
    return _SSL[0]


_FEWSHOT: dict = {}


def _fewshot(tm: pl.DataFrame | None, prompt) -> FewShot:
    """The few-shot index for this TM, kept while the same TM frame is passed again (a run's chunks)."""
    key = (id(tm), tm.height if tm is not None else 0, prompt.version)
    if _FEWSHOT.get("key") != key:
        _FEWSHOT.clear()
        _FEWSHOT.update(key=key, tm=tm, fewshot=FewShot(tm, prompt))  # holding tm keeps its id unique
    return _FEWSHOT["fewshot"]


def _run_async(coro):
    """asyncio.run, also when the caller is already inside an event loop (then in a thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict = {}

    def target():
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@contextmanager
def _gc_frozen():
    """Everything alive before the requests start (modules, TM, lexicon) is left out of the garbage
    collector's full passes while they run: those passes otherwise stall the event loop for tens of
    milliseconds with answers waiting to be read (measured: ~5% of throughput at 8 in flight)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class _CacheWriter:
    """Accepted answers go to the cache in small groups as they arrive, so a crash keeps them.

    Inside the event loop a full buffer is written by one background thread (writes stay in
    order and never hold up the requests); `flush()` writes what is left and waits for it."""

    def __init__(self, cache, model: str, prompt_version: str):
        self.cache, self.model, self.prompt_version = cache, model, prompt_version
        self.buffer: list[dict] = []
        self.pool = None
        self.pending: list = []

    def __call__(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            if o.flag or o.verdict is None:
                continue
            self.buffer.append({"key": o.item.key(self.model, self.prompt_version), "model": self.model,
                                "prompt_version": self.prompt_version, "input_text": o.item.input_text,
                                "patient_term": o.verdict.patient_term, "explanation": o.verdict.explanation,
                                "tokens_in": o.tokens_in, "tokens_out": o.tokens_out})
        if len(self.buffer) >= FLUSH_EVERY and self.cache is not None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = self.pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-cache")
            rows, self.buffer = self.buffer, []
            self.pending.append(self.pool.submit(self.cache.put_many, rows))

    def flush(self) -> None:
        for future in self.pending:
            future.result()  # a failed write is an error of the run, not something to hide
        self.pending = []
        if self.pool:
            self.pool.shutdown()
            self.pool = None
        if self.buffer and self.cache is not None:
            rows, self.buffer = self.buffer, []
            self.cache.put_many(rows)


def suggest_llm(work: pl.DataFrame, tm: pl.DataFrame, model: str | None = None, settings=None, cache=None,
                offline=None, use_cache: bool = True, max_requests: int | None = None, max_cost: float | None = None,
                batch: bool = False, batch_size: int | None = None, concurrency: int | None = None,
                session_factory=None, config: dict | None = None, run_id: int | None = None,
                **_ignored) -> LLMResult:
    """Propose patient-friendly terms with an LLM; see the module docstring for what comes back.

    `cache`: a StoreCache/FileCache (None: a FileCache at `[llm] cache_file` or the default path).
    `offline`: an OfflineSuggester for agreement and fallback (None: one is built from `tm`).
    `session_factory`: where batch jobs are recorded (None: the cache's own store)."""
    s = LLMSettings.from_any(settings if settings is not None else (config or {}).get("llm"))
    if batch_size:
        s.batch_size = int(batch_size)
    if concurrency:
        s.concurrency = int(concurrency)
    model = model or s.model
    if not model:
        raise ValueError(message("llm.setup.no-model"))
    if max_cost is not None and model not in s.prices:  # else the budget could never be reached
        raise ValueError(message("llm.setup.max-cost", model=model))
    prompt = load_prompt(s.prompt)
    if cache is None:
        cache = FileCache(s.cache_file)
    if offline is None:
        from pipeline.offline import OfflineSuggester
        offline = OfflineSuggester(tm)

    items = items_from(work)
    keys = [i.key(model, prompt.version) for i in items]
    totals = Totals()
    budget = Budget(max_requests, max_cost)
    cached = cache.get_many(keys) if use_cache else {}
    outcomes: dict[str, Outcome] = {}
    first: dict[str, Item] = {}
    for item, key in zip(items, keys):
        if key not in cached:
            first.setdefault(item.input_text, item)  # the same input twice is asked once
    to_ask = list(first.values())

    fewshot = _fewshot(tm, prompt)
    writer = _CacheWriter(cache, model, prompt.version)

    async def main():
        client = make_client(s)
        asker = Asker(client, model, prompt, s, budget, totals, fewshot.for_request, on_outcomes=writer)
        asking = None
        try:
            if batch:
                await _batch_round(client, asker, to_ask, cache, session_factory or cache.session_factory,
                                   model, prompt.version, outcomes, writer, run_id)
                return offline.suggest(work)
            asking = asyncio.create_task(asker.ask_all(to_ask))
            # the offline answers (agreement, fallback) are made while the requests wait on the
            # network, from the moment the first request is out (not competing with its preparation)
            started = asyncio.create_task(asker.started.wait())
            await asyncio.wait([asking, started], return_when=asyncio.FIRST_COMPLETED)
            started.cancel()
            off = await asyncio.to_thread(offline.suggest, work)
            await asking
            outcomes.update(asker.outcomes)
            return off
        finally:
            if asking is not None and not asking.done():
                asking.cancel()
            writer.flush()
            await client.close()

    if to_ask or batch:
        with _gc_frozen():
            off = _run_async(main())
    else:
        off = offline.suggest(work)
    proposals = _assemble(work, off, items, keys, cached, outcomes, model, prompt.version, s)
    totals.cached = sum(1 for k in keys if k in cached)
    totals.fallbacks = int((proposals["llmFlags"] != "").sum()) if proposals.height else 0
    totals.pending = work.height - proposals.height
    return LLMResult(proposals, totals.as_dict(), budget.stopped)


async def _batch_round(client, asker, to_ask, cache, factory, model, prompt_version, outcomes, writer, run_id):
    """Collect what finished, then submit what is neither answered, refused nor already submitted."""
    from pipeline.llm import batch as llm_batch

    by_input = {i.input_text: i for i in to_ask}
    collected = await llm_batch.collect(client, factory, model, prompt_version, by_input, asker.totals, asker.cost,
                                         asker.instructions)
    writer(collected)  # every accepted answer is cached, also for items this call was not given
    writer.flush()
    for o in collected:
        if o.item.input_text in by_input:
            outcomes[o.item.input_text] = Outcome(by_input[o.item.input_text], *_rest(o))
    failed = llm_batch.failed_inputs(factory, model, prompt_version)
    for text, (flag, reason, raw) in failed.items():
        if text in by_input and text not in outcomes:
            outcomes[text] = Outcome(by_input[text], None, flag, reason, raw)
    pending = llm_batch.pending_inputs(factory, model, prompt_version)
    fresh = [i for i in to_ask if i.input_text not in outcomes and i.input_text not in pending]
    if fresh:
        asker.totals.batch_submitted += await llm_batch.submit(
            client, factory, asker, _groups(fresh, max(1, int(asker.settings.batch_size))), run_id)


def _rest(o: Outcome) -> tuple:
    return o.verdict, o.flag, o.reason, o.raw, o.tokens_in, o.tokens_out


# "{reason} (het taalmodel zei '{said}')" as a polars format string (placeholders in that order)
_SAID = template("llm.reason.said").replace("{reason}", "{}").replace("{said}", "{}")


def _norm(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null("").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars(" .,;:!?\"'")


def _assemble(work, off, items, keys, cached, outcomes, model, prompt_version, s: LLMSettings) -> pl.DataFrame:
    """One row per work row that has an answer (cached or new) or a failure; the rest is left out."""
    term, expl, t_in, t_out, flag, reason, raw, have = [], [], [], [], [], [], [], []
    for item, key in zip(items, keys):
        hit = cached.get(key)
        o = outcomes.get(item.input_text)
        if o is not None:
            ok = o.verdict is not None and not o.flag
            term.append(o.verdict.patient_term if ok else None)
            expl.append(o.verdict.explanation if ok else None)
            t_in.append(o.tokens_in), t_out.append(o.tokens_out)
            flag.append(o.flag), reason.append(o.reason), raw.append(o.raw), have.append(True)
        elif hit is not None:
            term.append(hit.patient_term), expl.append(hit.explanation)
            t_in.append(hit.tokens_in), t_out.append(hit.tokens_out)
            flag.append(""), reason.append(""), raw.append(""), have.append(True)
        else:
            term.append(None), expl.append(None), t_in.append(0), t_out.append(0)
            flag.append(""), reason.append(""), raw.append(""), have.append(False)
    answers = pl.DataFrame({"llmTerm": term, "llmExpl": expl, "tokensIn": t_in, "tokensOut": t_out,
                            "llmFlags": flag, "llmReason": reason, "llmRaw": raw, "_have": have},
                           schema={"llmTerm": pl.Utf8, "llmExpl": pl.Utf8, "tokensIn": pl.Int64, "tokensOut": pl.Int64,
                                   "llmFlags": pl.Utf8, "llmReason": pl.Utf8, "llmRaw": pl.Utf8, "_have": pl.Boolean})
    offline = off.select(pl.col("suggestion").cast(pl.Utf8).fill_null("").alias("offSugg"),
                         pl.col("explanation").cast(pl.Utf8).fill_null("").alias("offExpl"),
                         pl.col("confidence").cast(pl.Float64).fill_null(0.0).alias("offConf"),
                         pl.col("origin").cast(pl.Utf8).fill_null("none").alias("offOrigin"))
    base = work.drop([c for c in PROPOSAL_COLUMNS + ["flags", "flagDetails", "similar"] if c in work.columns])
    frame = pl.concat([base, answers, offline], how="horizontal").filter(pl.col("_have"))
    ok = pl.col("llmTerm").is_not_null() & (pl.col("llmFlags") == "")
    agree = ok & (_norm(pl.col("llmTerm")) == _norm(pl.col("offSugg")))
    offline_alt = pl.struct(pl.col("offOrigin").alias("origin"), pl.col("offSugg").alias("suggestion"),
                            pl.col("offExpl").alias("explanation"), pl.col("offConf").alias("confidence"))
    return frame.with_columns(
        pl.when(ok).then(pl.col("llmTerm")).otherwise(pl.col("offSugg")).alias("suggestion"),
        pl.when(ok & (pl.col("llmExpl").fill_null("") != "")).then(pl.col("llmExpl"))
        .otherwise(pl.col("offExpl")).alias("explanation"),
        pl.when(agree).then(pl.max_horizontal(pl.lit(s.agree_confidence), pl.col("offConf")))
        .when(ok).then(pl.lit(s.confidence)).otherwise(pl.col("offConf")).alias("confidence"),
        pl.when(ok).then(pl.lit("llm")).otherwise(pl.col("offOrigin")).alias("origin"),
        pl.lit(model).alias("model"),
        pl.lit(prompt_version).alias("promptVersion"),
        # only real candidates: a refused LLM answer is never offered to the reviewer as one
        pl.when(ok & ~agree & (pl.col("offSugg") != "") & (pl.col("offOrigin") != "none"))
        .then(pl.lit("[") + offline_alt.struct.json_encode() + pl.lit("]"))
        .otherwise(pl.lit("[]")).alias("alternatives"),
        pl.when(pl.col("llmRaw") != "")
        .then(pl.format(_SAID, pl.col("llmReason"), pl.col("llmRaw")))
        .otherwise(pl.col("llmReason")).alias("llmReason"),
    ).select(base.columns + PROPOSAL_COLUMNS)
