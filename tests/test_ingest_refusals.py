"""Ingest refuses what would harm the store, in one line, and says what it did (issue 12, points 2–5, 7).

Releases are the bundled NL sample (Snapshot 20250930, Delta 20260331) and small packages named as
real ones are: a Swiss French Delta, an international Snapshot shaped like Snowstorm's
SnomedCT_InternationalRF2_PRODUCTION_20250701T120000Z.zip, a patient-friendly-only Delta.
"""
from __future__ import annotations

import shutil
import uuid
import zipfile
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from exports.release import create_release
from review_queue.models import Concept, Ingest, PatientTerm, ReviewItem
from review_queue.store import NothingForHelder, OlderRelease, ingest_release
from terms import config as C
from terms.rf2 import read_release
from terms.sample import sample_path
from terms.sctid import make

runner = CliRunner()


def helder(*args: str, code: int = 0):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"helder {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result


def _count(factory, model, *where) -> int:
    with factory() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _store_state(factory) -> tuple:
    with factory() as s:
        concepts = s.execute(select(Concept.id, Concept.active, Concept.term_nl).order_by(Concept.id)).all()
        terms = s.execute(select(PatientTerm.concept_id, PatientTerm.term, PatientTerm.active)
                          .order_by(PatientTerm.id)).all()
        ingests = s.execute(select(Ingest.effective_time).order_by(Ingest.id)).scalars().all()
    return concepts, terms, ingests


def _member(refset, description, active=True, effective="20260930", acceptability=C.PREFERRED):
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{refset}|{description}")), "effectiveTime": effective,
            "active": active, "moduleId": C.PATIENT_FRIENDLY_MODULE, "refsetId": refset,
            "referencedComponentId": description, "acceptabilityId": acceptability}


def _description(did, concept, term, module=C.PATIENT_FRIENDLY_MODULE, language="nl", active=True,
                 effective="20260930", type_id=C.SYNONYM):
    return {"id": did, "effectiveTime": effective, "active": active, "moduleId": module, "conceptId": concept,
            "languageCode": language, "typeId": type_id, "term": term, "caseSignificanceId": C.CASE_INSENSITIVE}


# ---------------------------------------------------------------- order (point 3)


def test_an_older_release_after_a_newer_one_is_refused_naming_both_dates(helder_env, store):
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    helder("ingest", str(sample_path("delta")))
    before = _store_state(factory)
    result = helder("ingest", str(sample_path("snapshot")), code=1)
    message = result.output.strip()
    assert message.count("\n") == 0 and "20250930" in message and "20260331" in message and "--allow-older" in message
    assert "release 20250930 is ouder dan release 20260331, die al is ingelezen" in message
    assert _store_state(factory) == before  # nothing rolled back
    with pytest.raises(OlderRelease):
        ingest_release(factory, read_release(sample_path("snapshot")), sample_path("snapshot"))
    # Asked for explicitly, it goes in.
    helder("ingest", "--allow-older", str(sample_path("snapshot")))
    assert _count(factory, Ingest) == 3


def test_the_same_release_again_is_not_older(helder_env, store):
    helder("ingest", str(sample_path("snapshot")))
    helder("ingest", str(sample_path("snapshot")))


# ---------------------------------------------------------------- nothing for helder (point 2)


def _swiss_french_delta(root: Path, rf2_package) -> Path:
    ns = "1000195"
    concept = make(10, "10", ns)
    return rf2_package(root / "SnomedCT_ManagedServiceCH_PRODUCTION_CH1000195_20231207T120000Z", {
        "Delta/Terminology/sct2_Concept_Delta_CH1000195_20231207.txt": [
            {"id": concept, "effectiveTime": "20231207", "active": True, "moduleId": make(11, "10", ns),
             "definitionStatusId": "900000000000074008"}],
        "Delta/Terminology/sct2_Description_Delta-fr_CH1000195_20231207.txt": [
            _description(make(20, "11", ns), concept, "diabète sucré", module=make(11, "10", ns), language="fr",
                         effective="20231207")],
        "Delta/Refset/Language/der2_cRefset_LanguageDelta-fr_CH1000195_20231207.txt": [
            _member("2021000195106", make(20, "11", ns), effective="20231207")],
    })


def _international_snapshot_zip(root: Path, concept: str = "13995008", date: str = "20250701") -> Path:
    """The shape of Snowstorm's dummy international package: a concept, headers only elsewhere."""
    package = f"SnomedCT_InternationalRF2_PRODUCTION_{date}T120000Z"
    archive = root / f"{package}.zip"
    desc = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{package}/Readme_en_20250701.txt", "Readme")
        z.writestr(f"{package}/release_package_information.json", "{}")
        z.writestr(f"{package}/Snapshot/Terminology/sct2_Concept_Snapshot_INT_{date}.txt",
                   "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\r\n"
                   f"{concept}\t{date}\t0\t900000000000207008\t900000000000073002\r\n")
        z.writestr(f"{package}/Snapshot/Terminology/sct2_Description_Snapshot-en_INT_{date}.txt", desc)
        z.writestr(f"{package}/Snapshot/Terminology/sct2_TextDefinition_Snapshot-en_INT_{date}.txt", desc)
        z.writestr(f"{package}/Snapshot/Terminology/sct2_Relationship_Snapshot_INT_{date}.txt",
                   "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\trelationshipGroup\ttypeId\t"
                   "characteristicTypeId\tmodifierId\r\n")
    return archive


@pytest.mark.parametrize("which", ["swiss-french-delta", "international-snapshot"])
def test_a_release_with_nothing_for_helder_says_so_and_is_not_an_ingest(helder_env, store, rf2_package, which):
    _, factory = store
    path = (_swiss_french_delta(helder_env, rf2_package) if which == "swiss-french-delta"
            else _international_snapshot_zip(helder_env))
    result = helder("ingest", str(path), code=1)
    message = result.output.strip()
    assert message.count("\n") == 0
    assert "0 Nederlandse beschrijvingen (taal nl)" in message and "niets om voor te stellen" in message
    assert _count(factory, Ingest) == 0 and _count(factory, Concept) == 0
    assert "Laatst ingelezen: nog niets" in helder("status").output
    # After a Dutch release, the foreign one still does not pass as the last ingest, even when it
    # is newer and holds a concept helder knows (an international release inactivating it).
    helder("ingest", str(sample_path("snapshot")))
    helder("ingest", str(path), code=1)
    known = read_release(sample_path("snapshot")).concepts["id"][0]
    (helder_env / "newer").mkdir()
    newer = _international_snapshot_zip(helder_env / "newer", concept=known, date="20260701")
    assert "0 Nederlandse beschrijvingen" in helder("ingest", str(newer), code=1).output
    assert "Laatst ingelezen: Snapshot 20250930 uit " in helder("status").output
    with factory() as s:
        assert s.get(Concept, known).active


def test_a_delta_that_only_inactivates_known_concepts_is_ingested(helder_env, store, rf2_package):
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    concept = read_release(sample_path("snapshot")).concepts.row(0, named=True)
    path = rf2_package(helder_env / "SnomedCT_NL_20260930", {"sct2_Concept_Delta_NL1000146_20260930.txt": [
        {**concept, "effectiveTime": "20260930", "active": False}]})
    assert "1 concepten inactief geworden" in helder("ingest", str(path)).output


# ---------------------------------------------------------------- patient-friendly only (point 4)


def _pf_only_delta(root: Path, rf2_package, concept: str, term: str = "suikerziekte") -> Path:
    did = make(777, "11", "1000146")
    return rf2_package(root / "SnomedCT_PatientFriendlyNL_20260930", {
        "sct2_Description_Delta-nl_NL1000146_20260930.txt": [_description(did, concept, term)],
        "der2_cRefset_LanguageDelta-nl_NL1000146_20260930.txt": [_member(C.PATIENT_FRIENDLY_REFSET, did)],
    })


def test_a_patient_friendly_only_release_for_an_unknown_concept_names_the_concept(helder_env, store, rf2_package):
    _, factory = store
    unknown = make(4242, "10", "1000146")
    result = helder("ingest", str(_pf_only_delta(helder_env, rf2_package, unknown)), code=1)
    message = result.output.strip()
    assert message.count("\n") == 0 and unknown in message and "IntegrityError" not in message
    assert _count(factory, PatientTerm) == 0 and _count(factory, Ingest) == 0


def test_a_patient_friendly_only_release_for_a_known_concept_adds_its_term(helder_env, store, rf2_package):
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    release = read_release(sample_path("snapshot"))
    from terms.tm import tm_from_release
    untranslated = release.concepts.join(tm_from_release(release), left_on="id", right_on="conceptId", how="anti")
    concept = untranslated["id"][0]
    out = helder("ingest", str(_pf_only_delta(helder_env, rf2_package, concept, "een nieuwe term"))).output
    assert "1 patiëntvriendelijke termen toegevoegd" in out
    assert _count(factory, PatientTerm, PatientTerm.concept_id == concept, PatientTerm.active) == 1


# ---------------------------------------------------------------- the summary (point 7)


def test_the_summary_says_what_a_delta_retired_and_withdrew(helder_env, store, rf2_package):
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    release = read_release(sample_path("snapshot"))
    pf = release.language_members.filter((pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET) & pl.col("active"))
    retired = pf.row(0, named=True)
    with factory() as s:
        translated = set(s.execute(select(PatientTerm.concept_id)).scalars())
    concept = release.concepts.filter(~pl.col("id").is_in(list(translated))).row(0, named=True)
    with factory() as s, s.begin():
        s.add(ReviewItem(concept_id=concept["id"], source_term="x", proposal="y", origin="lexicon", confidence=0.5,
                         flags=""))
    path = rf2_package(helder_env / "SnomedCT_NL_20260930", {
        "sct2_Concept_Delta_NL1000146_20260930.txt": [{**concept, "effectiveTime": "20260930", "active": False}],
        "der2_cRefset_LanguageDelta-nl_NL1000146_20260930.txt": [{**retired, "effectiveTime": "20260930",
                                                                  "active": False}],
    })
    out = helder("ingest", str(path)).output
    assert "1 buiten gebruik gesteld" in out and "1 open beoordelingsitems ingetrokken" in out
    assert "1 concepten inactief geworden" in out


def test_a_delta_that_inactivates_only_the_patient_friendly_description_retires_the_term(helder_env, store,
                                                                                         rf2_package):
    """The refset member stays active (the Delta does not carry it): the description alone says the term is gone."""
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    release = read_release(sample_path("snapshot"))
    pf = release.language_members.filter((pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET) & pl.col("active"))
    description = release.descriptions.filter(pl.col("id") == pf.row(0, named=True)["referencedComponentId"]) \
        .row(0, named=True)
    path = rf2_package(helder_env / "SnomedCT_NL_20260930", {
        "sct2_Description_Delta-nl_NL1000146_20260930.txt": [{**description, "effectiveTime": "20260930",
                                                              "active": False}],
    })
    out = helder("ingest", str(path)).output
    assert "1 buiten gebruik gesteld" in out
    assert _count(factory, PatientTerm, PatientTerm.description_id == description["id"], PatientTerm.active) == 0


# ---------------------------------------------------------------- untrusted text (point 5)


def test_quarantined_rows_are_named_with_file_and_line_and_exports_keep_working(helder_env, store, rf2_package):
    _, factory = store
    helder("ingest", str(sample_path("snapshot")))
    release = read_release(sample_path("snapshot"))
    from terms.tm import tm_from_release
    untranslated = release.concepts.join(tm_from_release(release), left_on="id", right_on="conceptId", how="anti")
    a, b, c = untranslated["id"][:3]
    long_term, long_expl, sep_term = make(801, "11", "1000146"), make(802, "11", "1000146"), make(803, "11", "1000146")
    expl_id = make(804, "11", "1000146")
    path = rf2_package(helder_env / "SnomedCT_NL_20260930", {
        "sct2_Description_Delta-nl_NL1000146_20260930.txt": [
            _description(long_term, a, "x" * 404), _description(long_expl, b, "goede term"),
            _description(sep_term, c, "suiker\u2028ziekte")],
        "sct2_TextDefinition_Delta-nl_NL1000146_20260930.txt": [
            _description(expl_id, b, "Uitleg " + "lang " * 1080, type_id=C.DEFINITION)],
        "der2_cRefset_LanguageDelta-nl_NL1000146_20260930.txt": [
            _member(C.PATIENT_FRIENDLY_REFSET, d) for d in (long_term, long_expl, sep_term)],
    })
    out = helder("ingest", str(path)).output
    assert "3 regels in quarantaine" in out and "sct2_Description_Delta-nl_NL1000146_20260930.txt:2:" in out
    with factory() as s:
        (counts,) = s.execute(select(Ingest.counts).order_by(Ingest.id.desc()).limit(1)).scalars()
        terms = set(s.execute(select(PatientTerm.term).where(PatientTerm.active)).scalars())
    assert counts["quarantined"] == 3
    assert {(q["line"], q["id"]) for q in counts["quarantine"]} == {(2, long_term), (4, sep_term), (2, expl_id)}
    assert "goede term" in terms and "x" * 404 not in terms and "suiker\u2028ziekte" not in terms
    release_dir = create_release(factory, root=helder_env / "releases")
    assert (release_dir / "manifest.json").is_file()


def test_a_snapshot_and_a_newer_delta_in_one_folder_are_refused_naming_both(helder_env, store, rf2_package):
    """Reading only the Snapshot would drop the Delta's changes without a word."""
    _, factory = store
    release = read_release(sample_path("snapshot"))
    root = helder_env / "two-releases"
    shutil.copytree(sample_path("snapshot"), root / "snapshot")
    concept = release.concepts.row(0, named=True)
    rf2_package(root / "delta", {
        "sct2_Concept_Delta_NL1000146_20260331.txt": [{**concept, "effectiveTime": "20260331", "active": False}],
    })
    message = helder("ingest", str(root), code=1).output.strip()
    assert message.count("\n") == 0 and "Snapshot van 20250930" in message and "Delta van 20260331" in message
    assert "twee releases op één plek" in message
    assert _count(factory, Concept) == 0
    out = helder("ingest", str(root), "--kind", "snapshot").output
    assert "Snapshot 20250930 ingelezen uit " in out
