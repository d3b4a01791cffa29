"""A release read back by helder's own RF2 reader gives the TM it was made from."""
from __future__ import annotations

from datetime import date

import polars as pl

from exports.release import create_release
from review_queue.store import ingest_release, load_tm
from terms.rf2 import read_release
from terms.tm import tm_from_release

KEY = ["conceptId", "patientTerm", "explanation"]


def _seed(factory, pf_terms) -> None:
    pf_terms.approve(factory, 1, "suikerziekte", "Uw lichaam maakt te weinig insuline.")
    pf_terms.approve(factory, 1, "diabetes", preferred=False)
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    pf_terms.approve(factory, 3, 'ziekte van "Ménière"', "Een aandoening van het binnenoor; u wordt duizelig.")
    pf_terms.approve(factory, 4, "galstenen")


def _store_tm(factory) -> pl.DataFrame:
    with factory() as s:
        return load_tm(s).select(KEY).sort("conceptId")


def test_the_snapshot_reads_back_to_the_same_tm(store, tmp_path, pf_terms):
    _, factory = store
    _seed(factory, pf_terms)
    create_release(factory, root=tmp_path / "releases", today=date(2026, 11, 1))
    pf_terms.approve(factory, 2, "te hoge bloeddruk")  # so the Full holds an inactive row too
    pf_terms.withdraw(factory, 4)
    release = create_release(factory, root=tmp_path / "releases", today=date(2026, 11, 24))
    expected = _store_tm(factory)
    assert expected.height == 3
    for kind in ("Snapshot", "Full"):
        read = read_release(release / "rf2" / kind)
        got = tm_from_release(read).select(KEY).sort("conceptId")
        assert got.to_dicts() == expected.to_dicts(), kind
    zipped = read_release(release / "downloads" / "helder-2026-11-24-rf2.zip", kind="Snapshot")
    assert tm_from_release(zipped).select(KEY).sort("conceptId").to_dicts() == expected.to_dicts()


def test_ingesting_a_release_into_the_store_that_made_it_changes_nothing(store, tmp_path, pf_terms):
    _, factory = store
    _seed(factory, pf_terms)
    release = create_release(factory, root=tmp_path / "releases", today=date(2026, 11, 24))
    before = _store_tm(factory)
    report = ingest_release(factory, read_release(release / "rf2" / "Snapshot"), release)
    assert (report.tm_added, report.tm_retired) == (0, 0)
    assert _store_tm(factory).to_dicts() == before.to_dicts()
