"""Endpoints as they really fail, each kind a stand-in server (tests/fake_openai.py `behave`),
through the real openai client: helder adapts once per endpoint, reads what can be read, stops
with one line at a broken endpoint, and keeps its requests a small multiple of the batches.

The kinds come from public reports: OpenAI's newer models refusing `max_tokens` (400, param
max_tokens); llama-cpp-python's server refusing a json_schema response_format (500); gateways
and content filters answering 200 with `"choices": []` or with `{"error": …}`; vLLM with a
reasoning parser putting the answer in `reasoning_content` with `content` null; answers cut off
at the output limit (`finish_reason: length`) by a limit too small or a model that loops.
"""
from __future__ import annotations

import logging
import math

import polars as pl
import pytest

from pipeline.llm import LLMUnavailable, suggest_llm
from tests.fake_openai import answer_for, fake_llm  # noqa: F401  (fixture)
from tests.test_llm_requests import FAST, assert_answered, by_id, run, work_of


def batches(n: int, size: int) -> int:
    return math.ceil(n / size)


def flags_of(result) -> set[str]:
    return set(result.proposals["llmFlags"].to_list())


# --- what the endpoint accepts, learned once ------------------------------------------------------


def test_max_tokens_refused_becomes_max_completion_tokens_once_per_endpoint_and_model(fake_llm, tmp_path):
    fake_llm.behave("max-tokens-refused")
    work = work_of(20)
    result = run(work, tmp_path, batch_size=5, concurrency=1, settings={"max_tokens": 2000})
    assert_answered(result, work)
    log = fake_llm.state.log
    assert fake_llm.requests == batches(20, 5) + 1  # one refusal, then every batch once
    assert "max_tokens" in log[0]["body"] and all("max_tokens" not in e["body"] for e in log[1:])
    assert all(e["body"]["max_completion_tokens"] == 2000 for e in log[1:])
    # the rest of the schema negotiation is untouched: the 400 named max_tokens, not response_format
    assert all(e["body"]["response_format"]["type"] == "json_schema" for e in log)
    assert result.totals["adapted"] == 1
    # remembered for the run: the next call (the next chunk of `helder run`) asks right at once
    again = run(work_of(10, start=100), tmp_path / "again", batch_size=5, concurrency=1, settings={"max_tokens": 2000})
    assert again.totals["requests"] == 2 and again.totals["adapted"] == 0


def test_max_tokens_refused_with_requests_in_flight_stays_within_the_batches_plus_the_concurrency(fake_llm, tmp_path):
    fake_llm.behave("max-tokens-refused")
    fake_llm.state.latency = 0.05
    work = work_of(40)
    result = run(work, tmp_path, batch_size=5, concurrency=4, settings={"max_tokens": 2000})
    assert_answered(result, work)
    assert fake_llm.requests <= batches(40, 5) + 4


def test_llama_cpp_server_refusing_json_schema_with_a_500_is_asked_json_object_with_the_schema(fake_llm, tmp_path):
    fake_llm.behave("llama-cpp")
    work = work_of(12)
    result = run(work, tmp_path, batch_size=4, concurrency=1)
    assert_answered(result, work)
    assert fake_llm.requests == batches(12, 4) + 1  # the 500 is read, not retried as a server error
    formats = [e["body"]["response_format"] for e in fake_llm.state.log]
    assert formats[0]["type"] == "json_schema"
    for f, entry in zip(formats[1:], fake_llm.state.log[1:]):
        assert f["type"] == "json_object"
        # the schema asks for one item per id asked, in order, each id a constant (llama.cpp's grammar)
        tuple_items = f["schema"]["properties"]["items"]["prefixItems"]
        assert [i["properties"]["conceptId"]["const"] for i in tuple_items] == entry["ids"]


def test_a_server_refusing_any_response_format_is_asked_with_plain_json_instructions(fake_llm, tmp_path):
    fake_llm.behave("format-refused")
    work = work_of(9)
    result = run(work, tmp_path, batch_size=3, concurrency=1)
    assert_answered(result, work)
    # json_schema, json_object with schema, json_object: three refusals, once each for the endpoint
    assert fake_llm.requests == batches(9, 3) + 3
    assert all("response_format" not in e["body"] for e in fake_llm.state.log[3:])
    assert "JSON" in fake_llm.state.log[-1]["body"]["messages"][0]["content"]  # the system text asks for it


def test_a_400_about_something_else_is_not_read_as_a_refused_option(fake_llm, tmp_path):
    fake_llm.script("ok", "bad-request")
    work = work_of(9)
    result = run(work, tmp_path, batch_size=3, concurrency=1)
    rows = by_id(result)
    failed = [cid for cid, r in rows.items() if r["llmFlags"]]
    assert len(failed) == 3 and all(rows[c]["llmFlags"] == "llm-failed" for c in failed)
    assert "400" in rows[failed[0]]["llmReason"]
    assert fake_llm.requests == 3  # not retried, nothing dropped
    assert all(e["body"]["response_format"]["type"] == "json_schema" for e in fake_llm.state.log)


# --- 200s that carry no answer -----------------------------------------------------------------------


@pytest.mark.parametrize("kind, said", [("no-choices", 'lege "choices"-lijst'), ("error-body", "foutmelding"),
                                        ("reasoning-prose", "zonder inhoud")])
@pytest.mark.parametrize("concurrency", [1, 8])
def test_an_endpoint_that_never_answers_is_named_in_one_line_within_a_few_requests(fake_llm, tmp_path, kind, said,
                                                                                    concurrency):
    fake_llm.behave(kind)
    with pytest.raises(LLMUnavailable) as caught:
        run(work_of(40), tmp_path, batch_size=5, concurrency=concurrency)
    line = str(caught.value)
    assert "\n" not in line and fake_llm.base_url in line and "(model fake)" in line and said in line
    assert fake_llm.requests <= max(2, concurrency) + 1  # not 8 batches, not 40 items


def test_the_error_an_error_body_carries_is_in_the_line(fake_llm, tmp_path):
    fake_llm.behave("error-body")
    with pytest.raises(LLMUnavailable, match="overloaded or misconfigured"):
        run(work_of(5), tmp_path)


def test_a_reasoning_server_with_the_answer_in_reasoning_content_is_read(fake_llm, tmp_path):
    fake_llm.behave("reasoning")
    work = work_of(12)
    result = run(work, tmp_path, batch_size=4, concurrency=1)
    assert_answered(result, work)
    assert fake_llm.requests == batches(12, 4)


def test_a_non_answer_after_good_answers_is_llm_failed_never_unsafe_output(fake_llm, tmp_path):
    fake_llm.item_rules["100007"] = "filtered"  # a content filter: every request with this term gets no choices
    work = work_of(15)
    result = run(work, tmp_path, batch_size=5, concurrency=1)
    rows = by_id(result)
    flagged = {c: r for c, r in rows.items() if r["llmFlags"]}
    assert sorted(flagged) == [str(100005 + i) for i in range(5)]
    assert {r["llmFlags"] for r in flagged.values()} == {"llm-failed"}
    assert all("choices" in r["llmReason"] for r in flagged.values())
    assert fake_llm.requests == 4  # the empty one asked once more, then its items fall back


def test_a_server_that_never_answers_json_is_named_within_a_few_requests(fake_llm, tmp_path):
    fake_llm.behave("prose")
    with pytest.raises(LLMUnavailable, match="niet de gevraagde JSON"):
        run(work_of(40), tmp_path, batch_size=10, concurrency=1)
    assert fake_llm.requests <= 4  # asked, asked again, halved (the second half is already on its way)


def test_a_broken_endpoint_in_helder_suggest_is_one_line_and_exit_1(fake_llm, tmp_path):
    from tests.test_llm_cli import helder_suggest, write_inputs

    fake_llm.behave("no-choices")
    write_inputs(tmp_path)
    done = helder_suggest(tmp_path)
    assert done.returncode == 1 and not (tmp_path / "out.tsv").exists()
    errors = [line for line in done.stderr.splitlines() if line.startswith("helder:")]
    assert len(errors) == 1 and "werkt niet of is verkeerd ingesteld" in errors[0] and fake_llm.base_url in errors[0]


# --- answers cut off at the output limit ----------------------------------------------------------------


def test_an_output_limit_too_small_is_systematic_said_once_and_llm_failed(fake_llm, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="helder.llm")
    work = work_of(80)
    result = run(work, tmp_path, batch_size=20, concurrency=8, settings={"max_tokens": 10})
    assert flags_of(result) == {"llm-failed"}  # never unsafe-output: nothing was refused, nothing came
    assert all("afgebroken" in r for r in result.proposals["llmReason"])
    assert fake_llm.requests <= 3 * batches(80, 20)  # split a little, then no more
    said = [r for r in caplog.records if "achter elkaar afgebroken bij de uitvoergrens" in r.getMessage()]
    assert len(said) == 1


def test_one_looping_item_costs_its_part_of_the_batch_not_every_item(fake_llm, tmp_path):
    work = work_of(8)
    fake_llm.item_rules["100005"] = "loop"
    result = run(work, tmp_path, batch_size=8, concurrency=1, settings={"max_tokens_per_item": 60})
    rows = by_id(result)
    assert rows["100005"]["llmFlags"] == "llm-failed"
    answered = [c for c, r in rows.items() if r["origin"] == "llm"]
    assert len(answered) >= 6  # the looping item's quarter of the batch at most
    assert fake_llm.requests == 5  # 8 -> 4 + 4 -> 2 + 2 under the looping half; no deeper


def test_max_tokens_per_item_scales_the_limit_with_the_request(fake_llm, tmp_path):
    run(work_of(7), tmp_path, batch_size=5, settings={"max_tokens_per_item": 50})
    limits = sorted(e["body"]["max_tokens"] for e in fake_llm.state.log)
    assert limits == [2 * 50 + 32, 5 * 50 + 32]


def test_a_request_too_long_for_the_context_is_split(fake_llm, tmp_path):
    fake_llm.behave("small-context")
    work = work_of(8)
    result = run(work, tmp_path, batch_size=8, concurrency=1)
    assert_answered(result, work)
    assert [len(e["ids"]) for e in fake_llm.state.log] == [8, 4, 4]  # 8 x 2048/3540 x 0.9 = 4.2 -> 4


# --- the bound, for every systematic kind -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["max-tokens-refused", "llama-cpp", "format-refused", "no-choices", "error-body",
                                  "reasoning", "reasoning-prose", "prose", "small-context", "tiny-limit"])
def test_under_any_systematic_failure_requests_stay_a_small_multiple_of_the_batches(fake_llm, tmp_path, kind):
    settings = {"max_tokens": 2000}
    if kind == "tiny-limit":
        settings = {"max_tokens": 10}
    else:
        fake_llm.behave(kind)
    n, size = 60, 10
    try:
        result = run(work_of(n), tmp_path, batch_size=size, concurrency=4, settings=settings)
    except LLMUnavailable:
        result = None
    if kind == "small-context":
        size = 4  # what fits: the requests are batches of that size (learned from the error's numbers)
    assert fake_llm.requests <= 3 * batches(n, size) + 4
    if result is not None:
        assert "unsafe-output" not in flags_of(result)


@pytest.mark.parametrize("kind", ["no-choices", "error-body", "reasoning", "reasoning-prose", "prose", "tiny-limit",
                                  "max-tokens-refused", "llama-cpp"])
def test_the_issues_twenty_items_with_default_settings_take_a_few_requests_not_78(fake_llm, tmp_path, kind):
    # before: the batch of 20 was halved down to single items (78 requests), every item unsafe-output
    settings = {"max_tokens": 10} if kind == "tiny-limit" else {"max_tokens": 2000}
    if kind != "tiny-limit":
        fake_llm.behave(kind)
    try:
        result = run(work_of(20), tmp_path, settings=settings)
    except LLMUnavailable as exc:
        assert "\n" not in str(exc) and fake_llm.base_url in str(exc)
        result = None
    assert fake_llm.requests <= 5  # a cut-off batch: 20, its halves, one half's halves before it is systematic
    if result is not None:
        assert "unsafe-output" not in flags_of(result)
        if kind in ("reasoning", "max-tokens-refused", "llama-cpp"):
            assert flags_of(result) == {""}  # read or adapted: every item answered
