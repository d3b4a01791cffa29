"""RF2 in a release: the file rules, one preferred per concept, ids, and Deltas over three releases."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

from exports.release import create_release
from review_queue.models import Description, MintedId, PatientTerm
from terms import config as C
from terms.sctid import is_valid, make

DESC_HEADER = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId"
LANG_HEADER = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
NAME = re.compile(
    r"^(sct2_(Description|TextDefinition)_|der2_cRefset_Language)(Full|Snapshot|Delta)-nl_NL1000146_(\d{8})\.txt$"
)
D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 15), date(2026, 11, 24)


def rows(path: Path) -> list[dict]:
    """A test-side look at one RF2 file: header + rows as dicts (the format checks are separate)."""
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:-1]]


def rf2_file(release: Path, kind: str, component: str) -> Path:
    (found,) = [p for p in (release / "rf2" / kind).iterdir() if component in p.name]
    return found


def by_id(path: Path) -> dict[str, dict]:
    return {r["id"]: r for r in rows(path)}


def test_files_are_utf8_without_bom_tab_separated_crlf_with_header_and_rf2_names(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", "Uw lichaam maakt te weinig insuline.")
    pf_terms.approve(factory, 2, "ziekte van Parkinson")
    pf_terms.approve(factory, 3, "hoge bloeddruk", "De druk in uw bloedvaten is te hoog; dat heet ‘hypertensie’.")
    release = create_release(factory, root=tmp_path / "releases", today=D3)
    files = sorted((release / "rf2").rglob("*.txt"))
    assert len(files) == 9  # three components × Full/Snapshot/Delta
    for path in files:
        assert NAME.match(path.name), path.name
        assert NAME.match(path.name).group(4) == "20261124"
        assert path.parent.name in path.name
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        assert raw.endswith(b"\r\n")
        assert raw.count(b"\n") == raw.count(b"\r\n")
        header = raw.split(b"\r\n", 1)[0].decode()
        assert header == (LANG_HEADER if "Language" in path.name else DESC_HEADER)
        width = header.count("\t")
        for line in raw.split(b"\r\n")[1:-1]:
            assert line.count(b"\t") == width
    snapshot = rows(rf2_file(release, "Snapshot", "Description"))
    assert {r["term"] for r in snapshot} == {"suikerziekte", "ziekte van Parkinson", "hoge bloeddruk"}
    for r in snapshot:
        assert (r["active"], r["moduleId"], r["languageCode"], r["typeId"]) == ("1", C.PATIENT_FRIENDLY_MODULE, "nl", C.SYNONYM)
    case = {r["term"]: r["caseSignificanceId"] for r in snapshot}
    assert case["suikerziekte"] == C.CASE_INSENSITIVE
    assert case["ziekte van Parkinson"] == C.INITIAL_CHAR_INSENSITIVE
    defs = rows(rf2_file(release, "Snapshot", "TextDefinition"))
    assert {r["typeId"] for r in defs} == {C.DEFINITION}
    assert any("‘hypertensie’" in r["term"] for r in defs)


def test_exactly_one_preferred_synonym_per_concept_others_acceptable(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    pf_terms.approve(factory, 1, "diabetes", preferred=False)
    pf_terms.approve(factory, 1, "suikerziekte", preferred=False)  # same text twice: published once
    pf_terms.approve(factory, 2, "nierstenen", preferred=False)  # no preferred term at all: promoted
    pf_terms.approve(factory, 3, "galstenen")
    release = create_release(factory, root=tmp_path / "releases", today=D3)
    desc = by_id(rf2_file(release, "Snapshot", "Description"))
    lang = rows(rf2_file(release, "Snapshot", "Language"))
    assert len(desc) == 4
    preferred: dict[str, list[str]] = {}
    for m in lang:
        assert m["refsetId"] == C.PATIENT_FRIENDLY_REFSET and m["active"] == "1"
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", m["id"])
        d = desc[m["referencedComponentId"]]
        if m["acceptabilityId"] == C.PREFERRED:
            preferred.setdefault(d["conceptId"], []).append(d["term"])
        else:
            assert m["acceptabilityId"] == C.ACCEPTABLE
    assert preferred == {
        pf_terms.concept(1): ["suikerziekte"], pf_terms.concept(2): ["nierstenen"], pf_terms.concept(3): ["galstenen"],
    }
    assert {m["referencedComponentId"] for m in lang} == set(desc)


def test_description_ids_are_minted_in_the_namespace_and_stored_on_the_term(store, tmp_path, pf_terms):
    _, factory = store
    first = pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker in uw bloed.")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=D3)
    desc = by_id(rf2_file(release, "Snapshot", "Description"))
    defs = by_id(rf2_file(release, "Snapshot", "TextDefinition"))
    for sctid in list(desc) + list(defs):
        assert is_valid(sctid)
        assert sctid[-10:-1] == "1000146" + "11"
    with factory() as s:
        pt = s.get(PatientTerm, first)
        minted = {m.sctid: m for m in s.execute(select(MintedId)).scalars()}
    assert desc[pt.description_id]["term"] == "suikerziekte"
    assert defs[pt.definition_id]["term"] == "Te veel suiker in uw bloed."
    assert set(minted) == set(desc) | set(defs)
    assert {m.purpose for m in minted.values()} == {"synonym", "definition"}
    assert minted[pt.description_id].concept_id == pf_terms.concept(1)


def test_minting_starts_past_every_known_item_and_never_reuses(store, tmp_path, pf_terms):
    _, factory = store
    with factory() as s, s.begin():
        s.execute(insert(MintedId), [{"sctid": make(500, "11", "1000146"), "namespace": "1000146", "partition": "11",
                                      "item": 500, "purpose": "synonym"}])
    pf_terms.approve(factory, 9, "iets", source="release", description_id=make(700, "11", "1000146"))
    pf_terms.approve(factory, 1, "suikerziekte")
    r1 = create_release(factory, root=tmp_path / "releases", today=D1)
    first_id = next(i for i, r in by_id(rf2_file(r1, "Snapshot", "Description")).items() if r["term"] == "suikerziekte")
    assert first_id == make(701, "11", "1000146")
    pf_terms.approve(factory, 1, "diabetes")
    pf_terms.withdraw(factory, 9)
    r2 = create_release(factory, root=tmp_path / "releases", today=D2)
    desc2 = by_id(rf2_file(r2, "Snapshot", "Description"))
    new_id = next(i for i, r in desc2.items() if r["term"] == "diabetes")
    assert new_id == make(702, "11", "1000146")
    assert desc2[first_id]["active"] == "0" and desc2[make(700, "11", "1000146")]["active"] == "0"
    with factory() as s:
        items = s.execute(select(MintedId.item).where(MintedId.namespace == "1000146")).scalars().all()
    assert sorted(items) == [500, 701, 702]


def test_the_same_approved_term_keeps_its_id_and_a_returning_term_gets_its_old_id_back(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    r1 = create_release(factory, root=tmp_path / "releases", today=D1)
    ids1 = {r["term"]: i for i, r in by_id(rf2_file(r1, "Snapshot", "Description")).items()}
    pf_terms.approve(factory, 1, "diabetes")
    pf_terms.approve(factory, 2, "hoge bloeddruk")  # re-approved unchanged after a stale re-review
    r2 = create_release(factory, root=tmp_path / "releases", today=D2)
    pf_terms.approve(factory, 1, "suikerziekte")  # back to the first wording
    r3 = create_release(factory, root=tmp_path / "releases", today=D3)
    snap3 = by_id(rf2_file(r3, "Snapshot", "Description"))
    ids3 = {r["term"]: i for i, r in snap3.items() if r["active"] == "1"}
    assert ids3["hoge bloeddruk"] == ids1["hoge bloeddruk"]
    assert ids3["suikerziekte"] == ids1["suikerziekte"]
    assert snap3[ids1["suikerziekte"]]["effectiveTime"] == "20261124"
    # The unchanged re-approval is not in release 2's Delta at all.
    assert {r["conceptId"] for r in rows(rf2_file(r2, "Delta", "Description"))} == {pf_terms.concept(1)}


def test_terms_from_an_ingested_release_keep_their_description_id(store, tmp_path, pf_terms):
    _, factory = store
    original = make(4242, "11", "1000146")
    pf_terms.approve(factory, 1, "suikerziekte", source="release", description_id=original)
    release = create_release(factory, root=tmp_path / "releases", today=D3)
    desc = by_id(rf2_file(release, "Snapshot", "Description"))
    assert list(desc) == [original]
    with factory() as s:
        assert s.execute(select(MintedId).where(MintedId.purpose == "synonym")).first() is None


def test_delta_over_three_releases_adds_changes_and_withdraws(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker in uw bloed.")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen", "Steentjes in uw nier.")
    r1 = create_release(factory, root=tmp_path / "releases", today=D1)
    d1 = rows(rf2_file(r1, "Delta", "Description"))
    assert {(r["term"], r["active"], r["effectiveTime"]) for r in d1} == {
        ("suikerziekte", "1", "20261101"), ("hoge bloeddruk", "1", "20261101"), ("nierstenen", "1", "20261101"),
    }
    ids1 = {r["term"]: r["id"] for r in d1}
    defs1 = {r["term"]: r["id"] for r in rows(rf2_file(r1, "Delta", "TextDefinition"))}

    # Release 2: one added, one term changed, one explanation changed.
    pf_terms.approve(factory, 4, "galstenen")
    pf_terms.approve(factory, 2, "te hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen", "Kleine steentjes in uw nier.")
    r2 = create_release(factory, root=tmp_path / "releases", today=D2)
    d2 = rows(rf2_file(r2, "Delta", "Description"))
    assert {(r["term"], r["active"]) for r in d2} == {("galstenen", "1"), ("te hoge bloeddruk", "1"), ("hoge bloeddruk", "0")}
    assert {r["effectiveTime"] for r in d2} == {"20261115"}
    assert next(r["id"] for r in d2 if r["term"] == "hoge bloeddruk") == ids1["hoge bloeddruk"]
    defs2 = rows(rf2_file(r2, "Delta", "TextDefinition"))
    assert {(r["term"], r["active"]) for r in defs2} == {("Kleine steentjes in uw nier.", "1"), ("Steentjes in uw nier.", "0")}
    assert next(r["id"] for r in defs2 if r["active"] == "0") == defs1["Steentjes in uw nier."]
    lang2 = rows(rf2_file(r2, "Delta", "Language"))
    assert {(r["referencedComponentId"], r["active"]) for r in lang2} == {
        (r["id"], r["active"]) for r in d2
    }

    # Release 3: an approval withdrawn, a concept inactivated, an acceptable synonym added.
    pf_terms.withdraw(factory, 1)
    pf_terms.inactivate(factory, 4)
    pf_terms.approve(factory, 3, "niersteen", preferred=False)
    r3 = create_release(factory, root=tmp_path / "releases", today=D3)
    d3 = rows(rf2_file(r3, "Delta", "Description"))
    assert {(r["term"], r["active"]) for r in d3} == {("suikerziekte", "0"), ("galstenen", "0"), ("niersteen", "1")}
    assert next(r["id"] for r in d3 if r["term"] == "suikerziekte") == ids1["suikerziekte"]
    defs3 = rows(rf2_file(r3, "Delta", "TextDefinition"))
    assert {(r["term"], r["active"]) for r in defs3} == {("Te veel suiker in uw bloed.", "0")}
    lang3 = {r["referencedComponentId"]: r for r in rows(rf2_file(r3, "Delta", "Language"))}
    niersteen = next(r["id"] for r in d3 if r["term"] == "niersteen")
    assert lang3[niersteen]["acceptabilityId"] == C.ACCEPTABLE and lang3[niersteen]["active"] == "1"
    assert lang3[ids1["suikerziekte"]]["active"] == "0"

    # Full = every Delta so far; Snapshot = the newest row per id of Full.
    full = rows(rf2_file(r3, "Full", "Description"))
    assert sorted(map(str, full)) == sorted(map(str, d1 + d2 + d3))
    newest: dict[str, dict] = {}
    for r in sorted(full, key=lambda r: r["effectiveTime"]):
        newest[r["id"]] = r
    assert sorted(map(str, rows(rf2_file(r3, "Snapshot", "Description")))) == sorted(map(str, newest.values()))
    full_lang = rows(rf2_file(r3, "Full", "Language"))
    assert len({(r["id"], r["effectiveTime"]) for r in full_lang}) == len(full_lang)
    # A member keeps its UUID across releases.
    assert {r["id"] for r in lang3.values()} <= {r["id"] for r in full_lang}
    assert lang3[ids1["suikerziekte"]]["id"] == next(
        r["id"] for r in rows(rf2_file(r1, "Delta", "Language")) if r["referencedComponentId"] == ids1["suikerziekte"]
    )


def test_a_stale_term_leaves_the_release_until_it_is_reviewed_again(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    pt2 = pf_terms.approve(factory, 2, "hoge bloeddruk")
    r1 = create_release(factory, root=tmp_path / "releases", today=D1)
    with factory() as s, s.begin():
        s.get(PatientTerm, pt2).stale = True  # what ingest does when the Dutch clinical term changed
    r2 = create_release(factory, root=tmp_path / "releases", today=D2)
    d2 = rows(rf2_file(r2, "Delta", "Description"))
    assert [(r["term"], r["active"]) for r in d2] == [("hoge bloeddruk", "0")]
    r3 = create_release(factory, root=tmp_path / "releases", today=D3, config={"export": {"publish_stale": True}})
    d3 = rows(rf2_file(r3, "Delta", "Description"))
    assert [(r["term"], r["active"]) for r in d3] == [("hoge bloeddruk", "1")]
    assert d3[0]["id"] in by_id(rf2_file(r1, "Snapshot", "Description"))  # back with its old id


def test_minting_sees_description_ids_already_in_the_namespace(store, tmp_path, pf_terms):
    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    with factory() as s, s.begin():
        s.add(Description(id=make(9000, "11", "1000146"), concept_id=pf_terms.concept(1), language_code="nl",
                          type_id=C.SYNONYM, term="diabetes mellitus", active=True, effective_time="20260101",
                          module_id=C.NL_MODULE, case_significance_id=C.CASE_INSENSITIVE))
    release = create_release(factory, root=tmp_path / "releases", today=D3)
    (only,) = by_id(rf2_file(release, "Snapshot", "Description"))
    assert only == make(9001, "11", "1000146")


def test_a_term_edited_in_place_still_gets_a_new_description(store, tmp_path, pf_terms):
    _, factory = store
    pt = pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker.")
    r1 = create_release(factory, root=tmp_path / "releases", today=D1)
    with factory() as s, s.begin():  # a repair script that rewrites text instead of adding a row
        row = s.get(PatientTerm, pt)
        row.term, row.explanation = "diabetes", "Te veel suiker in uw bloed."
    r2 = create_release(factory, root=tmp_path / "releases", today=D2)
    old = by_id(rf2_file(r1, "Snapshot", "Description"))
    d2 = rows(rf2_file(r2, "Delta", "Description"))
    assert {(r["term"], r["active"], r["id"] in old) for r in d2} == {("suikerziekte", "0", True), ("diabetes", "1", False)}
    assert {(r["term"], r["active"]) for r in rows(rf2_file(r2, "Delta", "TextDefinition"))} == {
        ("Te veel suiker.", "0"), ("Te veel suiker in uw bloed.", "1")}


def test_member_ids_are_rfc4122_name_based_uuids():
    import uuid

    from exports.rf2 import MEMBER_NAMESPACE, member_ids

    ids = [make(i, "11", "1000146") for i in range(1, 200)]
    got = member_ids(C.PATIENT_FRIENDLY_REFSET, ids)
    assert got == [str(uuid.uuid5(MEMBER_NAMESPACE, f"{C.PATIENT_FRIENDLY_REFSET}|{d}")) for d in ids]
    assert all(uuid.UUID(g).version == 5 for g in got) and len(set(got)) == len(ids)
