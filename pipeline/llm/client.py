"""Talking to an OpenAI-compatible endpoint: pacing, retries, budgets, and bad answers.

One `Asker` per suggest call. Requests of up to `batch_size` items run at most `concurrency` at
a time (a semaphore held only while a request is on the wire), behind a client-side pacer for
requests and tokens per minute. The openai client's own retries are off (max_retries=0) so this
module decides: 429, 5xx, timeouts and dropped connections are retried with exponential backoff
and jitter, never sooner than the server's Retry-After (which also pauses every other request).
An answer that is not the contract's JSON (truncated, invalid, cut off at max tokens) is asked
once more, then the request is split in halves; items an answer leaves out are asked again on
their own once; ids nobody asked for are ignored and logged. Whatever still has no answer is
reported as failed, and the caller falls back to the offline suggester: one bad answer never
stops a run. A budget (requests, estimated cost) stops new requests cleanly; items whose request
was never sent simply have no outcome and stay pending.
"""
from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass, field

from pipeline.llm.answers import Verdict, judge, parse_items, shown
from pipeline.llm.prompt import RESPONSE_SCHEMA, Item, estimate_tokens, messages

log = logging.getLogger("helder.llm")

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
FATAL_STATUS = {401, 403, 404}  # wrong key, wrong model, wrong URL: no answer will ever come; stop


class LLMUnavailable(RuntimeError):
    """The endpoint refuses every request (key, model or URL wrong); the message is one line."""


class BudgetExhausted(Exception):
    pass


class BadJSON(Exception):
    pass


class Failed(Exception):
    """A request gave up (retries exhausted, or a status that will not change)."""


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
    use_schema: bool = True

    def __post_init__(self):
        self.sem = asyncio.Semaphore(max(1, int(self.settings.concurrency)))
        # requests being prepared (few-shot search) or on the wire: preparing all of them at once
        # would spend the CPU up front while the first answers wait to be read
        self.ahead = asyncio.Semaphore(2 * max(1, int(self.settings.concurrency)))
        self.started = asyncio.Event()  # set when the first request goes out
        self.dropped: set[str] = set()   # optional request keys this endpoint refused
        self.answered = 0                # HTTP answers received (any content)
        self.pacer = Pacer(self.settings.rpm, self.settings.tpm)
        self.price_in, self.price_out = self.settings.price(self.model)

    # --- the whole job -------------------------------------------------------------------------

    async def ask_all(self, items: list[Item]) -> None:
        groups = _groups(items, max(1, int(self.settings.batch_size)))
        await asyncio.gather(*(self.solve(g, reask=True) for g in groups))

    async def solve(self, items: list[Item], reask: bool) -> None:
        try:
            answered, usage = await self.request(items)
        except BudgetExhausted:
            return  # never sent: no outcome, the items stay pending
        except BadJSON as exc:
            if len(items) > 1:
                self.totals.splits += 1
                half = len(items) // 2
                await asyncio.gather(self.solve(items[:half], reask), self.solve(items[half:], reask))
            else:
                # what came back for this one item is not the contract's JSON: untrusted output
                self._record([Outcome(items[0], flag="unsafe-output", reason=f"no valid JSON answer ({exc})")])
            return
        except Failed as exc:
            self._record([Outcome(i, flag="llm-failed", reason=str(exc)) for i in items])
            return
        t_in, t_out = usage
        share_in, share_out = t_in // max(1, len(items)), t_out // max(1, len(items))
        asked = {i.concept_id: i for i in items}
        done, outcomes = set(), []
        for answer in answered:
            cid = str(answer.get("conceptId", "")).strip()
            item = asked.get(cid)
            if item is None:
                self.totals.unknown_ids += 1
                log.warning("LLM answered an id it was not asked for: %r (ignored)", shown(cid, 40))
                continue
            if cid in done:
                continue  # a second answer for the same id: the first one counts
            done.add(cid)
            verdict = judge(answer)
            if verdict.ok:
                outcomes.append(Outcome(item, verdict, tokens_in=share_in, tokens_out=share_out))
            else:
                log.warning("LLM answer for %s refused: %s", cid, verdict.reason)
                outcomes.append(Outcome(item, flag="unsafe-output", reason=verdict.reason,
                                        raw=shown(answer.get("patientTerm")), tokens_in=share_in, tokens_out=share_out))
        self._record(outcomes)
        missing = [i for i in items if i.concept_id not in done]
        if missing and reask:
            self.totals.reasked += len(missing)
            await self.solve(missing, reask=False)
        elif missing:
            self._record([Outcome(i, flag="llm-failed", reason="the LLM left this item out twice") for i in missing])

    def _record(self, outcomes: list[Outcome]) -> None:
        for o in outcomes:
            self.outcomes[o.item.input_text] = o
        if self.on_outcomes and outcomes:
            self.on_outcomes(outcomes)

    # --- one request, with its retries -----------------------------------------------------------

    def body(self, items: list[Item], examples: str | None = None) -> dict:
        examples = self.examples_for(items) if examples is None else examples
        body = {"model": self.model, "messages": messages(self.prompt, items, examples)}
        if self.use_schema:
            body["response_format"] = RESPONSE_SCHEMA
        if self.settings.temperature is not None and "temperature" not in self.dropped:
            body["temperature"] = self.settings.temperature
        if self.settings.max_tokens:
            body["max_tokens"] = int(self.settings.max_tokens)
        return body

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        return (tokens_in * self.price_in + tokens_out * self.price_out) / 1_000_000

    async def request(self, items: list[Item]) -> tuple[list[dict], tuple[int, int]]:
        if self.budget.stopped:
            raise BudgetExhausted
        async with self.ahead:
            return await self._request(items)

    async def _request(self, items: list[Item]) -> tuple[list[dict], tuple[int, int]]:
        import openai

        # the few-shot search is a rapidfuzz cdist that releases the GIL: off the event loop
        body = self.body(items, await asyncio.to_thread(self.examples_for, items))
        est_in = estimate_tokens(body["messages"], self.use_schema)
        est_out = 40 * len(items)
        transport_failures, bad_json = 0, 0
        while True:
            estimate = self.cost(est_in, est_out)
            self.budget.reserve(estimate)
            await self.pacer.wait(est_in + est_out)
            error, response = None, None
            async with self.sem:
                self.started.set()
                try:
                    # the raw body: read as a plain dict outside the slot, and a server whose JSON the
                    # client's models would not accept is still understood (or retried as bad JSON)
                    response = await self.client.chat.completions.with_raw_response.create(**body)
                except openai.APIStatusError as exc:
                    error = exc
                except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                    error = exc
            self.totals.requests += 1
            # let the request waiting for this slot go out before this answer is read and judged
            await asyncio.sleep(0)
            if error is not None:
                self.budget.settle(estimate, 0.0)
                status = getattr(error, "status_code", None)
                if status in FATAL_STATUS:
                    raise LLMUnavailable(f"the LLM endpoint answered {status}: {_message(error)}")
                optional = _optional_to_drop(body, error) if status in (400, 422) else None
                if optional:
                    # a server that rejects json_schema (or temperature, as reasoning models do):
                    # ask without it, here and for the rest of the run
                    log.warning("endpoint refused %s (%s); asking without it", optional, status)
                    self.dropped.add(optional)
                    self.use_schema = "response_format" not in self.dropped
                    body.pop(optional, None)
                    self.totals.retries += 1
                    continue
                if status is not None and status not in RETRY_STATUS:
                    raise Failed(f"the LLM endpoint answered {status}: {_message(error)}")
                transport_failures += 1
                if transport_failures > self.settings.max_retries:
                    unreachable = (isinstance(error, openai.APIConnectionError)
                                   and not isinstance(error, openai.APITimeoutError))
                    if unreachable and not self.answered:
                        # nothing has ever answered: a wrong URL or a server that is down, not a bad answer
                        raise LLMUnavailable(f"cannot reach the LLM endpoint {self.client.base_url} "
                                             f"({_message(error)}); check OPENAI_BASE_URL")
                    raise Failed(f"gave up after {transport_failures} attempts: {_message(error)}")
                await self._backoff(error, transport_failures)
                continue
            self.answered += 1
            choice, content, usage = _read_completion(response.text)
            t_in = _int(usage.get("prompt_tokens"), est_in)
            t_out = _int(usage.get("completion_tokens"), len(content or "") // 4)
            self.totals.tokens_in += t_in
            self.totals.tokens_out += t_out
            spent = self.cost(t_in, t_out)
            self.totals.cost += spent
            self.budget.settle(estimate, spent)
            parsed = parse_items(content)
            cut_off = choice.get("finish_reason") == "length"
            if parsed is None or cut_off:
                bad_json += 1
                what = "cut off at the token limit" if cut_off else "not JSON"
                if bad_json > 1:
                    raise BadJSON(what)
                self.totals.retries += 1
                continue
            return parsed, (t_in, t_out)

    async def _backoff(self, error: Exception, attempt: int) -> None:
        self.totals.retries += 1
        base = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        delay = base / 2 + random.uniform(0, base / 2)
        asked = retry_after(error)
        if asked is not None:  # never sooner than asked, and not much later either
            delay = max(asked, min(delay, asked + self.settings.backoff_base))
            self.pacer.pause(delay)  # the server is saying it for everyone
        log.info("LLM request failed (%s); retry %d in %.2fs", _message(error), attempt, delay)
        await asyncio.sleep(delay)


def _optional_to_drop(body: dict, error: Exception) -> str | None:
    """The optional key a 400/422 most likely objects to: the one it names, else response_format."""
    text = _message(error).lower()
    for key in ("temperature", "response_format"):
        if key in body and key in text:
            return key
    return "response_format" if "response_format" in body else None


def _read_completion(text: str) -> tuple[dict, str | None, dict]:
    """(first choice, its message content, usage) from a chat completion body, tolerantly."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}, None, {}
    if not isinstance(data, dict):
        return {}, None, {}
    choices = data.get("choices") if isinstance(data.get("choices"), list) else []
    choice = choices[0] if choices and isinstance(choices[0], dict) else {}
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content = message.get("content")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    return choice, content if isinstance(content, str) else None, usage


def _int(value, default: int) -> int:
    try:
        return int(value) if value is not None else int(default)
    except (TypeError, ValueError):
        return int(default)


def _message(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
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
