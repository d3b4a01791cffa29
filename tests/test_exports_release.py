"""Releases as a whole: what goes in, versions, immutability, failure safety, manifest, notes, diff."""
from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from exports import fhir as fhir_writer
from exports.release import ReleaseError, create_release, diff_releases, list_releases, show_release
from review_queue.models import MintedId, PatientTerm, Release, ReleaseMember

TODAY = date(2026, 11, 24)


def csv_rows(release: Path) -> list[dict]:
    with (release / "csv" / "patient-friendly-terms.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_release_holds_every_active_approved_term_and_nothing_else(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker in uw bloed.")
    pf_terms.approve(factory, 2, "hoge bloeddruk", source="import")
    pf_terms.approve(factory, 3, "nierstenen", source="release")
    pf_terms.approve(factory, 4, "galstenen")
    pf_terms.withdraw(factory, 4)  # approval withdrawn
    pf_terms.approve(factory, 5, "oude term", stale=True)  # source changed, waiting for re-review
    pf_terms.approve(factory, 6, "vervallen")
    pf_terms.inactivate(factory, 6)  # concept inactivated
    pf_terms.approve(factory, 1, "diabetes", preferred=False)
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    got = {(r["conceptId"], r["patientTerm"], r["acceptability"]) for r in csv_rows(release)}
    assert got == {
        (pf_terms.concept(1), "suikerziekte", "preferred"), (pf_terms.concept(1), "diabetes", "acceptable"),
        (pf_terms.concept(2), "hoge bloeddruk", "preferred"), (pf_terms.concept(3), "nierstenen", "preferred"),
    }
    first = next(r for r in csv_rows(release) if r["patientTerm"] == "suikerziekte")
    assert first["explanation"] == "Te veel suiker in uw bloed."
    assert first["clinicalTerm"] == "klinische term 1" and first["semanticTag"] == "disorder"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["concepts"] == 3 and manifest["counts"]["descriptions"] == 4
    assert manifest["counts"]["definitions"] == 1
    with factory() as s:
        rel = s.execute(select(Release)).scalar_one()
        members = s.execute(select(ReleaseMember).where(ReleaseMember.release_id == rel.id)).scalars().all()
    assert rel.version == "2026-11-24" and rel.manifest == manifest
    assert {(m.concept_id, m.term, m.preferred) for m in members} == {
        (pf_terms.concept(1), "suikerziekte", True), (pf_terms.concept(1), "diabetes", False),
        (pf_terms.concept(2), "hoge bloeddruk", True), (pf_terms.concept(3), "nierstenen", True),
    }


def test_versions_are_dates_and_a_second_release_that_day_gets_a_suffix(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    first = create_release(factory, root=tmp_path / "releases", today=TODAY, created_by="anna")
    second = create_release(factory, root=tmp_path / "releases", today=TODAY)
    third = create_release(factory, root=tmp_path / "releases", today=TODAY)
    assert [first.name, second.name, third.name] == ["2026-11-24", "2026-11-24.2", "2026-11-24.3"]
    listed = list_releases(factory)
    assert [r["version"] for r in listed] == ["2026-11-24.3", "2026-11-24.2", "2026-11-24"]
    assert listed[-1]["created_by"] == "anna" and listed[0]["previous_version"] == "2026-11-24.2"
    assert show_release(factory, "latest")["version"] == "2026-11-24.3"
    assert show_release(factory, "2026-11-24")["counts"]["concepts"] == 1


def test_a_version_that_exists_is_never_written_again(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    release = create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    before = {p: p.read_bytes() for p in release.rglob("*") if p.is_file()}
    pf_terms.approve(factory, 1, "diabetes")
    with pytest.raises(ReleaseError, match="bestaat al .*; releases veranderen nooit, kies een andere versie"):
        create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    (tmp_path / "releases" / "2026-12-01").mkdir(parents=True)  # a folder nobody recorded still blocks the version
    with pytest.raises(ReleaseError, match="bestaat al .*; releases veranderen nooit, kies een andere versie"):
        create_release(factory, root=tmp_path / "releases", version="2026-12-01")
    assert {p: p.read_bytes() for p in release.rglob("*") if p.is_file()} == before
    with factory() as s:
        assert s.execute(select(func.count()).select_from(Release)).scalar() == 1


@pytest.mark.parametrize("version", ["24-11-2026", "2026-13-01", "2026-11-24.0", "../x", "2026-11-24.2b"])
def test_a_malformed_version_is_refused(store, tmp_path, version):
    _, factory = store
    with pytest.raises(ReleaseError, match=r"releaseversie .*: (verwacht JJJJ-MM-DD of JJJJ-MM-DD\.N|geen bestaande datum)"):
        create_release(factory, root=tmp_path / "releases", version=version)


def test_a_release_dated_before_the_latest_is_refused(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    with pytest.raises(ReleaseError, match="release 2026-11-01 zou een datum krijgen vóór de laatste release 2026-11-24"):
        create_release(factory, root=tmp_path / "releases", version="2026-11-01")


def test_a_failed_export_leaves_no_folder_no_row_and_no_minted_ids(store, tmp_path, pf_terms, monkeypatch):
    _, factory = store
    pt = pf_terms.approve(factory, 1, "suikerziekte")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(fhir_writer, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        create_release(factory, root=tmp_path / "releases", today=TODAY)
    assert list((tmp_path / "releases").iterdir()) == []
    with factory() as s:
        assert s.execute(select(func.count()).select_from(Release)).scalar() == 0
        assert s.execute(select(func.count()).select_from(MintedId)).scalar() == 0
        assert s.get(PatientTerm, pt).description_id is None
    monkeypatch.undo()
    assert create_release(factory, root=tmp_path / "releases", today=TODAY).name == "2026-11-24"


def test_a_stored_term_with_a_line_break_is_left_out_and_named_never_failing_the_release(store, tmp_path, pf_terms):
    _, factory = store
    pt = pf_terms.approve(factory, 1, "suiker\tziekte")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    assert [r["patientTerm"] for r in csv_rows(release)] == ["hoge bloeddruk"]
    doc = json.loads((release / "manifest.json").read_text())
    assert doc["counts"]["leftOut"] == 1
    (left,) = doc["leftOut"]
    assert left["ptId"] == pt and left["conceptId"] == pf_terms.concept(1) and left["field"] == "term"
    assert "U+0009" in left["reason"]
    assert "Left out (1)" in (release / "RELEASE-NOTES.md").read_text(encoding="utf-8")


def test_the_manifest_lists_every_file_with_its_sha256(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker in uw bloed.")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["version"], manifest["date"], manifest["effectiveTime"]) == ("2026-11-24", "2026-11-24", "20261124")
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {
        p.relative_to(release).as_posix() for p in release.rglob("*")
        if p.is_file() and p.name != "manifest.json" and "downloads" not in p.parts
    }
    assert set(listed) == on_disk
    for path, entry in listed.items():
        data = (release / path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert any(p.startswith("rf2/Delta/") for p in listed) and any(p.startswith("fhir/") for p in listed)
    for fmt, entry in manifest["downloads"].items():
        data = (release / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        with zipfile.ZipFile(release / entry["path"]) as zf:
            names = zf.namelist()
            assert "2026-11-24/RELEASE-NOTES.md" in names
            for name in names:
                inner = name.removeprefix("2026-11-24/")
                assert zf.read(name) == (release / inner).read_bytes()
    assert set(manifest["downloads"]) == {"rf2", "rf2-delta", "fhir", "csv", "parquet"}


def test_parquet_holds_the_same_rows_as_the_csv(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", 'Uitleg met "aanhalingstekens", komma\'s en ë.')
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    parquet = pl.read_parquet(release / "parquet" / "patient-friendly-terms.parquet")
    from_csv = csv_rows(release)
    assert parquet.columns == list(from_csv[0])
    assert [{k: (v if v is not None else "") for k, v in r.items()} for r in parquet.to_dicts()] == from_csv
    assert (release / "csv" / "patient-friendly-terms.csv").read_bytes().count(b"\r\n") == 3


def test_notes_and_diff_name_what_is_new_changed_and_withdrawn(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen")
    create_release(factory, root=tmp_path / "releases", version="2026-11-01")
    pf_terms.approve(factory, 4, "galstenen")
    pf_terms.approve(factory, 2, "te hoge bloeddruk")
    pf_terms.withdraw(factory, 3)
    second = create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    diff = diff_releases(factory, "2026-11-01", "2026-11-24")
    assert diff["counts"] == {"new": 1, "changed": 1, "withdrawn": 1, "heldBack": 0}
    assert diff["new"][0]["patientTerm"] == "galstenen"
    assert (diff["changed"][0]["before"], diff["changed"][0]["after"]) == ("hoge bloeddruk", "te hoge bloeddruk")
    assert diff["withdrawn"][0]["conceptId"] == pf_terms.concept(3)
    notes = (second / "RELEASE-NOTES.md").read_text(encoding="utf-8")
    assert "**1 new**, **1 changed**, **1 withdrawn**" in notes and "since 2026-11-01" in notes
    assert "| " + pf_terms.concept(2) + " | hoge bloeddruk | te hoge bloeddruk |" in notes
    assert "galstenen" in notes and "nierstenen" in notes
    assert diff_releases(factory, "2026-11-24", "2026-11-24")["counts"] == {"new": 0, "changed": 0, "withdrawn": 0,
                                                                          "heldBack": 0}
    with pytest.raises(ReleaseError, match="geen release '2030-01-01'"):
        diff_releases(factory, "2026-11-01", "2030-01-01")


def test_an_empty_store_still_makes_a_valid_empty_release(store, tmp_path):
    _, factory = store
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["concepts"] == 0
    assert csv_rows(release) == []
    header = next((release / "rf2" / "Snapshot").glob("sct2_Description*")).read_bytes()
    assert header.startswith(b"id\teffectiveTime") and header.count(b"\r\n") == 1


@pytest.mark.postgres
def test_concurrent_releases_on_postgresql_get_distinct_versions_and_never_share_an_id(pg_url, tmp_path, pf_terms):
    import threading

    from review_queue.db import open_store

    engine, factory = open_store(pg_url)
    for i in range(200):
        pf_terms.approve(factory, i, f"term {i}")
    results, errors = [], []

    def make_one(n):
        pf_terms.approve(factory, 1000 + n, f"eigen term {n}")
        try:
            results.append(create_release(factory, root=tmp_path / "releases", today=TODAY))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make_one, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(p.name for p in results) == ["2026-11-24", "2026-11-24.2", "2026-11-24.3"]
    with factory() as s:
        minted = s.execute(select(MintedId.sctid, MintedId.concept_id, MintedId.term)).all()
        published = s.execute(select(ReleaseMember.description_id, ReleaseMember.term).distinct()).all()
    assert len({m.sctid for m in minted}) == len(minted) == 203
    by_id = {}
    for did, term in published:
        assert by_id.setdefault(did, term) == term  # one id, one text, in every release
    engine.dispose()


def test_an_overlong_term_is_left_out_and_a_blank_explanation_is_no_explanation(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", "   ")
    pt = pf_terms.approve(factory, 2, "x" * 256)
    first = create_release(factory, root=tmp_path / "releases", today=TODAY)
    assert [r["patientTerm"] for r in csv_rows(first)] == ["suikerziekte"]
    (left,) = json.loads((first / "manifest.json").read_text())["leftOut"]
    assert left["ptId"] == pt and "256 tekens, ten hoogste 255" in left["reason"]
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    assert [r["explanation"] for r in csv_rows(release)] == ["", ""]
    assert json.loads((release / "manifest.json").read_text())["counts"]["definitions"] == 0


def test_notes_say_a_term_held_back_for_a_changed_clinical_term_is_not_withdrawn(store, tmp_path, pf_terms):
    """RELEASE-NOTES.md listed terms whose clinical term had changed under "Withdrawn", without a
    reason. They wait for a re-review: the notes say so, and why; real withdrawals say why too."""
    from sqlalchemy import update

    from review_queue.models import Concept

    _, factory = store
    pf_terms.approve(factory, 1, "MRI-scan", clinical="magnetische resonantie")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen")
    pf_terms.approve(factory, 4, "galstenen")
    create_release(factory, root=tmp_path / "releases", version="2026-11-01")
    with factory() as s, s.begin():  # what an ingest of SNOMED 20261031 does when a Dutch term changes
        s.execute(update(Concept).where(Concept.id == pf_terms.concept(1))
                  .values(term_nl="MRI-onderzoek", term_changed="20261031"))
        s.execute(update(PatientTerm).where(PatientTerm.concept_id == pf_terms.concept(1)).values(stale=True))
        s.execute(update(Concept).where(Concept.id == pf_terms.concept(2)).values(effective_time="20261031"))
    pf_terms.inactivate(factory, 2)
    pf_terms.withdraw(factory, 3)
    second = create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    notes = (second / "RELEASE-NOTES.md").read_text(encoding="utf-8")
    assert "**0 new**, **0 changed**, **2 withdrawn**, **1 held back**." in notes
    withdrawn = notes[notes.index("## Withdrawn (2)"):notes.index("## Held back (1)")]
    held = notes[notes.index("## Held back (1)"):]
    assert f"| {pf_terms.concept(2)} | hoge bloeddruk | the concept was inactivated in SNOMED CT 20261031 |" in withdrawn
    assert f"| {pf_terms.concept(3)} | nierstenen | its patient-friendly term was withdrawn from the term set |" in withdrawn
    assert "MRI-scan" not in withdrawn and "not withdrawn" in held
    assert (f"| {pf_terms.concept(1)} | MRI-scan | its Dutch clinical term changed from 'magnetische resonantie' to "
            f"'MRI-onderzoek' (SNOMED CT 20261031); a terminologist reviews the term again before it is published |"
            in held)
    counts = json.loads((second / "manifest.json").read_text(encoding="utf-8"))["counts"]
    assert (counts["withdrawn"], counts["heldBack"]) == (2, 1)


def test_notes_list_every_change_not_ten_and_a_pointer_to_a_tool_vendors_lack(store, tmp_path, pf_terms):
    """The notes ended '…and 3 more (see `helder release diff`)': a vendor has the download, not
    helder. Every change is in the notes."""
    _, factory = store
    for i in range(1, 14):
        pf_terms.approve(factory, i, f"term nummer {i}")
    first = create_release(factory, root=tmp_path / "releases", version="2026-11-01")
    for i in range(1, 13):
        pf_terms.approve(factory, i, f"nieuwe term {i}")
    second = create_release(factory, root=tmp_path / "releases", version="2026-11-24")
    for folder, section, n in ((first, "New", 13), (second, "Changed", 12)):
        notes = (folder / "RELEASE-NOTES.md").read_text(encoding="utf-8")
        assert "more (see" not in notes and "helder release diff" not in notes
        assert f"## {section} ({n})" in notes
        rows = [line for line in notes.splitlines() if line.startswith("| ") and not line.startswith("| Concept")]
        assert len(rows) == n
    assert all(f"| term nummer {i} | nieuwe term {i} |" in notes for i in range(1, 13))
