"""Ingest fills the hierarchy from a release's relationship files (issue 13, point 14).

Real RF2 packages (rf2_package: files named and written as releases are), real databases (the
`store` fixture: a SQLite file and a fresh PostgreSQL database), the real web app. A small Dutch
edition: acute appendicitis IS-A appendicitis and IS-A acute ontsteking; appendicitis IS-A
disease (64572001, an international concept helder does not hold); a finding site (not IS-A).
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

import review_queue.store as store_module
from cli import app
from review_queue.models import Concept, ConceptParent, Ingest, ReviewItem, Suggestion
from review_queue.store import ingest_release
from review_queue.web.app import create_app
from terms import config as C
from terms.rf2 import IS_A, read_release
from terms.sctid import make

NS = "1000146"
APPENDICITIS, ACUTE_INFLAMMATION, ACUTE_APPENDICITIS = make(101, "10", NS), make(102, "10", NS), make(103, "10", NS)
DISEASE, APPENDIX_STRUCTURE = "64572001", "66754008"  # international: not in the store
FINDING_SITE = "363698007"
TERMS = {APPENDICITIS: "appendicitis", ACUTE_INFLAMMATION: "acute ontsteking", ACUTE_APPENDICITIS: "acute appendicitis"}
SNAPSHOT, DELTA = "20250930", "20260331"
PACKAGE = "SnomedCT_ManagedServiceNL_PRODUCTION_NL1000146_{date}T120000Z"


def _concept(cid, date=SNAPSHOT, active=True):
    return {"id": cid, "effectiveTime": date, "active": active, "moduleId": C.NL_MODULE,
            "definitionStatusId": "900000000000074008"}


def _term_rows(date=SNAPSHOT):
    descriptions, members = [], []
    for i, (cid, term) in enumerate(TERMS.items(), start=1):
        did = make(200 + i, "11", NS)
        descriptions.append({"id": did, "effectiveTime": date, "active": True, "moduleId": C.NL_MODULE,
                             "conceptId": cid, "languageCode": "nl", "typeId": C.SYNONYM, "term": term,
                             "caseSignificanceId": C.CASE_INSENSITIVE})
        members.append({"id": str(uuid.uuid5(uuid.NAMESPACE_URL, did)), "effectiveTime": date, "active": True,
                        "moduleId": C.NL_MODULE, "refsetId": C.NL_LANGUAGE_REFSET, "referencedComponentId": did,
                        "acceptabilityId": C.PREFERRED})
    return descriptions, members


def rel(item, source, destination, type_id=IS_A, active=True, date=SNAPSHOT, stated=False):
    return {"id": make(item, "12", NS), "effectiveTime": date, "active": active, "moduleId": C.NL_MODULE,
            "sourceId": source, "destinationId": destination, "relationshipGroup": "0", "typeId": type_id,
            "characteristicTypeId": "900000000000010007" if stated else "900000000000011006",
            "modifierId": "900000000000451002"}


INFERRED_ROWS = [
    rel(1, ACUTE_APPENDICITIS, APPENDICITIS),
    rel(2, ACUTE_APPENDICITIS, ACUTE_INFLAMMATION),
    rel(3, APPENDICITIS, DISEASE),
    rel(4, ACUTE_APPENDICITIS, APPENDIX_STRUCTURE, type_id=FINDING_SITE),
    rel(5, ACUTE_APPENDICITIS, DISEASE, active=False),  # an IS-A retired before this release
]


def snapshot(root, rf2_package, inferred=INFERRED_ROWS, stated=None):
    descriptions, members = _term_rows()
    files = {
        f"Snapshot/Terminology/sct2_Concept_Snapshot_NL1000146_{SNAPSHOT}.txt": [_concept(c) for c in TERMS],
        f"Snapshot/Terminology/sct2_Description_Snapshot-nl_NL1000146_{SNAPSHOT}.txt": descriptions,
        f"Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nl_NL1000146_{SNAPSHOT}.txt": members,
    }
    if inferred is not None:
        files[f"Snapshot/Terminology/sct2_Relationship_Snapshot_NL1000146_{SNAPSHOT}.txt"] = inferred
    if stated is not None:
        files[f"Snapshot/Terminology/sct2_StatedRelationship_Snapshot_NL1000146_{SNAPSHOT}.txt"] = stated
    return rf2_package(root / PACKAGE.format(date=SNAPSHOT), files)


def delta(root, rf2_package, relationships):
    """A Dutch Delta: acute appendicitis's concept row again (its definition changed) and relationship rows."""
    return rf2_package(root / PACKAGE.format(date=DELTA), {
        f"Delta/Terminology/sct2_Concept_Delta_NL1000146_{DELTA}.txt": [_concept(ACUTE_APPENDICITIS, DELTA)],
        f"Delta/Terminology/sct2_Description_Delta-nl_NL1000146_{DELTA}.txt": [],
        f"Delta/Terminology/sct2_Relationship_Delta_NL1000146_{DELTA}.txt": relationships,
    })


def parents(factory) -> set[tuple[str, str]]:
    with factory() as s:
        return {tuple(r) for r in s.execute(select(ConceptParent.concept_id, ConceptParent.parent_id))}


def ingest(factory, path):
    return ingest_release(factory, read_release(path), path)


def test_ingesting_a_snapshot_stores_the_active_is_a_parents(tmp_path, store, rf2_package):
    _, factory = store
    report = ingest(factory, snapshot(tmp_path, rf2_package))
    assert parents(factory) == {(ACUTE_APPENDICITIS, APPENDICITIS), (ACUTE_APPENDICITIS, ACUTE_INFLAMMATION),
                                (APPENDICITIS, DISEASE)}
    assert (report.relationships, report.parents_added, report.parents_removed) == (4, 3, 0)
    assert "3 ouderkoppelingen toegevoegd, 0 verwijderd" in report.summary()
    with factory() as s:
        assert s.execute(select(Ingest.counts)).scalar_one()["parents_added"] == 3


def test_a_relationship_of_another_type_is_no_parent(tmp_path, store, rf2_package):
    _, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package, inferred=[rel(4, ACUTE_APPENDICITIS, APPENDIX_STRUCTURE,
                                                                  type_id=FINDING_SITE)]))
    assert parents(factory) == set()


def test_the_same_snapshot_again_changes_no_link(tmp_path, store, rf2_package):
    _, factory = store
    path = snapshot(tmp_path, rf2_package)
    ingest(factory, path)
    again = ingest(factory, path)
    assert (again.parents_added, again.parents_removed) == (0, 0) and len(parents(factory)) == 3


def test_a_delta_inactivating_an_is_a_row_removes_that_parent_and_only_that(tmp_path, store, rf2_package):
    _, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package))
    report = ingest(factory, delta(tmp_path, rf2_package, [rel(2, ACUTE_APPENDICITIS, ACUTE_INFLAMMATION,
                                                                active=False, date=DELTA)]))
    assert parents(factory) == {(ACUTE_APPENDICITIS, APPENDICITIS), (APPENDICITIS, DISEASE)}
    assert (report.parents_added, report.parents_removed) == (0, 1)
    assert "0 ouderkoppelingen toegevoegd, 1 verwijderd" in report.summary()


def test_a_delta_adding_a_parent_under_a_new_relationship_id_adds_it(tmp_path, store, rf2_package):
    _, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package))
    # Remodelled: the old row inactive, a new row for the same pair active — the link stays.
    ingest(factory, delta(tmp_path, rf2_package, [rel(1, ACUTE_APPENDICITIS, APPENDICITIS, active=False, date=DELTA),
                                                  rel(9, ACUTE_APPENDICITIS, APPENDICITIS, date=DELTA),
                                                  rel(10, ACUTE_INFLAMMATION, DISEASE, date=DELTA)]))
    assert parents(factory) == {(ACUTE_APPENDICITIS, APPENDICITIS), (ACUTE_APPENDICITIS, ACUTE_INFLAMMATION),
                                (APPENDICITIS, DISEASE), (ACUTE_INFLAMMATION, DISEASE)}


def test_a_release_without_relationship_files_leaves_the_parents_alone(tmp_path, store, rf2_package):
    _, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package))
    no_relationships = rf2_package(tmp_path / PACKAGE.format(date=DELTA), {
        f"Delta/Terminology/sct2_Concept_Delta_NL1000146_{DELTA}.txt": [_concept(ACUTE_APPENDICITIS, DELTA)]})
    report = ingest(factory, no_relationships)
    assert len(parents(factory)) == 3 and "ouderkoppelingen" not in report.summary()


def test_stated_relationships_are_used_only_when_the_release_has_no_inferred_file(tmp_path, store, rf2_package):
    _, factory = store
    stated = [rel(6, ACUTE_APPENDICITIS, DISEASE, stated=True)]
    ingest(factory, snapshot(tmp_path / "both", rf2_package, stated=stated))
    assert (ACUTE_APPENDICITIS, DISEASE) not in parents(factory)
    ingest(factory, snapshot(tmp_path / "stated", rf2_package, inferred=None, stated=stated))
    assert (ACUTE_APPENDICITIS, DISEASE) in parents(factory)


def test_a_malformed_relationship_row_is_refused_with_file_and_line_and_nothing_is_ingested(
        tmp_path, store, rf2_package, monkeypatch, db_url):
    _, factory = store
    path = snapshot(tmp_path, rf2_package)
    rel_file = next(path.rglob("sct2_Relationship_*"))
    lines = rel_file.read_bytes().split(b"\r\n")
    lines[3] = lines[3].replace(b"\t0\t" + IS_A.encode(), b"\t" + IS_A.encode())  # relationshipGroup lost
    rel_file.write_bytes(b"\r\n".join(lines))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELDER_DB_URL", db_url)
    result = CliRunner().invoke(app, ["ingest", str(path)], catch_exceptions=False)
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.count("\n") == 0
    assert f"sct2_Relationship_Snapshot_NL1000146_{SNAPSHOT}.txt:4: 10 velden gescheiden door tabs verwacht, 9 gevonden" in message
    with factory() as s:
        assert s.execute(select(func.count()).select_from(Concept)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Ingest)).scalar_one() == 0


@pytest.fixture
def item_for():
    def add(factory, concept_id):
        with factory() as s, s.begin():
            term = s.get(Concept, concept_id).term_nl
            item = ReviewItem(concept_id=concept_id, source_term=term, proposal=f"{term} (voorstel)",
                              origin="lexicon", confidence=0.9, flags="", semantic_tag="disorder")
            s.add(item)
            s.flush()
            s.add(Suggestion(item_id=item.id, concept_id=concept_id, text=item.proposal, origin="lexicon",
                             confidence=0.9, flags="", flag_details=[], similar=[], is_primary=True))
            return item.id
    return add


def test_the_item_page_shows_the_ingested_parents_with_their_dutch_terms(tmp_path, store, rf2_package, reviewers,
                                                                         web_login, item_for):
    _, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package))
    child, parent = item_for(factory, ACUTE_APPENDICITIS), item_for(factory, APPENDICITIS)
    client = web_login(create_app(factory, {"secret": "s"}), "anna", "wachtwoord-anna")
    page = client.get(f"/item/{child}").text
    assert f'<a href="/tm/{APPENDICITIS}">appendicitis</a>' in page
    assert f'<a href="/tm/{ACUTE_INFLAMMATION}">acute ontsteking</a>' in page
    assert APPENDIX_STRUCTURE not in page and f'href="/tm/{DISEASE}"' not in page
    api = client.get(f"/api/queue/{child}").json()["parents"]
    assert sorted((p["conceptId"], p["term"]) for p in api) == [(APPENDICITIS, "appendicitis"),
                                                                (ACUTE_INFLAMMATION, "acute ontsteking")]
    # A parent helder holds no term for is shown by its id.
    assert f'<a href="/tm/{DISEASE}">{DISEASE}</a>' in client.get(f"/item/{parent}").text


def test_a_first_bulk_load_of_parents_keeps_the_primary_key(tmp_path, store, rf2_package, monkeypatch):
    monkeypatch.setattr(store_module, "BULK_REBUILD", 1)  # PostgreSQL: COPY with the key dropped and put back
    engine, factory = store
    ingest(factory, snapshot(tmp_path, rf2_package))
    assert len(parents(factory)) == 3
    with engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(insert(ConceptParent.__table__), [{"concept_id": ACUTE_APPENDICITIS, "parent_id": APPENDICITIS}])
