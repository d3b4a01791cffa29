"""Batch mode: submit through the provider's batch endpoint, collect on a later call, lose nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, update

from pipeline.llm import FileCache, StoreCache, suggest_llm
from review_queue.models import LLMBatchJob
from tests.fake_openai import fake_llm  # noqa: F401  (fixture)
from tests.test_llm_requests import FAST, TM, assert_answered, by_id, work_of

REPO = Path(__file__).resolve().parent.parent


def jobs(factory) -> list[LLMBatchJob]:
    with factory() as s:
        return list(s.execute(select(LLMBatchJob).order_by(LLMBatchJob.id)).scalars())


def test_submit_then_crash_then_collect_in_a_new_process(fake_llm, tmp_path):
    cache_path = tmp_path / "batch-cache.sqlite"
    # the submitting process dies (SIGKILL) right after suggest_llm returns: nothing is collected there
    script = "\n".join([
        "import json, os, signal, sys",
        "from pipeline.llm import FileCache, suggest_llm",
        "from tests.test_llm_requests import FAST, TM, work_of",
        "r = suggest_llm(work_of(45), TM, model='fake', settings=FAST, cache=FileCache(sys.argv[1]), batch=True)",
        "print(json.dumps({'rows': r.proposals.height, 'totals': r.totals}), flush=True)",
        "os.kill(os.getpid(), signal.SIGKILL)",
    ])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script, str(cache_path)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == -9, done.stderr
    first = json.loads(done.stdout.strip().splitlines()[-1])
    assert first["rows"] == 0 and first["totals"]["batch_submitted"] == 45 and first["totals"]["pending"] == 45
    assert fake_llm.requests == 0 and len(fake_llm.state.batches) == 1
    cache = FileCache(cache_path)
    [job] = jobs(cache.session_factory)
    assert job.status in ("validating", "in_progress") and job.collected_at is None
    assert sum(len(v) for v in job.items_json["requests"].values()) == 45

    work = work_of(45)
    collected = suggest_llm(work, TM, model="fake", settings=FAST, cache=cache, batch=True)
    assert_answered(collected, work)
    assert collected.totals["batch_collected"] == 45 and collected.totals["batch_submitted"] == 0
    assert len(fake_llm.state.batches) == 1 and fake_llm.requests == 0
    [job] = jobs(cache.session_factory)
    assert job.status == "completed" and job.collected_at is not None
    # everything is in the cache now: a live run pays nothing
    live = suggest_llm(work, TM, model="fake", settings=FAST, cache=cache)
    assert live.totals["cached"] == 45 and fake_llm.requests == 0


def test_items_of_a_running_job_stay_pending_and_are_not_submitted_twice(fake_llm, store):
    _, factory = store
    fake_llm.state.batch_polls_needed = 3
    cache = StoreCache(factory)
    work = work_of(10)
    kw = dict(model="fake", settings=FAST, cache=cache, batch=True, session_factory=factory)
    assert suggest_llm(work, TM, **kw).proposals.height == 0
    running = suggest_llm(work, TM, **kw)          # poll 1: still running
    assert running.proposals.height == 0 and running.totals["batch_submitted"] == 0
    assert len(jobs(factory)) == 1
    suggest_llm(work, TM, **kw)                    # poll 2
    done = suggest_llm(work, TM, **kw)             # poll 3: completed
    assert_answered(done, work)
    assert len(jobs(factory)) == 1 and len(fake_llm.state.batches) == 1


def test_refused_batch_answers_fall_back_and_are_not_resubmitted(fake_llm, tmp_path):
    fake_llm.item_rules["100002"] = "injection"
    cache = FileCache(tmp_path / "c.sqlite")
    work = work_of(4)
    kw = dict(model="fake", settings=FAST, cache=cache, batch=True)
    suggest_llm(work, TM, **kw)
    result = suggest_llm(work, TM, **kw)
    rows = by_id(result)
    assert rows["100002"]["llmFlags"] == "unsafe-output" and rows["100002"]["origin"] != "llm"
    assert [rows[c]["origin"] for c in ("100000", "100001", "100003")] == ["llm"] * 3
    again = suggest_llm(work, TM, **kw)
    assert by_id(again)["100002"]["llmFlags"] == "unsafe-output"
    assert len(fake_llm.state.batches) == 1


def test_a_crash_between_upload_and_create_is_recovered(fake_llm, tmp_path):
    cache = FileCache(tmp_path / "c.sqlite")
    work = work_of(5)
    suggest_llm(work, TM, model="fake", settings=FAST, cache=cache, batch=True)
    # as if the process died after creating the batch but before storing its id
    with cache.session_factory() as s, s.begin():
        job = s.execute(select(LLMBatchJob)).scalar_one()
        s.execute(update(LLMBatchJob).values(provider_batch_id="file:" + job.input_file_id, status="submitting"))
    result = suggest_llm(work, TM, model="fake", settings=FAST, cache=cache, batch=True)
    assert_answered(result, work)
    assert len(fake_llm.state.batches) == 1


def test_batch_respects_the_request_budget(fake_llm, tmp_path):
    cache = FileCache(tmp_path / "c.sqlite")
    result = suggest_llm(work_of(100), TM, model="fake", settings=FAST, cache=cache, batch=True, max_requests=2)
    assert result.stopped_by_budget and result.totals["batch_submitted"] == 40
    batch_file = next(iter(fake_llm.state.files.values())).decode()
    assert len(batch_file.strip().splitlines()) == 2
    assert json.loads(batch_file.splitlines()[0])["body"]["response_format"]["type"] == "json_schema"
