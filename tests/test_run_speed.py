"""What `helder run` does for speed changes nothing it stores: suggesting one chunk ahead in a child
process queues exactly what the plain run does, and enqueue's JSON read by polars (not row by row)
stores the same flags, severities and neighbours."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

import json

import polars as pl

from pipeline.run import AHEAD_CHECKS, RunOptions, _AheadSuggester, _max_severity, _with_severity, enqueue, run
from review_queue.models import ReviewItem, Suggestion
from test_run_faults import Sample


def _queue(sample: Sample) -> list[tuple]:
    with sample.factory() as s:
        items = s.execute(select(ReviewItem.concept_id, ReviewItem.proposal, ReviewItem.origin, ReviewItem.flags,
                                 ReviewItem.confidence).order_by(ReviewItem.concept_id)).all()
        sugg = s.execute(select(Suggestion.concept_id, Suggestion.text, Suggestion.flag_details, Suggestion.similar)
                         .where(Suggestion.is_primary).order_by(Suggestion.concept_id)).all()
    return [tuple(r) for r in items] + [tuple(r) for r in sugg]


def test_suggesting_ahead_queues_the_same_as_the_plain_run(sqlite_url, tmp_path):
    plain = Sample(sqlite_url)
    record = run(plain.factory, RunOptions(chunk_size=25, suggest_ahead=False, worker="plain:1"))
    assert record.status == "completed" and "suggest.wait" not in record.durations
    expected = _queue(plain)
    plain.close()

    other = Sample(f"sqlite:///{tmp_path / 'ahead.db'}")
    record = run(other.factory, RunOptions(chunk_size=25, suggest_ahead=True, worker="ahead:1"))
    assert record.status == "completed"
    assert record.durations["suggest.wait"] >= 0 and record.durations["suggest"] > 0  # the child did suggest
    assert record.counts["selected"] == len(other.untranslated)
    assert _queue(other) == expected
    other.assert_everything_queued_once()
    other.close()


def test_the_ahead_child_leaves_when_its_pool_is_closed():
    import polars as pl

    pool = _AheadSuggester(pl.DataFrame({"conceptId": ["1"], "term": ["appendicitis"], "patientTerm": ["blindedarmontsteking"]}))
    proposals, found, seconds, timings = pool.submit(pl.DataFrame({"conceptId": ["2"], "term": ["appendicitis"]})).result(timeout=120)
    assert proposals["suggestion"].to_list() == ["blindedarmontsteking"] and seconds >= 0
    assert found.columns == ["row", "code", "reason", "related"] and set(timings) == set(AHEAD_CHECKS)
    children = list(pool.pool._processes)
    pool.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_the_ahead_child_leaves_when_its_parent_is_killed(tmp_path):
    """A run killed with SIGKILL cannot shut its pool down: the child must notice and go by itself."""
    script = (
        "import os, sys, polars as pl\n"
        "from pipeline.run import _AheadSuggester\n"
        "pool = _AheadSuggester(pl.DataFrame({'conceptId': ['1'], 'term': ['x'], 'patientTerm': ['y']}))\n"
        "pool.submit(pl.DataFrame({'conceptId': ['2'], 'term': ['x']})).result(timeout=120)\n"
        "print(*pool.pool._processes, flush=True)\n"
        "os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180,
                          cwd=Path(__file__).resolve().parent.parent)
    children = [int(p) for p in done.stdout.split()]
    assert done.returncode == -9 and children, done.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in children)


def _alive(pid: int) -> bool:
    """Running (not exited, not a zombie waiting to be reaped by whoever its parent is now)."""
    try:
        os.waitpid(pid, os.WNOHANG)  # our own child: reap it if it has exited
    except ChildProcessError:
        pass  # not our child (any more)
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


DETAILS = [None, "", "[]",
           '[{"code":"jargon","severity":"info","reason":"r","related":[]}]',
           '[{"code":"too-long","severity":"warning","reason":"\\"severity\\":\\"error\\"","related":[]},'
           '{"code":"jargon","severity":"info","reason":"x","related":["1"]}]',
           '[{"code":"tm-conflict","severity":"error","reason":"é ë","related":["2","3"]},'
           '{"code":"grammar","severity":"warning","reason":"y","related":[]}]',
           '[{"code":"odd","severity":"unknown","reason":"z","related":[]}]']


def test_max_severity_from_polars_equals_the_row_by_row_answer():
    frame = _with_severity(pl.DataFrame({"flagDetails": DETAILS, "similar": [None, "[]", "[]", "[]", "[]", "[]", "[]"]},
                                        schema={"flagDetails": pl.Utf8, "similar": pl.Utf8}))
    assert frame["maxSeverity"].to_list() == [_max_severity(json.loads(d or "[]")) for d in DETAILS]
    assert frame["maxSeverity"].to_list() == [None, None, None, "info", "warning", "error", None]
    assert frame["similar"].to_list()[0] == "[]"


def test_enqueue_stores_the_flags_and_neighbours_the_checker_wrote(store):
    from review_queue.models import Concept, Run

    _, factory = store
    similar = '[{"conceptId":"9","term":"t","patientTerm":"p ë","score":93}]'
    with factory() as s, s.begin():
        s.add_all([Concept(id=str(i), active=True, effective_time="20260930", module_id="1", term_nl=f"term {i}")
                   for i in range(1, 5)])
        s.add(Run(id=1, suggester="offline", worker="w:1", status="running", counts={}, durations={}))
    checked = pl.DataFrame({
        "conceptId": ["1", "2", "3", "4"], "term": ["a", "b", "c", "d"], "suggestion": ["A", "B", "C", "D"],
        "origin": ["lexicon"] * 4, "confidence": [0.5, 0.9, None, 0.1], "explanation": ["", "uitleg", None, ""],
        "flags": ["", "jargon", "tm-conflict;grammar", ""],
        "flagDetails": ["[]", DETAILS[3], DETAILS[5], None], "similar": ["[]", similar, similar, None]})
    assert enqueue(factory, checked, 1, "w:1") == 4
    with factory() as s:
        items = {i.concept_id: i for i in s.execute(select(ReviewItem)).scalars()}
        sugg = {x.concept_id: x for x in s.execute(select(Suggestion)).scalars()}
    assert [items[c].max_severity for c in "1234"] == [None, "info", "error", None]
    assert [sugg[c].flag_details for c in "1234"] == [[], json.loads(DETAILS[3]), json.loads(DETAILS[5]), []]
    assert [sugg[c].similar for c in "1234"] == [[], json.loads(similar), json.loads(similar), []]
    assert sugg["2"].explanation == "uitleg" and sugg["3"].confidence == 0.0


def test_enqueue_writes_what_the_orm_would(store):
    """enqueue writes through the driver in bulk: every column must read back as the ORM writes it
    (times, booleans, JSON, NULLs), alternatives beside the primary suggestion, and a concept that
    already has an open item is left alone."""
    import re
    from datetime import datetime, timezone

    from sqlalchemy import text

    from review_queue.models import Concept, Run

    _, factory = store
    with factory() as s, s.begin():
        s.add_all([Concept(id=str(i), active=True, effective_time="20260930", module_id="1", term_nl=f"term {i}")
                   for i in range(1, 4)])
        s.add(Run(id=1, suggester="llm", worker="w:1", status="running", counts={}, durations={}))
        s.flush()
        s.add(ReviewItem(concept_id="3", state="proposed", run_id=1, source_term="term 3", proposal="al open",
                         origin="lexicon", confidence=0.5, flags="", created_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
                         updated_at=datetime(2026, 1, 2, tzinfo=timezone.utc)))
    checked = pl.DataFrame({
        "conceptId": ["1", "2", "3"], "term": ["Hypertensie", "otitis media", "x"], "semanticTag": ["aandoening", None, None],
        "suggestion": ["hoge bloeddruk", "middenoorontsteking 'x'", "y"], "origin": ["llm", "lexicon", "llm"],
        "confidence": [0.9, 0.4, 0.5], "explanation": ["", "uitleg", None], "model": ["m", None, "m"],
        "promptVersion": ["v1", None, "v1"], "tokensIn": [10, None, 3], "tokensOut": [5, None, 1],
        "flags": ["", "jargon", ""], "flagDetails": ["[]", DETAILS[3], "[]"], "similar": ["[]", "[]", "[]"],
        "alternatives": ['[{"suggestion": "verhoogde bloeddruk", "origin": "lexicon", "confidence": 0.85}]', "[]", None]})
    before = datetime.now(timezone.utc)
    assert enqueue(factory, checked, 1, "w:1") == 2
    with factory() as s:
        items = {i.concept_id: i for i in s.execute(select(ReviewItem).where(ReviewItem.run_id == 1)).scalars()}
        sugg = s.execute(select(Suggestion).order_by(Suggestion.id)).scalars().all()
        formats = s.execute(text("SELECT concept_id, created_at FROM review_items ORDER BY concept_id")).all()
    one, two = items["1"], items["2"]
    assert (one.state, one.version, one.run_id, one.needs_second_review, one.source_term, one.semantic_tag,
            one.proposal, one.origin, one.confidence, one.max_severity) == \
        ("proposed", 1, 1, False, "Hypertensie", "aandoening", "hoge bloeddruk", "llm", 0.9, None)
    assert two.semantic_tag is None and two.max_severity == "info" and two.flags == "jargon"
    assert "bloeddruk" in one.search_text and "hypertensie" in one.search_text
    assert items["3"].proposal == "al open"  # already open: not replaced, no suggestion added
    created = one.created_at if one.created_at.tzinfo else one.created_at.replace(tzinfo=timezone.utc)
    assert before <= created <= datetime.now(timezone.utc)
    # the bulk-written time has the ORM's own stored form: SQLite keeps SQLAlchemy's text, PostgreSQL a timestamptz
    for _, stored in formats:
        assert (isinstance(stored, datetime) and stored.tzinfo is not None
                or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", stored)), stored
    assert [(x.concept_id, x.is_primary, x.text, x.origin) for x in sugg] == [
        ("1", True, "hoge bloeddruk", "llm"), ("2", True, "middenoorontsteking 'x'", "lexicon"),
        ("1", False, "verhoogde bloeddruk", "lexicon")]
    first, second, alt = sugg
    assert (first.explanation, first.model, first.prompt_version, first.tokens_in, first.tokens_out) == (None, "m", "v1", 10, 5)
    assert (second.explanation, second.model, second.tokens_in, second.flag_details) == ("uitleg", None, 0, json.loads(DETAILS[3]))
    assert alt.item_id == one.id and alt.confidence == 0.85 and alt.flag_details == [] and alt.similar == []


def test_a_chunk_the_writer_cannot_store_fails_the_run_and_keeps_what_was_stored(sqlite_url, monkeypatch):
    """Chunks are enqueued by a writer thread while the next is checked: its error must still end
    the run as failed, with the chunks before it committed, nothing after it queued, and every
    claim let go — as when enqueue ran in the run's own thread."""
    import pipeline.run as run_module

    sample = Sample(sqlite_url)
    real, calls = run_module.enqueue, []

    def enqueue_then_fail(factory, checked, run_id, worker):
        calls.append(checked.height)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(factory, checked, run_id, worker)

    monkeypatch.setattr(run_module, "enqueue", enqueue_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        run(sample.factory, RunOptions(chunk_size=25, suggest_ahead=False, worker="w:1"))
    assert len(calls) == 2  # the writer took no chunk after the one that failed
    assert sum(sample.queued().values()) == calls[0]
    assert sample.claims() == {}
    last = sample.runs()[-1]
    assert last.status == "failed" and "disk full" in last.error and last.counts["proposed"] == calls[0]
    sample.close()
