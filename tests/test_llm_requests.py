"""The LLM suggester against a local OpenAI-compatible server, through the real openai client.

Every test drives `suggest_llm` over real HTTP at tests/fake_openai.py, whose answers are
`answer_for(term)`; misbehaviour is scripted per request or per item.
"""
from __future__ import annotations

import json
import time

import polars as pl
import pytest

from pipeline.llm import FileCache, LLMUnavailable, suggest_llm
from tests.fake_openai import UNKNOWN_ID, answer_for, fake_llm  # noqa: F401  (fixture)
from terms.messages import message

FAST = {"backoff_base": 0.01, "backoff_max": 0.05, "timeout": 5}
TM = pl.DataFrame({
    "conceptId": ["900001", "900002", "900003"],
    "term": ["acute bronchitis", "hypertensie", "fractuur van linker pols"],
    "patientTerm": ["plotselinge ontsteking van de luchtwegen", "hoge bloeddruk", "gebroken linkerpols"],
    "explanation": ["Een ontsteking van de luchtwegen die snel opkomt.", None, None],
})


def work_of(n: int, start: int = 0) -> pl.DataFrame:
    return pl.DataFrame({"conceptId": [str(100000 + i) for i in range(start, start + n)],
                         "term": [f"ontsteking van teen {i}" for i in range(start, start + n)]})


def run(work, tmp_path, **kw):
    settings = {**FAST, **kw.pop("settings", {})}
    return suggest_llm(work, TM, model="fake", settings=settings, cache=FileCache(tmp_path / "c.sqlite"), **kw)


def by_id(result) -> dict:
    return {r["conceptId"]: r for r in result.proposals.iter_rows(named=True)}


def assert_answered(result, work):
    rows = by_id(result)
    for cid, term in zip(work["conceptId"], work["term"]):
        assert rows[cid]["origin"] == "llm", rows[cid]
        assert (rows[cid]["suggestion"], rows[cid]["explanation"]) == answer_for(term)
        assert rows[cid]["llmFlags"] == ""


def test_happy_path_batches_of_twenty_and_records_model_prompt_and_tokens(fake_llm, tmp_path):
    work = work_of(45)
    result = run(work, tmp_path)
    assert_answered(result, work)
    assert fake_llm.requests == 3  # 20 + 20 + 5
    assert sorted(len(e["ids"]) for e in fake_llm.state.log) == [5, 20, 20]
    p = result.proposals
    assert set(p["model"]) == {"fake"} and p["promptVersion"].n_unique() == 1 and len(p["promptVersion"][0]) == 12
    assert (p["tokensIn"] > 0).all() and (p["tokensOut"] > 0).all()
    assert result.totals["requests"] == 3 and result.totals["tokens_in"] >= p["tokensIn"].sum()
    assert result.totals["fallbacks"] == 0 and not result.stopped_by_budget
    # the request follows the wire contract: json_schema response_format, each conceptId literally present
    body = fake_llm.state.log[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    text = json.dumps(body["messages"], ensure_ascii=False)
    assert all(cid in text for cid in fake_llm.state.log[0]["ids"])


def test_429_waits_at_least_retry_after_then_succeeds(fake_llm, tmp_path):
    fake_llm.script(("429", "0.6"))
    work = work_of(3)
    t0 = time.monotonic()
    result = run(work, tmp_path)
    assert_answered(result, work)
    log = fake_llm.state.log
    assert len(log) == 2 and log[0]["action"][0] == "429"
    assert log[1]["t"] - log[0]["t"] >= 0.6
    assert time.monotonic() - t0 < 5
    assert result.totals["retries"] == 1


def test_500_then_success(fake_llm, tmp_path):
    fake_llm.script("500", "500")
    work = work_of(4)
    result = run(work, tmp_path)
    assert_answered(result, work)
    assert fake_llm.requests == 3 and result.totals["retries"] == 2


def test_timeout_is_retried(fake_llm, tmp_path):
    fake_llm.script(("slow", 2.0))
    work = work_of(4)
    t0 = time.monotonic()
    result = run(work, tmp_path, settings={"timeout": 0.3})
    assert_answered(result, work)
    assert fake_llm.requests == 2 and result.totals["retries"] == 1
    assert time.monotonic() - t0 < 2.0  # did not wait for the slow answer


def test_persistent_server_errors_fall_back_to_offline_and_never_stop_the_run(fake_llm, tmp_path):
    fake_llm.script(*["500"] * 3)
    work = work_of(2)
    result = run(work, tmp_path, settings={"max_retries": 2})
    rows = by_id(result)
    assert fake_llm.requests == 3
    for cid in work["conceptId"]:
        assert rows[cid]["origin"] != "llm" and rows[cid]["llmFlags"] == "llm-failed"
        assert "500" in rows[cid]["llmReason"]
    assert result.totals["fallbacks"] == 2


def test_truncated_json_is_retried_then_split(fake_llm, tmp_path):
    fake_llm.script("truncated", "truncated")
    work = work_of(20)
    result = run(work, tmp_path)
    assert_answered(result, work)
    sizes = [len(e["ids"]) for e in fake_llm.state.log]
    assert sizes == [20, 20, 10, 10]
    assert result.totals["splits"] == 1


def test_an_answer_cut_off_at_the_token_limit_is_never_accepted_and_its_request_is_split(fake_llm, tmp_path):
    # asking the same again would be cut off again (temperature 0): the halves are asked instead
    fake_llm.script("length")
    work = work_of(6)
    result = run(work, tmp_path)
    assert_answered(result, work)
    assert [len(e["ids"]) for e in fake_llm.state.log] == [6, 3, 3]
    assert result.totals["cut_off"] == 1 and result.totals["splits"] == 1


def test_invalid_json_for_a_single_item_falls_back_as_no_answer(fake_llm, tmp_path):
    fake_llm.script("invalid", "invalid")
    work = work_of(1)
    result = run(work, tmp_path)
    row = result.proposals.row(0, named=True)
    # no answer came (text that is not the contract's JSON): llm-failed, never unsafe-output
    assert row["llmFlags"] == "llm-failed" and "JSON" in row["llmReason"]
    assert row["origin"] != "llm" and fake_llm.requests == 2


def test_missing_items_are_asked_again_alone(fake_llm, tmp_path):
    fake_llm.script("missing")
    work = work_of(5)
    result = run(work, tmp_path)
    assert_answered(result, work)
    assert [len(e["ids"]) for e in fake_llm.state.log] == [5, 1]
    assert fake_llm.state.log[1]["ids"] == ["100004"]


def test_item_never_answered_falls_back_with_llm_failed(fake_llm, tmp_path):
    fake_llm.item_rules["100001"] = "drop"
    work = work_of(3)
    result = run(work, tmp_path)
    rows = by_id(result)
    assert rows["100001"]["llmFlags"] == "llm-failed" and rows["100001"]["origin"] != "llm"
    assert rows["100000"]["origin"] == rows["100002"]["origin"] == "llm"
    assert fake_llm.requests == 2


def test_unknown_ids_are_ignored(fake_llm, tmp_path):
    fake_llm.script("unknown")
    work = work_of(3)
    result = run(work, tmp_path)
    assert_answered(result, work)
    assert UNKNOWN_ID not in result.proposals["conceptId"].to_list()
    assert result.totals["unknown_ids"] == 1 and fake_llm.requests == 1


def test_server_ignoring_response_format_is_understood(fake_llm, tmp_path):
    fake_llm.script("fenced")
    work = work_of(3)
    assert_answered(run(work, tmp_path), work)
    assert fake_llm.requests == 1


def test_server_rejecting_json_schema_is_asked_for_json_object_with_the_schema(fake_llm, tmp_path):
    fake_llm.script("reject-schema")
    work = work_of(3)
    result = run(work, tmp_path)
    assert_answered(result, work)
    second = fake_llm.state.log[1]["body"]["response_format"]
    assert second["type"] == "json_object" and len(second["schema"]["properties"]["items"]["prefixItems"]) == 3


def test_server_rejecting_temperature_is_asked_without_it_and_keeps_the_schema(fake_llm, tmp_path):
    fake_llm.script("reject-temperature", "reject-temperature")
    work = work_of(3)
    assert_answered(run(work, tmp_path), work)
    second = fake_llm.state.log[1]["body"]
    assert "temperature" not in second and second["response_format"]["type"] == "json_schema"
    assert fake_llm.requests == 2


@pytest.mark.parametrize("rule", ["markup", "english", "injection", "empty", "overlong", "control"])
def test_unsafe_answers_fall_back_to_offline_with_unsafe_output(fake_llm, tmp_path, rule):
    fake_llm.item_rules["100001"] = rule
    work = pl.DataFrame({"conceptId": ["100000", "100001"], "term": ["hypertensie", "acute bronchitis"]})
    result = run(work, tmp_path)
    rows = by_id(result)
    bad = rows["100001"]
    assert bad["llmFlags"] == "unsafe-output" and bad["llmReason"]
    # the offline suggester's answer stands (the TM knows this clinical term exactly)
    assert bad["suggestion"] == "plotselinge ontsteking van de luchtwegen" and bad["origin"].startswith("tm")
    assert bad["alternatives"] == "[]"  # a refused answer is never offered as a candidate
    assert "\x07" not in bad["llmReason"] and len(bad["llmReason"]) < 250
    assert rows["100000"]["origin"] == "llm" and rows["100000"]["llmFlags"] == ""
    assert result.totals["fallbacks"] == 1


def test_agreement_raises_confidence_and_disagreement_shows_both(fake_llm, tmp_path):
    # the fake model says "gewoon <term>"; a TM pair with exactly that patient term makes offline agree
    tm = pl.concat([TM, pl.DataFrame({"conceptId": ["900009"], "term": ["jicht"], "patientTerm": ["gewoon jicht"],
                                      "explanation": [None]})])
    work = pl.DataFrame({"conceptId": ["100000", "100001"], "term": ["jicht", "hypertensie"]})
    result = suggest_llm(work, tm, model="fake", settings=FAST, cache=FileCache(tmp_path / "c.sqlite"))
    rows = by_id(result)
    assert rows["100000"]["origin"] == "llm" and rows["100000"]["confidence"] >= 0.9
    assert rows["100000"]["alternatives"] == "[]"
    other = rows["100001"]
    assert other["origin"] == "llm" and other["confidence"] < 0.9
    alt = json.loads(other["alternatives"])
    assert alt[0]["suggestion"] == "hoge bloeddruk" and alt[0]["origin"].startswith("tm")


def test_concurrency_bound_is_observed_by_the_server(fake_llm, tmp_path):
    fake_llm.state.latency = 0.1
    work = work_of(60)
    result = run(work, tmp_path, batch_size=3, concurrency=4)
    assert_answered(result, work)
    assert fake_llm.requests == 20
    assert fake_llm.state.max_in_flight == 4  # used fully, never exceeded


def test_requests_per_minute_are_paced(fake_llm, tmp_path):
    work = work_of(40)
    t0 = time.monotonic()
    result = run(work, tmp_path, batch_size=1, settings={"rpm": 1200})  # 20 a second, a second's burst
    assert_answered(result, work)
    times = sorted(e["t"] for e in fake_llm.state.log)
    # 20 at once, then the other 20 at 20 a second (~1 s; the bucket refills a little while the burst goes
    # out, so a loaded machine sees a bit less); unpaced, all 40 arrive within ~0.2 s
    assert times[-1] - times[0] >= 0.75
    assert time.monotonic() - t0 < 5


def test_tokens_per_minute_are_paced(fake_llm, tmp_path):
    from pipeline.llm.prompt import estimate_tokens

    work = work_of(10)
    # about five one-item requests a second: the bucket holds one second's worth of tokens
    probe = run(work.head(1), tmp_path / "probe", batch_size=1)
    per_request = estimate_tokens(fake_llm.state.log[0]["body"]["messages"]) + 40
    assert probe.totals["requests"] == 1
    fake_llm.state.log.clear()
    result = run(work, tmp_path, batch_size=1, use_cache=False, settings={"tpm": 60 * 5 * per_request})
    assert_answered(result, work)
    times = sorted(e["t"] for e in fake_llm.state.log)
    assert len(times) == 10 and times[-1] - times[0] >= 0.7  # 5 at once, the other 5 over about a second


def test_one_concept_id_with_two_terms_goes_in_two_requests(fake_llm, tmp_path):
    work = pl.DataFrame({"conceptId": ["100000", "100000", "100001"], "term": ["jicht", "artritis urica", "astma"]})
    result = run(work, tmp_path)
    assert sorted(e["ids"] for e in fake_llm.state.log) == [["100000"], ["100000", "100001"]]
    assert result.proposals["suggestion"].to_list() == [answer_for(t)[0] for t in work["term"]]


def test_wrong_key_stops_with_one_clear_line(fake_llm, tmp_path):
    fake_llm.script("401")
    with pytest.raises(LLMUnavailable, match="401"):
        run(work_of(2), tmp_path)
    assert fake_llm.requests == 1  # not retried: it will not get better


def test_nothing_listening_stops_with_one_clear_line(monkeypatch, tmp_path):
    from tests.fake_openai import free_port

    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    t0 = time.monotonic()
    with pytest.raises(LLMUnavailable, match="kan het taalmodel op .* niet bereiken .*; controleer OPENAI_BASE_URL"):
        run(work_of(30), tmp_path, settings={"max_retries": 2})
    assert time.monotonic() - t0 < 10


def test_duplicate_inputs_are_asked_once(fake_llm, tmp_path):
    work = pl.DataFrame({"conceptId": ["100000", "100001", "100002"],
                         "term": ["hypertensie", "Hypertensie ", "jicht"]})
    result = run(work, tmp_path)
    assert fake_llm.state.log[0]["ids"] == ["100000", "100002"]
    assert result.proposals.height == 3 and set(result.proposals["origin"]) == {"llm"}


def test_no_key_and_no_url_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ValueError) as refused:
        run(work_of(1), tmp_path)
    assert str(refused.value) == message("llm.setup.no-key")
    assert str(refused.value).startswith("OPENAI_API_KEY is niet gezet (zet voor een lokale server OPENAI_BASE_URL")


@pytest.mark.parametrize("headers, expected", [
    ({"Retry-After": "2"}, 2.0), ({"Retry-After": "0.5"}, 0.5), ({"retry-after-ms": "250"}, 0.25),
    ({"Retry-After": "soon"}, None), ({}, None),
])
def test_retry_after_is_read_from_seconds_milliseconds_or_ignored(headers, expected):
    import httpx

    from pipeline.llm.client import retry_after

    class Error(Exception):
        response = httpx.Response(429, headers=headers)

    assert retry_after(Error()) == expected


def test_retry_after_as_an_http_date():
    import email.utils

    import httpx

    from pipeline.llm.client import retry_after

    class Error(Exception):
        response = httpx.Response(429, headers={"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)})

    assert 25 <= retry_after(Error()) <= 30
