"""Pay once: the cache (store and file), and budgets that stop a run cleanly and resumably."""
from __future__ import annotations

import polars as pl
import pytest

from pipeline.llm import FileCache, StoreCache, suggest_llm
from pipeline.llm.prompt import cache_key
from tests.fake_openai import answer_for, fake_llm  # noqa: F401  (fixture)
from tests.test_llm_requests import FAST, TM, assert_answered, work_of


def test_store_cache_second_run_makes_zero_requests(fake_llm, store):
    _, factory = store
    work = work_of(30)
    first = suggest_llm(work, TM, model="fake", settings=FAST, cache=StoreCache(factory))
    assert_answered(first, work)
    asked = fake_llm.requests
    assert asked == 2
    second = suggest_llm(work, TM, model="fake", settings=FAST, cache=StoreCache(factory))
    assert fake_llm.requests == asked
    assert_answered(second, work)
    assert second.totals["requests"] == 0 and second.totals["cached"] == 30
    # the suggestion still says what it cost when it was made
    assert second.proposals["tokensIn"].to_list() == first.proposals["tokensIn"].to_list()


def test_store_cache_rows_are_keyed_by_model_prompt_and_normalised_input(fake_llm, store):
    from sqlalchemy import select

    from review_queue.models import LLMCacheEntry

    _, factory = store
    work = pl.DataFrame({"conceptId": ["100000"], "term": ["Acute Jicht"], "fsn": ["Acute gout (disorder)"]})
    result = suggest_llm(work, TM, model="fake", settings=FAST, cache=StoreCache(factory))
    with factory() as s:
        rows = s.execute(select(LLMCacheEntry)).scalars().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.model, row.prompt_version) == ("fake", result.proposals["promptVersion"][0])
    assert row.input_text == "acute jicht\tacute gout (disorder)"
    assert row.key == cache_key("fake", row.prompt_version, row.input_text)
    assert (row.patient_term, row.explanation) == answer_for("Acute Jicht")
    assert row.tokens_in > 0 and row.tokens_out > 0
    # same input spelled differently, other concept: still no request
    again = pl.DataFrame({"conceptId": ["100001"], "term": [" acute  jicht"], "fsn": ["acute gout (disorder)"]})
    suggest_llm(again, TM, model="fake", settings=FAST, cache=StoreCache(factory))
    assert fake_llm.requests == 1
    # another model is another key
    suggest_llm(again, TM, model="fake-2", settings=FAST, cache=StoreCache(factory))
    assert fake_llm.requests == 2


def test_no_cache_asks_again_and_replaces_the_answer(fake_llm, store):
    _, factory = store
    work = work_of(5)
    cache = StoreCache(factory)
    suggest_llm(work, TM, model="fake", settings=FAST, cache=cache)
    forced = suggest_llm(work, TM, model="fake", settings=FAST, cache=cache, use_cache=False)
    assert fake_llm.requests == 2 and forced.totals["requests"] == 1 and forced.totals["cached"] == 0
    assert len(cache) == 5


def test_refused_answers_are_not_cached(fake_llm, tmp_path):
    fake_llm.item_rules["100001"] = "markup"
    cache = FileCache(tmp_path / "c.sqlite")
    work = work_of(3)
    suggest_llm(work, TM, model="fake", settings=FAST, cache=cache)
    assert len(cache) == 2
    del fake_llm.item_rules["100001"]
    again = suggest_llm(work, TM, model="fake", settings=FAST, cache=cache)
    assert fake_llm.state.log[-1]["ids"] == ["100001"]
    assert_answered(again, work)


def test_file_cache_is_the_default_for_file_to_file_use(fake_llm, tmp_path):
    work = work_of(4)
    suggest_llm(work, TM, model="fake", settings=FAST)  # cache=None: $HELDER_LLM_CACHE (set by the fixture)
    assert (tmp_path / "llm-cache.sqlite").is_file()
    result = suggest_llm(work, TM, model="fake", settings=FAST)
    assert fake_llm.requests == 1 and result.totals["cached"] == 4


def test_max_requests_stops_cleanly_and_a_later_run_resumes(fake_llm, store):
    _, factory = store
    work = work_of(100)
    settings = {**FAST, "concurrency": 1}
    first = suggest_llm(work, TM, model="fake", settings=settings, cache=StoreCache(factory), max_requests=2)
    assert first.stopped_by_budget
    assert fake_llm.requests == 2 and first.totals["requests"] == 2
    assert first.proposals.height == 40 and set(first.proposals["origin"]) == {"llm"}
    assert first.totals["pending"] == 60
    second = suggest_llm(work, TM, model="fake", settings=settings, cache=StoreCache(factory))
    assert not second.stopped_by_budget
    assert_answered(second, work)
    assert fake_llm.requests == 5  # only the 60 not done: 3 requests
    assert second.totals["cached"] == 40


def test_retries_count_against_the_request_budget(fake_llm, tmp_path):
    fake_llm.script("500")
    result = suggest_llm(work_of(40), TM, model="fake", settings={**FAST, "concurrency": 1},
                         cache=FileCache(tmp_path / "c.sqlite"), max_requests=2)
    assert result.stopped_by_budget and fake_llm.requests == 2 and result.proposals.height == 20


def test_max_cost_stops_before_spending_more(fake_llm, tmp_path):
    prices = {"fake": {"in": 1000.0, "out": 1000.0}}  # $ per 1M tokens: about $1 per request of 20 here
    settings = {**FAST, "concurrency": 1, "prices": prices}
    work = work_of(200)
    result = suggest_llm(work, TM, model="fake", settings=settings, cache=FileCache(tmp_path / "c.sqlite"),
                         max_cost=3.0)
    assert result.stopped_by_budget
    assert 0 < result.totals["cost"] <= 3.0
    assert 0 < fake_llm.requests < 10
    assert result.proposals.height == 20 * fake_llm.requests
    per_request = result.totals["cost"] / fake_llm.requests
    assert result.totals["cost"] + per_request > 3.0 * 0.8  # it used most of the budget, not a fraction


def test_max_cost_without_a_price_is_refused(fake_llm, tmp_path):
    with pytest.raises(ValueError, match=r"--max-cost vraagt om een prijs voor model 'fake' in \[llm\.prices\]"):
        suggest_llm(work_of(2), TM, model="fake", settings=FAST, cache=FileCache(tmp_path / "c.sqlite"), max_cost=1.0)


def test_max_cost_with_a_free_model_runs(fake_llm, tmp_path):
    settings = {**FAST, "prices": {"fake": {"in": 0, "out": 0}}}
    result = suggest_llm(work_of(3), TM, model="fake", settings=settings, cache=FileCache(tmp_path / "c.sqlite"),
                         max_cost=0.01)
    assert not result.stopped_by_budget and result.totals["cost"] == 0 and result.proposals.height == 3


def test_cost_uses_the_price_table(fake_llm, tmp_path):
    settings = {**FAST, "prices": {"fake": {"in": 2.0, "out": 8.0}}}
    result = suggest_llm(work_of(10), TM, model="fake", settings=settings, cache=FileCache(tmp_path / "c.sqlite"))
    t = result.totals
    assert t["cost"] == pytest.approx((t["tokens_in"] * 2.0 + t["tokens_out"] * 8.0) / 1e6, rel=1e-3)


def test_bad_setting_is_one_clear_line():
    from pipeline.llm import LLMSettings

    with pytest.raises(ValueError, match=r"\[llm\] concurrency"):
        LLMSettings.from_any({"concurrency": "lots"})
    with pytest.raises(ValueError, match=r"\[llm\] batch_size"):
        LLMSettings.from_any({"batch_size": 0})
