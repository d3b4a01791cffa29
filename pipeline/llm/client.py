"""Talking to an OpenAI-compatible endpoint: pacing, retries, what it supports, budgets, bad answers.

One `Asker` per suggest call. Requests of up to `batch_size` items run at most `concurrency` at
a time (a semaphore held only while a request is on the wire), behind a client-side pacer for
requests and tokens per minute. The openai client's own retries are off (max_retries=0) so this
module decides:

- 429, 5xx, timeouts and dropped connections are retried with exponential backoff and jitter,
  never sooner than the server's Retry-After (which also pauses every other request).
- A request the endpoint refuses because of one optional key (the error's `param`, else the key
  its message names) is adapted and sent again, and the endpoint remembers it for the process
  (`Endpoint`, one per base URL and model): `response_format` steps down json_schema →
  json_object with a schema → json_object → none; `max_tokens` becomes `max_completion_tokens`
  (OpenAI's newer models: 400 "Unsupported parameter: 'max_tokens' … Use
  'max_completion_tokens' instead", param "max_tokens") and back; `temperature` is dropped.
- A 200 that carries no answer (`"choices": []`, a body `{"error": …}`, `content` null) is a
  non-answer: asked once more, then its items are `llm-failed`. `content` null with the JSON in
  `reasoning_content` / `reasoning` (vLLM with a reasoning parser) is read from there.
- An answer cut off at `finish_reason: length` is never accepted: the request is split in
  halves, at most `MAX_SPLIT_DEPTH` times, and once `CUT_OFF_SYSTEMATIC` answers in a row were
  cut off the endpoint's limit is taken as too small (or the model as looping): said once, and
  from then on a cut-off request's items are `llm-failed` without splitting.
- Content that is not the contract's JSON is asked once more, then split the same way.
- An endpoint that has given no usable answer yet and gives `BROKEN_AFTER` non-answers in a row
  (or `BROKEN_AFTER + 1` answers that are not JSON), or any endpoint that gives `STREAK_LIMIT`
  failures in a row, is broken or misconfigured: `LLMUnavailable`, one line naming it, and every
  request in flight stops too. So under a systematic failure the requests stay a small multiple
  of the batches, never of the items.

Items an answer leaves out are asked again together once; ids nobody asked for are ignored and
logged. Whatever still has no answer is `llm-failed` (a non-answer is never `unsafe-output`,
which is for an answer that came and was refused), and the caller falls back to the offline
suggester. A budget (requests, estimated cost) stops new requests cleanly; items whose request
was never sent have no outcome and stay pending.
"""
from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass, field

from pipeline.llm.answers import Verdict, instruction_text, judge_all, parse_items, shown
from pipeline.llm.prompt import STRUCTURED_LEVELS, Item, estimate_tokens, messages, response_format
from terms.messages import message

log = logging.getLogger("helder.llm")

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
FATAL_STATUS = {401, 403, 404}  # wrong key, wrong model, wrong URL: no answer will ever come; stop
ADAPT_STATUS = {400, 422, 500}  # llama-cpp-python's server answers a refused response_format with 500
MAX_SPLIT_DEPTH = 2       # a request is halved at most twice (20 -> 10 -> 5) for cut-off or bad JSON
CUT_OFF_SYSTEMATIC = 3    # answers in a row cut off at the output limit: the limit is too small
BROKEN_AFTER = 2          # non-answers in a row, with no usable answer yet: broken or misconfigured
STREAK_LIMIT = 8          # failures in a row after usable answers: the endpoint stopped working
OUTPUT_OVERHEAD = 32      # tokens of an answer's frame ({"items": [...]}) beside the items
# Kinds of non-answer; what each means, in Dutch, is llm.endpoint.what.<kind> in the catalogue.
NON_ANSWERS = ("no-choices", "error-body", "empty", "refused", "gave-up", "not-json")


class LLMUnavailable(RuntimeError):
    """The endpoint will not answer usefully (key, model or URL wrong; broken or misconfigured);
    the message is one line naming the endpoint and model."""


class BudgetExhausted(Exception):
    pass


class Failed(Exception):
    """A request gave up (retries exhausted, a status that will not change, no answer twice)."""


@dataclass
class Totals:
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    cached: int = 0
    fallbacks: int = 0
    retries: int = 0
    splits: int = 0
    reasked: int = 0
    unknown_ids: int = 0
    adapted: int = 0        # requests sent again with a key the endpoint accepts
    cut_off: int = 0        # answers cut off at the output limit
    non_answers: int = 0    # 200s with no answer in them
    batch_submitted: int = 0
    batch_collected: int = 0
    pending: int = 0

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["cost"] = round(self.cost, 6)
        return out


@dataclass
class Budget:
    """Requests and estimated cost this call may still spend; in-flight estimates are reserved."""
    max_requests: int | None = None
    max_cost: float | None = None
    requests: int = 0
    spent: float = 0.0
    reserved: float = 0.0
    stopped: bool = False

    def reserve(self, cost_estimate: float) -> None:
        if self.stopped:
            raise BudgetExhausted
        if self.max_requests is not None and self.requests >= self.max_requests:
            self.stopped = True
            raise BudgetExhausted
        if self.max_cost is not None and self.spent + self.reserved + cost_estimate > self.max_cost:
            self.stopped = True
            raise BudgetExhausted
        self.requests += 1
        self.reserved += cost_estimate

    def settle(self, cost_estimate: float, cost: float) -> None:
        self.reserved -= cost_estimate
        self.spent += cost


class Endpoint:
    """What one endpoint and model accepts, and how it has behaved, kept for the whole process.

    Learned once, not per request: the structured-output level (index into
    prompt.STRUCTURED_LEVELS), the key for the output limit (`max_tokens` or
    `max_completion_tokens`; "" when the endpoint takes neither), keys it refused (temperature).
    Every change is one step down a short list, so adapting always ends. Health: usable answers
    so far, the current run of failures, whether cut-offs have become systematic, and whether the
    endpoint was found broken (then every request still in flight stops too)."""

    def __init__(self, url: str, model: str):
        self.url, self.model = url, model
        self.level = 0
        self.token_key = "max_tokens"
        self.token_keys_tried = {"max_tokens"}
        self.dropped: set[str] = set()
        self.max_items = 0  # 0: any; else the most items a request of this endpoint's context fits
        self.usable = 0
        self.streak_kind, self.streak = "", 0
        self.cut_streak = 0
        self.cut_off_systematic = False
        self.broken = ""
        self.said: set[str] = set()
        self.lock = threading.Lock()

    @property
    def name(self) -> str:
        return message("llm.endpoint.name", url=self.url, model=self.model)

    @property
    def structured(self) -> str:
        return STRUCTURED_LEVELS[self.level]

    def adapt(self, body: dict, param: str | None, text: str) -> str | None:
        """Change what is sent after the endpoint refused `body` naming `param` (the error's param,
        else the first optional key of `body` its message `text` names). Returns what changed
        ("" when another request already changed it: just send again), None when the refusal is
        not about an optional key or nothing is left to change."""
        lower = text.lower()
        key = param if param in body else None
        if key is None:
            for candidate in ("max_tokens", "max_completion_tokens", "temperature", "response_format"):
                if candidate in body and candidate in lower:
                    key = candidate
                    break
        if key is None and "response_format" in body and ("json_schema" in lower or "json_object" in lower):
            key = "response_format"
        if key is None:
            return None
        with self.lock:
            if key == "response_format":
                sent = STRUCTURED_LEVELS.index(_level_of(body))
                if sent < self.level:
                    return ""
                if self.level + 1 >= len(STRUCTURED_LEVELS):
                    return None
                self.level += 1
                return message("llm.endpoint.format-refused", sent=STRUCTURED_LEVELS[sent], now=self.structured)
            if key in ("max_tokens", "max_completion_tokens"):
                if key != self.token_key:
                    return ""
                other = "max_completion_tokens" if key == "max_tokens" else "max_tokens"
                self.token_key = "" if other in self.token_keys_tried else other
                self.token_keys_tried.add(other)
                return message("llm.endpoint.tokens-refused", option=key,
                               now=self.token_key or message("llm.endpoint.no-limit"))
            if key == "temperature":
                if key in self.dropped:
                    return ""
                self.dropped.add(key)
                return message("llm.endpoint.temperature-refused")
        return None

    def too_long(self, n_items: int, text: str = "") -> None:
        """A request of `n_items` did not fit the model's context: from now on ask at most as many as
        fit by the numbers the error gives (llama-cpp-python: "Requested tokens (N) exceed context
        window of M"; OpenAI: "maximum context length is M tokens. However, your messages resulted in
        N tokens"), with a tenth to spare; half as many when it gives none."""
        numbers = [int(x) for x in re.findall(r"\d{3,}", text)]
        fit = n_items // 2
        if len(numbers) >= 2 and max(numbers) > min(numbers) > 0:
            fit = int(n_items * min(numbers) / max(numbers) * 0.9)
        fit = max(1, min(fit, n_items - 1))
        with self.lock:
            if not self.max_items or fit < self.max_items:
                self.max_items = fit
                self.say(message("llm.endpoint.too-long", name=self.name, n=n_items, fit=fit))

    def answered(self) -> None:
        with self.lock:
            self.usable += 1
            self.streak_kind, self.streak, self.cut_streak = "", 0, 0

    def failed(self, kind: str, detail: str) -> None:
        """Count a failure of `kind` (NON_ANSWERS key or "cut-off"); raises LLMUnavailable when
        the run of failures says the endpoint is broken or misconfigured."""
        with self.lock:
            if kind == "cut-off":
                self.cut_streak += 1
                self.streak_kind, self.streak = "", 0  # it answers; the answers are too long
                if self.cut_streak >= CUT_OFF_SYSTEMATIC and not self.cut_off_systematic:
                    self.cut_off_systematic = True
                    self.say(message("llm.endpoint.cut-off", name=self.name, n=self.cut_streak, detail=detail))
                return
            self.cut_streak = 0
            self.streak = self.streak + 1 if kind == self.streak_kind else 1
            self.streak_kind = kind
            limit = STREAK_LIMIT if self.usable else BROKEN_AFTER + (kind == "not-json")
            if self.streak >= limit and not self.broken:
                what = message(f"llm.endpoint.what.{kind}") if kind in NON_ANSWERS else kind
                history = (message("llm.endpoint.never-usable") if not self.usable
                           else message("llm.endpoint.after-usable", n=self.usable))
                self.broken = message("llm.endpoint.broken", name=self.name, what=what, n=self.streak,
                                      history=history, detail=shown(detail, 160))
            if self.broken:
                raise LLMUnavailable(self.broken)

    def check(self) -> None:
        if self.broken:
            raise LLMUnavailable(self.broken)

    def say(self, text: str) -> None:
        """Log `text` once per endpoint (systematic problems are said once, not per request)."""
        if text not in self.said:
            self.said.add(text)
            log.warning("%s", text)


_ENDPOINTS: dict[tuple[str, str], Endpoint] = {}
_ENDPOINTS_LOCK = threading.Lock()


def endpoint_for(url: str, model: str) -> Endpoint:
    """The process's one Endpoint for this base URL and model; a broken mark is cleared (each
    suggest call gives a broken endpoint one more chance), what it accepts is kept."""
    with _ENDPOINTS_LOCK:
        ep = _ENDPOINTS.get((url, model))
        if ep is None:
            ep = _ENDPOINTS[(url, model)] = Endpoint(url, model)
        else:
            ep.broken, ep.streak_kind, ep.streak = "", "", 0
        return ep


def _level_of(body: dict) -> str:
    rf = body.get("response_format")
    if not rf:
        return "none"
    if rf.get("type") == "json_schema":
        return "json_schema"
    return "json_object_schema" if "schema" in rf else "json_object"


class Pacer:
    """Token buckets for requests and tokens per minute (0 = no limit), plus a shared pause after 429.

    Each bucket holds one second's worth (at least one request), so a limit is kept smoothly
    within every second instead of being spent in a burst at the start of a minute."""

    def __init__(self, rpm: float = 0, tpm: float = 0):
        self.rpm, self.tpm = float(rpm or 0), float(tpm or 0)
        self.req_cap, self.tok_cap = max(1.0, self.rpm / 60), self.tpm / 60
        self._req, self._tok, self._t = self.req_cap, self.tok_cap, time.monotonic()
        self.pause_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self.pause_until = max(self.pause_until, time.monotonic() + seconds)

    async def wait(self, tokens: int) -> None:
        async with self._lock:  # one waiter at a time keeps the order fair
            while True:
                now = time.monotonic()
                elapsed, self._t = now - self._t, now
                if self.rpm:
                    self._req = min(self.req_cap, self._req + elapsed * self.rpm / 60)
                if self.tpm:
                    self._tok = min(self.tok_cap, self._tok + elapsed * self.tpm / 60)
                need = min(tokens, self.tok_cap) if self.tpm else 0
                delay = max(0.0, self.pause_until - now)
                if self.rpm and self._req < 1:
                    delay = max(delay, (1 - self._req) * 60 / self.rpm)
                if self.tpm and self._tok < need:
                    delay = max(delay, (need - self._tok) * 60 / self.tpm)
                if delay <= 0:
                    if self.rpm:
                        self._req -= 1
                    if self.tpm:
                        self._tok -= need
                    return
                await asyncio.sleep(delay)


def retry_after(exc: Exception) -> float | None:
    """Seconds the server asked us to wait (Retry-After / retry-after-ms), if it said."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # unreadable: our own backoff applies


@dataclass
class Outcome:
    """What one item ended with: an accepted answer, or a refusal/failure with its flag."""
    item: Item
    verdict: Verdict | None = None
    flag: str = ""              # "" accepted; "unsafe-output" refused answer; "llm-failed" no usable answer
    reason: str = ""
    raw: str = ""               # the refused patient term, shortened, for the reviewer
    tokens_in: int = 0
    tokens_out: int = 0


@dataclass
class Reply:
    """One completion read as untrusted data. kind: "answer" (items parsed), "cut-off"
    (finish_reason length), "not-json", or a non-answer ("no-choices", "error-body", "empty",
    "filtered"); `detail` says what was seen, for a reason or an error line."""
    kind: str
    items: list[dict] | None = None
    detail: str = ""
    usage: dict = field(default_factory=dict)
    content: str = ""
    error: dict | None = None


def read_reply(text: str) -> Reply:
    """Read a chat-completion body (OpenAI API reference, Chat Completions object: `choices[0].
    message.content`, `finish_reason` stop | length | content_filter, `message.refusal`, `usage`),
    tolerating what real servers send instead: a body `{"error": {...}}` with status 200, an empty
    `choices` list (gateways, content filters), `content` null with the answer in
    `reasoning_content` (vLLM's reasoning parsers; `reasoning` from vLLM 0.11 on), content as a
    list of text parts."""
    try:
        data = json.loads(text)
    except ValueError:
        return Reply("error-body", detail=message("llm.endpoint.body-not-json", text=repr(shown(text, 80))))
    if not isinstance(data, dict):
        return Reply("error-body", detail=message("llm.endpoint.body-not-object"))
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    choices = data.get("choices")
    if isinstance(data.get("error"), (dict, str)) and not choices:
        error = data["error"] if isinstance(data["error"], dict) else {"message": data["error"]}
        return Reply("error-body", detail=str(error.get("message") or error)[:200], usage=usage, error=error)
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return Reply("no-choices", detail='"choices": ' + shown(json.dumps(choices), 40), usage=usage)
    choice = choices[0]
    msg = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = msg.get("content")
    if isinstance(content, list):  # content parts
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    content = content if isinstance(content, str) else ""
    finish = choice.get("finish_reason")
    if not content.strip():
        for key in ("reasoning_content", "reasoning"):
            thought = msg.get(key)
            if isinstance(thought, str) and parse_items(thought) is not None:
                content = thought
                break
    if finish == "length":
        return Reply("cut-off", detail="finish_reason length", usage=usage, content=content)
    if not content.strip():
        if finish == "content_filter":
            return Reply("filtered", detail="finish_reason content_filter", usage=usage)
        why = f"refusal: {shown(msg['refusal'], 80)}" if isinstance(msg.get("refusal"), str) else \
            f"content {json.dumps(msg.get('content'))}, finish_reason {finish}"
        return Reply("empty", detail=why, usage=usage)
    items = parse_items(content)
    if items is None:
        return Reply("not-json", detail=f"{shown(content, 60)!r}", usage=usage, content=content)
    return Reply("answer", items=items, usage=usage, content=content)


@dataclass
class Asker:
    client: object
    model: str
    prompt: object
    settings: object
    budget: Budget
    totals: Totals
    examples_for: object                     # callable(list[Item]) -> str
    on_outcomes: object = None               # callable(list[Outcome]) as answers arrive (cache)
    outcomes: dict = field(default_factory=dict)  # input_text -> Outcome

    def __post_init__(self):
        self.sem = asyncio.Semaphore(max(1, int(self.settings.concurrency)))
        # requests being prepared (few-shot search) or on the wire: preparing all of them at once
        # would spend the CPU up front while the first answers wait to be read
        self.ahead = asyncio.Semaphore(2 * max(1, int(self.settings.concurrency)))
        self.started = asyncio.Event()  # set when the first request goes out
        self.answered = 0                # HTTP answers received (any content)
        self.pacer = Pacer(self.settings.rpm, self.settings.tpm)
        self.price_in, self.price_out = self.settings.price(self.model)
        self.endpoint = endpoint_for(str(getattr(self.client, "base_url", "")).rstrip("/"), self.model)
        self.instructions = instruction_text(self.prompt.system, self.prompt.user)

    # --- the whole job -------------------------------------------------------------------------

    async def ask_all(self, items: list[Item]) -> None:
        groups = _groups(items, max(1, int(self.settings.batch_size)))
        tasks = [asyncio.ensure_future(self.solve(g, reask=True)) for g in groups]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:  # one line for the whole call, not one per request in flight
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise

    async def solve(self, items: list[Item], reask: bool, depth: int = 0) -> None:
        cap = self.endpoint.max_items
        if cap and len(items) > cap:  # the endpoint's context was found too small for this many
            await asyncio.gather(*(self.solve(items[i:i + cap], reask, depth) for i in range(0, len(items), cap)))
            return
        try:
            reply = await self.request(items)
        except BudgetExhausted:
            return  # never sent: no outcome, the items stay pending
        except Failed as exc:
            self._fail(items, str(exc))
            return
        if reply.kind in ("cut-off", "not-json", "too-long"):
            cut = reply.kind == "cut-off"
            if len(items) > 1 and depth < MAX_SPLIT_DEPTH and not (cut and self.endpoint.cut_off_systematic):
                self.totals.splits += 1
                half = len(items) // 2
                await asyncio.gather(self.solve(items[:half], reask, depth + 1),
                                     self.solve(items[half:], reask, depth + 1))
            elif cut:
                self._fail(items, message("llm.reason.cut-off", limit=self.output_limit(len(items)) or "?",
                                          n=len(items)))
            elif reply.kind == "too-long":
                self._fail(items, message("llm.reason.too-long", detail=reply.detail))
            else:
                self._fail(items, message("llm.reason.not-json", detail=reply.detail))
            return
        if reply.kind != "answer":  # a non-answer that was not retried (a content filter)
            self._fail(items, message("llm.reason.no-answer", detail=reply.detail))
            return
        t_in, t_out = _int(reply.usage.get("prompt_tokens"), 0), _int(reply.usage.get("completion_tokens"), 0)
        share_in, share_out = t_in // max(1, len(items)), t_out // max(1, len(items))
        asked = {i.concept_id: i for i in items}
        done, outcomes, first = set(), [], []
        for answer in reply.items:
            cid = str(answer.get("conceptId", "")).strip()
            item = asked.get(cid)
            if item is None:
                self.totals.unknown_ids += 1
                log.warning("LLM answered an id it was not asked for: %r (ignored)", shown(cid, 40))
                continue
            if cid in done:
                continue  # a second answer for the same id: the first one counts
            done.add(cid)
            first.append((answer, item))
        verdicts = judge_all([(a, i.term) for a, i in first], self.instructions)
        for (answer, item), verdict in zip(first, verdicts):
            cid = item.concept_id
            if verdict.ok:
                outcomes.append(Outcome(item, verdict, tokens_in=share_in, tokens_out=share_out))
            else:
                log.info("LLM answer for %s refused: %s", cid, verdict.reason)
                outcomes.append(Outcome(item, flag="unsafe-output", reason=verdict.reason,
                                        raw=shown(answer.get("patientTerm")), tokens_in=share_in, tokens_out=share_out))
        self._record(outcomes)
        missing = [i for i in items if i.concept_id not in done]
        if missing and reask:
            self.totals.reasked += len(missing)
            await self.solve(missing, reask=False, depth=depth)
        elif missing:
            self._fail(missing, message("llm.reason.left-out"))

    def _fail(self, items: list[Item], reason: str) -> None:
        self._record([Outcome(i, flag="llm-failed", reason=reason) for i in items])

    def _record(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self.outcomes[o.item.input_text] = o
        if self.on_outcomes and outcomes:
            self.on_outcomes(outcomes)

    # --- one request, with its retries -----------------------------------------------------------

    def output_limit(self, n_items: int) -> int:
        """Output tokens allowed for a request of `n_items`: `max_tokens`, and/or
        `max_tokens_per_item` x items + OUTPUT_OVERHEAD, whichever is smaller; 0 = no limit sent."""
        limits = [int(self.settings.max_tokens or 0)]
        per_item = int(getattr(self.settings, "max_tokens_per_item", 0) or 0)
        if per_item:
            limits.append(per_item * n_items + OUTPUT_OVERHEAD)
        limits = [x for x in limits if x > 0]
        return min(limits) if limits else 0

    def body(self, items: list[Item], examples: str | None = None) -> dict:
        """The request body as the endpoint is known to accept it now (Endpoint)."""
        examples = self.examples_for(items) if examples is None else examples
        ep = self.endpoint
        body = {"model": self.model, "messages": messages(self.prompt, items, examples)}
        rf = response_format(ep.structured, [i.concept_id for i in items])
        if rf is not None:
            body["response_format"] = rf
        if self.settings.temperature is not None and "temperature" not in ep.dropped:
            body["temperature"] = self.settings.temperature
        limit = self.output_limit(len(items))
        if limit and ep.token_key:
            body[ep.token_key] = limit
        return body

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.price_in + tokens_out * self.price_out) / 1_000_000

    async def request(self, items: list[Item]) -> Reply:
        if self.budget.stopped:
            raise BudgetExhausted
        async with self.ahead:
            return await self._request(items)

    async def _request(self, items: list[Item]) -> Reply:
        import openai

        ep = self.endpoint
        # the few-shot search is a rapidfuzz cdist that releases the GIL: off the event loop
        examples = await asyncio.to_thread(self.examples_for, items)
        transport_failures, non_answers, bad_json = 0, 0, 0
        while True:
            ep.check()
            body = self.body(items, examples)
            est_in = estimate_tokens(body["messages"], "response_format" in body)
            est_out = self.output_limit(len(items)) or 40 * len(items)
            estimate = self.cost(est_in, est_out)
            self.budget.reserve(estimate)
            await self.pacer.wait(est_in + est_out)
            ep.check()
            error, response = None, None
            async with self.sem:
                self.started.set()
                # built again in the slot: a request that waited here goes out as the endpoint is
                # known now (another request may just have learned what it refuses)
                body = self.body(items, examples)
                adapted = False
                try:
                    # the raw body: read as a plain dict outside the slot, and a server whose JSON the
                    # client's models would not accept is still understood
                    response = await self.client.chat.completions.with_raw_response.create(**body)
                except openai.APIStatusError as exc:
                    error = exc
                    # learned before the slot is free, so the request waiting for it goes out right
                    adapted = exc.status_code in ADAPT_STATUS and self._adapt(
                        body, getattr(exc, "param", None), _error_text(exc))
                except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                    error = exc
            self.totals.requests += 1
            # let the request waiting for this slot go out before this answer is read and judged
            await asyncio.sleep(0)
            if error is not None:
                self.budget.settle(estimate, 0.0)
                status = getattr(error, "status_code", None)
                if status in FATAL_STATUS:
                    raise LLMUnavailable(message("llm.endpoint.status", name=ep.name, detail=_message(error)))
                if adapted:
                    continue
                if status == 400 and _context_exceeded(error):
                    # llama.cpp and OpenAI say so when the prompt and the output limit do not fit the
                    # model's context: a smaller request fits, the same one never will
                    body_error = getattr(error, "body", None)
                    ep.too_long(len(items), str(body_error.get("message", "")) if isinstance(body_error, dict) else "")
                    return Reply("too-long", detail=_message(error))
                if status is not None and status not in RETRY_STATUS:
                    ep.failed("refused", _message(error))
                    raise Failed(message("llm.reason.status", detail=_message(error)))
                transport_failures += 1
                if transport_failures > self.settings.max_retries:
                    unreachable = (isinstance(error, openai.APIConnectionError)
                                   and not isinstance(error, openai.APITimeoutError))
                    if unreachable and not self.answered:
                        # nothing has ever answered: a wrong URL or a server that is down, not a bad answer
                        raise LLMUnavailable(message("llm.endpoint.unreachable", name=ep.name, detail=_message(error)))
                    ep.failed("gave-up", _message(error))
                    raise Failed(message("llm.reason.gave-up", n=transport_failures, detail=_message(error)))
                await self._backoff(error, transport_failures)
                continue
            self.answered += 1
            reply = read_reply(response.text)
            t_in = _int(reply.usage.get("prompt_tokens"), est_in)
            t_out = _int(reply.usage.get("completion_tokens"), len(reply.content) // 4)
            reply.usage = {"prompt_tokens": t_in, "completion_tokens": t_out}
            self.totals.tokens_in += t_in
            self.totals.tokens_out += t_out
            spent = self.cost(t_in, t_out)
            self.totals.cost += spent
            self.budget.settle(estimate, spent)
            if reply.kind == "answer":
                ep.answered()
                return reply
            if reply.kind == "cut-off":
                self.totals.cut_off += 1
                ep.failed("cut-off", f"{ep.token_key} = {body.get(ep.token_key, '-')}" if ep.token_key
                          else message("llm.endpoint.no-limit-sent"))
                return reply  # the caller splits or flags: the same request would be cut off again
            if reply.kind == "not-json":
                ep.failed("not-json", reply.detail)
                bad_json += 1
                if bad_json > 1:
                    return reply
                self.totals.retries += 1
                continue
            # a 200 without an answer in it
            self.totals.non_answers += 1
            error_body = reply.error or {}
            if reply.kind == "error-body" and self._adapt(body, error_body.get("param"), reply.detail):
                continue
            if reply.kind == "filtered":
                return reply  # about these items, not the endpoint; asking again gets the same
            ep.failed(reply.kind, reply.detail)
            non_answers += 1
            if non_answers > 1:
                raise Failed(message("llm.reason.no-answer", detail=reply.detail))
            self.totals.retries += 1
            await self._backoff(None, non_answers)

    def _adapt(self, body: dict, param, text: str) -> bool:
        """True when the refusal was about an optional key and the request should go again."""
        change = self.endpoint.adapt(body, param if isinstance(param, str) else None, text)
        if change is None:
            return False
        self.totals.adapted += 1
        if change:
            self.endpoint.say(message("llm.endpoint.adapted", name=self.endpoint.name, change=change))
        return True

    async def _backoff(self, error: Exception | None, attempt: int) -> None:
        self.totals.retries += 1 if error is not None else 0
        base = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        delay = base / 2 + random.uniform(0, base / 2)
        asked = retry_after(error) if error is not None else None
        if asked is not None:  # never sooner than asked, and not much later either
            delay = max(asked, min(delay, asked + self.settings.backoff_base))
            self.pacer.pause(delay)  # the server is saying it for everyone
        log.info("LLM request failed (%s); retry %d in %.2fs", _message(error) if error else "no answer", attempt, delay)
        await asyncio.sleep(delay)


def _int(value, default: int) -> int:
    try:
        return int(value) if value is not None else int(default)
    except (TypeError, ValueError):
        return int(default)


def _error_text(error: Exception) -> str:
    """Everything the error says (its body's message whole, several lines included), to find the
    key a refusal is about: llama-cpp-python's 500 carries a multi-line validation error."""
    body = getattr(error, "body", None)
    parts = [str(error)]
    if isinstance(body, dict):
        parts.append(json.dumps(body, ensure_ascii=False))
    elif isinstance(body, str):
        parts.append(body)
    return "\n".join(parts)


def _context_exceeded(error: Exception) -> bool:
    """A 400 saying the prompt plus output limit do not fit the model's context window: OpenAI's
    code `context_length_exceeded`, which llama-cpp-python's server also uses
    (llama_cpp/server/errors.py, context_length_exceeded)."""
    if getattr(error, "code", None) == "context_length_exceeded":
        return True
    text = _error_text(error).lower()
    return "context_length_exceeded" in text or ("context" in text and ("window" in text or "length" in text)
                                                  and "exceed" in text)


def _message(error: Exception) -> str:
    """The server's own message when the body had one (`{"error": {"message": …}}`), else the
    exception's first line; at most 200 characters."""
    body = getattr(error, "body", None)
    text = ""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        text = body["message"]
        status = getattr(error, "status_code", None)
        text = f"HTTP {status}: {text}" if status else text
    text = text or str(error).strip()
    text = text.splitlines()[0] if text.strip() else type(error).__name__
    return text[:200]


def _groups(items: list[Item], size: int) -> list[list[Item]]:
    """Requests of `size` items; an id already in a request goes to a later one (answers match by id)."""
    groups: list[list[Item]] = []
    open_groups: list[tuple[list[Item], set[str]]] = []
    for item in items:
        for group, ids in open_groups:
            if len(group) < size and item.concept_id not in ids:
                group.append(item)
                ids.add(item.concept_id)
                break
        else:
            open_groups.append(([item], {item.concept_id}))
        if len(open_groups[0][0]) >= size:
            groups.append(open_groups.pop(0)[0])
    groups.extend(g for g, _ in open_groups)
    return groups
