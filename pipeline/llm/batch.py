"""Unattended nights: the provider's batch endpoint (upload JSONL, create a batch, poll, collect).

`submit` writes one JSONL line per request (the same body a live request would send), uploads it,
records an `llm_batch_jobs` row first with the uploaded file (status "submitting"), then creates
the batch and stores its id — all before returning. A crash between upload and create leaves a
row that `collect` resolves by finding the batch made from that file, or drops so its items are
submitted again. `collect` polls every uncollected job of the same model and prompt version;
finished ones have their answers judged exactly like live ones, accepted answers go to the cache,
refused ones are remembered in the job (`items_json["failed"]`) so they fall back instead of
being submitted forever. Items of jobs still running have no outcome: they stay pending.
"""
from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timezone

from sqlalchemy import select

from pipeline.llm.answers import judge_all, parse_items, shown
from pipeline.llm.client import BudgetExhausted, Outcome
from pipeline.llm.prompt import Item, estimate_tokens
from review_queue.models import LLMBatchJob

log = logging.getLogger("helder.llm")
DONE_STATES = {"completed", "failed", "expired", "cancelled"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def open_jobs(factory, model: str, prompt_version: str) -> list[LLMBatchJob]:
    with factory() as session:
        return list(session.execute(select(LLMBatchJob).where(
            LLMBatchJob.model == model, LLMBatchJob.prompt_version == prompt_version,
            LLMBatchJob.collected_at.is_(None)).order_by(LLMBatchJob.id)).scalars())


def pending_inputs(factory, model: str, prompt_version: str) -> set[str]:
    """Normalised inputs already submitted in a job that is not collected yet."""
    out: set[str] = set()
    for job in open_jobs(factory, model, prompt_version):
        for items in (job.items_json or {}).get("requests", {}).values():
            out.update(i["input"] for i in items)
    return out


def failed_inputs(factory, model: str, prompt_version: str) -> dict[str, tuple[str, str, str]]:
    """input -> (flag, reason, refused text) from collected jobs: answered, but not usable."""
    out: dict[str, tuple[str, str, str]] = {}
    with factory() as session:
        jobs = session.execute(select(LLMBatchJob.items_json).where(
            LLMBatchJob.model == model, LLMBatchJob.prompt_version == prompt_version,
            LLMBatchJob.collected_at.is_not(None))).scalars()
        for items_json in jobs:
            for key, value in ((items_json or {}).get("failed") or {}).items():
                out[key] = tuple(value)
    return out


async def collect(client, factory, model: str, prompt_version: str, items_by_input: dict[str, Item],
                  totals, price, instructions: str = "") -> list[Outcome]:
    """Poll and collect finished jobs; returns the outcomes (accepted and refused) they held."""
    outcomes: list[Outcome] = []
    for job in open_jobs(factory, model, prompt_version):
        batch = await _find_batch(client, job)
        if batch is None:
            _close(factory, job.id, "lost", None, None)  # never created: its items are asked again
            continue
        if batch.status not in DONE_STATES:
            _update(factory, job.id, provider_batch_id=batch.id, status=batch.status)
            continue
        requests = (job.items_json or {}).get("requests", {})
        found: list[Outcome] = []
        if batch.status == "completed" and batch.output_file_id:
            content = await client.files.content(batch.output_file_id)
            found = _read_output(content.text, requests, totals, price, instructions)
        failed = {o.item.input_text: [o.flag, o.reason, o.raw] for o in found if o.flag}
        _close(factory, job.id, batch.status, batch.output_file_id, failed, provider_batch_id=batch.id)
        totals.batch_collected += sum(1 for o in found if not o.flag)
        outcomes += found
    return outcomes


async def _find_batch(client, job: LLMBatchJob):
    if not job.provider_batch_id.startswith("file:"):
        return await client.batches.retrieve(job.provider_batch_id)
    file_id = job.provider_batch_id.removeprefix("file:")
    page = await client.batches.list(limit=100)
    for batch in page.data:
        if batch.input_file_id == file_id:
            return await client.batches.retrieve(batch.id)  # a fresh look, as for any other job
    return None


def _read_output(text: str, requests: dict, totals, price, instructions: str = "") -> list[Outcome]:
    outcomes = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            log.warning("batch output: a line that is not JSON (ignored)")
            continue
        asked = {i["conceptId"]: i for i in requests.get(str(record.get("custom_id")), [])}
        if not asked:
            log.warning("batch output: unknown custom_id %r (ignored)", shown(str(record.get("custom_id")), 40))
            continue
        body = ((record.get("response") or {}).get("body")) or {}
        usage = body.get("usage") or {}
        t_in, t_out = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        totals.tokens_in += t_in
        totals.tokens_out += t_out
        totals.cost += price(t_in, t_out)
        choices = body.get("choices") or []
        content = ((choices[0].get("message") or {}).get("content")) if choices else None
        answered = parse_items(content) or []
        share_in, share_out = t_in // len(asked), t_out // len(asked)
        seen, first = set(), []
        for answer in answered:
            cid = str(answer.get("conceptId", "")).strip()
            meta = asked.get(cid)
            if meta is None:
                totals.unknown_ids += 1
                continue
            if cid in seen:
                continue
            seen.add(cid)
            first.append((answer, meta))
        # judged exactly like a live answer (the prompt's own words as the live path passes them)
        verdicts = judge_all([(a, m.get("term", "")) for a, m in first], instructions)
        for (answer, meta), verdict in zip(first, verdicts):
            item = Item(str(answer.get("conceptId", "")).strip(), meta.get("term", ""), "", "", meta["input"], "")
            outcomes.append(Outcome(item, verdict if verdict.ok else None, "" if verdict.ok else "unsafe-output",
                                    verdict.reason, "" if verdict.ok else shown(answer.get("patientTerm")),
                                    share_in, share_out))
        # items the answer left out (or a request that failed) get no outcome: submitted again next time
    return outcomes


def _update(factory, job_id: int, **values) -> None:
    with factory() as session, session.begin():
        job = session.get(LLMBatchJob, job_id)
        for k, v in values.items():
            setattr(job, k, v)


def _close(factory, job_id: int, status: str, output_file_id, failed, provider_batch_id=None) -> None:
    with factory() as session, session.begin():
        job = session.get(LLMBatchJob, job_id)
        job.status = status
        job.output_file_id = output_file_id
        job.collected_at = _now()
        if provider_batch_id:
            job.provider_batch_id = provider_batch_id
        if failed:
            job.items_json = {**(job.items_json or {}), "failed": failed}


async def submit(client, factory, asker, groups: list[list[Item]], run_id=None) -> int:
    """One batch job for all `groups` (one request line each); returns the items submitted."""
    lines, requests = [], {}
    for n, items in enumerate(groups):
        body = asker.body(items)
        try:  # the budget counts the requests the provider will run for us, and their estimated cost
            asker.budget.reserve(asker.cost(estimate_tokens(body["messages"]), 40 * len(items)))
        except BudgetExhausted:
            break
        custom_id = f"r{n}"
        requests[custom_id] = [{"conceptId": i.concept_id, "term": i.term, "input": i.input_text} for i in items]
        lines.append(json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                                 "body": body}, ensure_ascii=False))
    if not lines:
        return 0
    data = ("\n".join(lines) + "\n").encode("utf-8")
    uploaded = await client.files.create(file=("helder-batch.jsonl", io.BytesIO(data)), purpose="batch")
    with factory() as session, session.begin():
        job = LLMBatchJob(provider_batch_id=f"file:{uploaded.id}", run_id=run_id, model=asker.model,
                          prompt_version=asker.prompt.version, status="submitting", input_file_id=uploaded.id,
                          items_json={"requests": requests})
        session.add(job)
        session.flush()
        job_id = job.id
    batch = await client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                        completion_window="24h", metadata={"app": "helder"})
    _update(factory, job_id, provider_batch_id=batch.id, status=batch.status)
    asker.totals.requests += len(lines)
    return sum(len(r) for r in requests.values())
