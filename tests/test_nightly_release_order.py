"""`helder nightly` applies every waiting release newer than the store, oldest first (issue 12, point 3)."""
from __future__ import annotations

import re
import shutil

import polars as pl
import pytest
from sqlalchemy import select

from pipeline.nightly import EXIT_INGEST, EXIT_OK, nightly, waiting_releases
from pipeline.run import RunOptions
from review_queue.models import Concept, Ingest
from review_queue.store import ingest_release
from terms.rf2 import read_release
from terms.sample import sample_path
from terms.sctid import make


def _later_delta(inbox, rf2_package, name="SnomedCT_NL_20260930"):
    """A Delta of 20260930 that inactivates a concept the sample Delta 20260331 added."""
    snapshot, delta = read_release(sample_path("snapshot")), read_release(sample_path("delta"))
    added = delta.concepts.join(snapshot.concepts.select("id"), on="id", how="anti").sort("id").row(0, named=True)
    rf2_package(inbox / name, {"Delta/sct2_Concept_Delta_NL1000146_20260930.txt": [
        {**added, "effectiveTime": "20260930", "active": False}]})
    return added["id"]


@pytest.fixture
def night(store, tmp_path):
    _, factory = store
    ingest_release(factory, read_release(sample_path("snapshot")), sample_path("snapshot"))
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def run_night():
        return nightly(factory.kw["bind"], factory, inbox, tmp_path / "reports", RunOptions(config={}),
                       lock_file=tmp_path / "night.lock")
    return factory, inbox, run_night


def _ingested(factory) -> list[str]:
    with factory() as s:
        return s.execute(select(Ingest.effective_time).order_by(Ingest.id)).scalars().all()


def test_two_waiting_deltas_are_both_applied_oldest_first(night, rf2_package):
    factory, inbox, run_night = night
    inactivated = _later_delta(inbox, rf2_package)
    shutil.copytree(sample_path("delta"), inbox / "SnomedCT_NL_20260331")
    with factory() as s:
        assert [d for _, d in waiting_releases(inbox, s)] == ["20260331", "20260930"]
    report = run_night()
    assert report.exit_code == EXIT_OK, report.outcome
    assert [i["effective_time"] for i in report.ingests] == ["20260331", "20260930"]
    assert report.ingest["effective_time"] == "20260930"
    assert _ingested(factory) == ["20250930", "20260331", "20260930"]
    with factory() as s:
        assert s.get(Concept, inactivated).active is False
    # The next night finds nothing newer.
    again = run_night()
    assert again.ingests == [] and _ingested(factory) == ["20250930", "20260331", "20260930"]


def test_a_release_with_nothing_for_helder_is_skipped_and_named_the_rest_applied(night, rf2_package):
    factory, inbox, run_night = night
    _later_delta(inbox, rf2_package)
    shutil.copytree(sample_path("delta"), inbox / "SnomedCT_NL_20260331")
    rf2_package(inbox / "SnomedCT_ManagedServiceCH_PRODUCTION_CH1000195_20260601T120000Z", {
        "sct2_Description_Delta-fr_CH1000195_20260601.txt": [
            {"id": make(1, "11", "1000195"), "effectiveTime": "20260601", "active": True,
             "moduleId": make(2, "10", "1000195"), "conceptId": make(1, "10", "1000195"), "languageCode": "fr",
             "typeId": "900000000000013009",
             "term": "diabète sucré", "caseSignificanceId": "900000000000448009"}]})
    report = run_night()
    assert [i["effective_time"] for i in report.ingests] == ["20260331", "20260930"]
    (skipped,) = report.skipped
    assert "CH1000195" in skipped["path"] and "0 Nederlandse beschrijvingen" in skipped["reason"]
    assert "overgeslagen" in report.summary() and report.outcome == "klaar; 1 release(s) overgeslagen: niets voor helder"
    summary = report.summary()
    assert summary.startswith(f"helder nightly {report.started_at}: klaar; ") and "(exitcode 0)" in summary
    assert "ingelezen " in summary and "nieuwe concepten" in summary and "klaar: " in summary.split("run ", 1)[1]
    assert not re.search(r"\b(skipped|proposals|durations|completed|requests|waiting)\b", summary)
    assert _ingested(factory) == ["20250930", "20260331", "20260930"]


def test_a_refused_release_stops_the_chain_the_ones_before_it_stay(night, rf2_package):
    factory, inbox, run_night = night
    _later_delta(inbox, rf2_package)
    shutil.copytree(sample_path("delta"), inbox / "SnomedCT_NL_20260331")
    broken = inbox / "SnomedCT_NL_20260601"
    shutil.copytree(sample_path("delta"), broken)
    for f in broken.rglob("*.txt"):
        f.rename(f.with_name(f.name.replace("20260331", "20260601")))
    path = next(broken.rglob("sct2_Description_*"))
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"\t", b" ", 2)
    path.write_bytes(b"\r\n".join(lines))
    report = run_night()
    assert report.exit_code == EXIT_INGEST and f"{path.name}:3" in report.outcome
    assert report.outcome.startswith("release geweigerd: ") and "velden gescheiden door tabs verwacht" in report.outcome
    assert [i["effective_time"] for i in report.ingests] == ["20260331"]
    assert _ingested(factory) == ["20250930", "20260331"]
    assert pl.Series(_ingested(factory)).is_sorted()
    assert report.refused["path"] == str(broken) and report.refused["later"] == 1
    summary = report.summary()
    assert f"geweigerd {broken}: niet ingelezen" in summary and "ook niet ingelezen: 1 latere release(s)" in summary
    assert "geen nieuwere release" not in summary


def test_a_lone_refused_release_is_not_reported_as_no_release_waiting(night, rf2_package):
    """The report said 'exitcode 4 … release geweigerd: FILE:LINE …' and then 'inlezen: geen nieuwere
    release die wacht': both about the one release in the inbox. The ingest line says it was refused."""
    factory, inbox, run_night = night
    snapshot = read_release(sample_path("snapshot"))
    concept = snapshot.concepts.sort("id").row(0, named=True)
    rf2_package(inbox / "SnomedCT_NL_20260930", {"Delta/sct2_Concept_Delta_NL1000146_20260930.txt": [
        {**concept, "effectiveTime": "20260930", "active": "ja"}]})
    report = run_night()
    assert report.exit_code == EXIT_INGEST and "sct2_Concept_Delta_NL1000146_20260930.txt:2" in report.outcome
    lines = report.summary().splitlines()
    assert lines[1] == f"geweigerd {inbox / 'SnomedCT_NL_20260930'}: niet ingelezen (reden hierboven)"
    assert not any("geen nieuwere release" in line or "latere release" in line for line in lines)
    assert report.waiting == 1 and report.ingests == []


def test_an_empty_inbox_says_no_release_waiting_and_no_inbox_says_nothing_of_it(night):
    factory, inbox, run_night = night
    assert "inlezen: geen nieuwere release die wacht" in run_night().summary()
    report = nightly(factory.kw["bind"], factory, None, inbox.parent / "reports", RunOptions(config={}),
                     lock_file=inbox.parent / "night.lock")
    assert report.waiting is None and "geen nieuwere release" not in report.summary()


def test_log_lines_carry_their_time_in_utc_with_the_zone():
    """A log line said '2026-03-29 02:30:00,123 INFO …' in the machine's local time without a zone:
    ambiguous. Text and JSON lines both give UTC with its offset."""
    import json
    import logging
    from datetime import datetime, timedelta, timezone

    from pipeline.nightly import JsonLogFormatter, UtcLogFormatter

    record = logging.makeLogRecord({"msg": "nightly started", "levelname": "INFO", "name": "helder.nightly",
                                    "created": datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc).timestamp()})
    line = UtcLogFormatter().format(record)
    assert line == "2026-03-29T01:30:00.000+00:00 INFO nightly started"
    stamp = json.loads(JsonLogFormatter().format(record))["time"]
    assert datetime.fromisoformat(stamp) == datetime.fromisoformat(line.split()[0])
    assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)
