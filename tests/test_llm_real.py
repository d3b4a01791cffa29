"""helder's LLM path against a real model: `helder llm serve` (llama.cpp via llama-cpp-python,
Gemma 3 270M) started once per session (conftest `llama_server`), through the real openai client.

A recording pass-through (pipeline/llm/evaluate.py `Recorder`, its replay store in tmp) sits in
front of the server so the tests can read what went over the wire. Kept few and small: with a
schema grammar the 270M model writes a few tokens a second on 2 cores.
"""
from __future__ import annotations

import json

import polars as pl
import pytest
from sqlalchemy import select

pytestmark = [pytest.mark.llama, pytest.mark.slow, pytest.mark.timeout(1200)]

# plain Dutch zib terms and two clinical ones: what a weak model answers is judged, whatever it is
WORK = pl.DataFrame({"conceptId": ["219006", "375005", "6736007", "3424008"],
                     "term": ["drinkt alcohol", "Broer of zus", "matig", "tachycardie"]})
TM = pl.DataFrame({
    "conceptId": ["900001", "900002", "900003", "900004"],
    "term": ["drinkt geen alcohol", "hypertensie", "bradycardie", "zus"],
    "patientTerm": ["drinkt geen alcohol", "hoge bloeddruk", "trage hartslag", "zus"],
    "explanation": ["U drinkt nooit alcohol.", "Uw bloeddruk is te hoog.", None, None],
})
SETTINGS = {"batch_size": 2, "concurrency": 1, "max_tokens_per_item": 40, "timeout": 600, "max_retries": 1,
            "temperature": 0}


@pytest.fixture(scope="module")
def asked(llama_server, tmp_path_factory):
    """One suggest run over WORK (two requests of two items), and a rerun with the same cache."""
    import os

    from pipeline.llm import FileCache, suggest_llm
    from pipeline.llm.client import endpoint_for
    from pipeline.llm.evaluate import Recorder

    folder = tmp_path_factory.mktemp("real")
    recorder = Recorder(llama_server.base_url, f"test:{folder}", folder / "replies.sqlite").start()
    os.environ.setdefault("OPENAI_API_KEY", "not-needed")
    try:
        settings = {**SETTINGS, "base_url": recorder.base_url}
        cache = FileCache(folder / "cache.sqlite")
        first = suggest_llm(WORK, TM, model=llama_server.model, settings=settings, cache=cache)
        log = list(recorder.log)
        again = suggest_llm(WORK, TM, model=llama_server.model, settings=settings, cache=cache)
        again_log = recorder.log[len(log):]
        endpoint = endpoint_for(recorder.base_url.rstrip("/"), llama_server.model)
    finally:
        recorder.stop()
    return {"first": first, "log": log, "again": again, "again_log": again_log, "endpoint": endpoint}


def test_structured_output_is_negotiated_once_for_the_endpoint(asked):
    log, first = asked["log"], asked["first"]
    formats = [(body.get("response_format") or {}).get("type") for body, _ in log]
    # llama-cpp-python's server refuses json_schema with a 500; every later request, of either
    # batch, asks json_object with the schema as a grammar: learned once, not per request
    assert formats[0] == "json_schema" and json.loads(log[0][1])["error"]
    assert formats[1:] and all(f == "json_object" for f in formats[1:])
    assert all("schema" in body["response_format"] for body, _ in log[1:])
    assert first.totals["adapted"] == 1 and asked["endpoint"].structured == "json_object_schema"


def test_several_items_per_request_answered_by_concept_id(asked):
    log, first = asked["log"], asked["first"]
    from tests.fake_openai import items_in

    sent = [[i["conceptId"] for i in items_in(body["messages"])] for body, _ in log]
    # two requests of two items (in either order: both are prepared at once), each asked once more
    # after the json_schema refusal, and nothing else unless an answer was cut off and split
    assert sorted(map(tuple, sent[:3]))[-2:] in ([("219006", "375005"), ("6736007", "3424008")],
                                                 [("6736007", "3424008"), ("6736007", "3424008")],
                                                 [("219006", "375005"), ("219006", "375005")])
    assert {tuple(s) for s in sent} >= {("219006", "375005"), ("6736007", "3424008")}
    for body, reply in [(b, r) for b, r in log if "choices" in json.loads(r)]:
        content = json.loads(reply)["choices"][0]["message"]["content"]
        ids = [i["conceptId"] for i in json.loads(content)["items"]]
        assert ids == [i["conceptId"] for i in items_in(body["messages"])]  # the grammar: each id once, in order
    p = first.proposals
    assert sorted(p["conceptId"]) == sorted(WORK["conceptId"])
    for row in p.iter_rows(named=True):
        # whatever a weak model said is either used (passed the judge) or replaced with a reason
        assert (row["origin"] == "llm" and row["llmFlags"] == "") or (row["llmFlags"] and row["llmReason"])
    # a request is bounded: the model cannot loop past its output limit
    assert all(body["max_tokens"] == len(items_in(body["messages"])) * 40 + 32 for body, _ in log)


def test_few_shot_examples_from_the_tm_are_sent_and_counted_by_the_real_tokenizer(asked):
    log = [(b, r) for b, r in asked["log"] if "choices" in json.loads(r)]
    users = [body["messages"][-1]["content"] for body, _ in log]
    # the two batches go out in either order: look at every request, not the first one logged
    assert not any("drinkt geen alcohol => drinkt geen alcohol" in u for u in users)  # teaches only copying
    assert not any("zus => zus" in u for u in users)
    taught = [i for i, u in enumerate(users) if "hypertensie => hoge bloeddruk" in u or "bradycardie => trage hartslag" in u]
    assert taught
    body, reply = log[taught[0]]
    usage = json.loads(reply)["usage"]
    assert usage["prompt_tokens"] > len(users[taught[0]]) // 8  # the server's tokenizer saw the examples too


def test_tokens_are_recorded_per_request_and_per_suggestion(asked):
    first = asked["first"]
    replies = [json.loads(text) for _, text in asked["log"] if "usage" in json.loads(text)]
    assert first.totals["tokens_in"] == sum(r["usage"]["prompt_tokens"] for r in replies)
    assert first.totals["tokens_out"] == sum(r["usage"]["completion_tokens"] for r in replies)
    assert first.totals["requests"] == len(asked["log"])
    assert (first.proposals["tokensIn"] > 0).all()


def test_a_rerun_asks_only_what_was_not_accepted(asked):
    first, again = asked["first"], asked["again"]
    accepted = first.proposals.filter(pl.col("llmFlags") == "")
    assert again.totals["cached"] == accepted.height
    asked_again = {i["conceptId"] for body, _ in asked["again_log"] for i in _items(body)}
    assert asked_again == set(first.proposals.filter(pl.col("llmFlags") != "")["conceptId"])
    if accepted.height == WORK.height:
        assert again.totals["requests"] == 0 and not asked["again_log"]


def _items(body):
    from tests.fake_openai import items_in
    return items_in(body["messages"])


def test_helder_run_against_the_real_server_records_tokens_in_the_run(llama_server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from cli import app
    from review_queue.db import open_store
    from review_queue.models import Run
    from terms.sample import sample_path

    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'helder.db'}"
    monkeypatch.setenv("HELDER_DB_URL", db)
    monkeypatch.delenv("HELDER_CONFIG", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", llama_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
    (tmp_path / "helder.toml").write_text("[llm]\n" + "".join(f"{k} = {v}\n" for k, v in SETTINGS.items()),
                                          encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(sample_path("snapshot"))], catch_exceptions=False).exit_code == 0
    result = runner.invoke(app, ["run", "--suggester", "llm", "--model", llama_server.model, "--limit", "2"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine, factory = open_store(db)
    try:
        with factory() as s:
            run = s.execute(select(Run).order_by(Run.id.desc())).scalars().first()
    finally:
        engine.dispose()
    assert run.status == "completed"
    assert run.requests >= 2 and run.tokens_in > 0 and run.tokens_out > 0  # the refused json_schema counts too
