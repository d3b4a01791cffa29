"""FHIR in a release: the CodeSystem supplement and ValueSet pass the independent R4B parser."""
from __future__ import annotations

import json
from datetime import date

from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.valueset import ValueSet

from exports.release import create_release
from review_queue.models import Ingest
from terms import config as C

TODAY = date(2026, 11, 24)
PATFR = "nl-NL-x-patfr"


def fhir_files(release):
    (cs,) = (release / "fhir").glob("CodeSystem-*.json")
    (vs,) = (release / "fhir").glob("ValueSet-*.json")
    return cs, vs


def test_codesystem_is_a_valid_r4_supplement_of_the_ingested_snomed_edition(store, tmp_path, pf_terms):
    _, factory = store
    with factory() as s, s.begin():
        s.add(Ingest(path="x", kind="Snapshot", effective_time="20260930"))
        s.add(Ingest(path="y", kind="Delta", effective_time="20261031"))
    pf_terms.approve(factory, 1, "suikerziekte", "Uw lichaam maakt te weinig insuline.")
    pf_terms.approve(factory, 1, "diabetes", preferred=False)
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    cs_path, _ = fhir_files(release)
    assert cs_path.name == "CodeSystem-helder-patient-friendly-nl-2026-11-24.json"
    raw = json.loads(cs_path.read_text(encoding="utf-8"))
    cs = CodeSystem.model_validate(raw)
    assert cs.content == "supplement" and cs.status == "active" and cs.version == "2026-11-24"
    assert cs.supplements == "http://snomed.info/sct|http://snomed.info/sct/11000146104/version/20261031"
    assert cs.count == 2 and len(cs.concept) == 2
    concepts = {c.code: c for c in cs.concept}
    diabetes = concepts[pf_terms.concept(1)]
    assert diabetes.display == "suikerziekte"
    by_use = {(d.use.system, d.use.code): d for d in diabetes.designation}
    assert all(d.language == PATFR for d in diabetes.designation)
    assert by_use[("http://terminology.hl7.org/CodeSystem/designation-usage", "display")].value == "suikerziekte"
    assert by_use[("http://snomed.info/sct", C.SYNONYM)].value == "diabetes"
    assert by_use[("http://snomed.info/sct", C.DEFINITION)].value == "Uw lichaam maakt te weinig insuline."
    bp = concepts[pf_terms.concept(2)]
    assert [d.use.code for d in bp.designation] == ["display"]  # no explanation, no definition designation


def test_valueset_is_valid_r4_and_lists_the_same_codes(store, tmp_path, pf_terms):
    _, factory = store
    for i, term in enumerate(["suikerziekte", "hoge bloeddruk", "nierstenen"]):
        pf_terms.approve(factory, i, term)
    pf_terms.approve(factory, 0, "diabetes", preferred=False)
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    cs_path, vs_path = fhir_files(release)
    cs = CodeSystem.model_validate_json(cs_path.read_bytes())
    vs = ValueSet.model_validate_json(vs_path.read_bytes())
    assert vs.status == "active" and vs.version == "2026-11-24"
    (include,) = vs.compose.include
    assert include.system == "http://snomed.info/sct"
    assert include.version == "http://snomed.info/sct/11000146104"  # nothing ingested: the edition without version
    assert [(c.code, c.display) for c in include.concept] == [(c.code, c.display) for c in cs.concept]
    assert vs.extension[0].valueCanonical == f"{cs.url}|{cs.version}"


def test_terms_with_quotes_backslashes_and_accents_survive_json(store, tmp_path, pf_terms):
    _, factory = store
    tricky = 'ziekte van "Ménière" \\ oorsuizen – één kant 🙂'
    explanation = "Een ‘aandoening’ van het binnenoor: draaiduizeligheid, {oorsuizen} en / of gehoorverlies."
    pf_terms.approve(factory, 1, tricky, explanation)
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    cs_path, vs_path = fhir_files(release)
    cs = CodeSystem.model_validate_json(cs_path.read_bytes())
    (concept,) = cs.concept
    assert concept.display == tricky
    assert {d.value for d in concept.designation} == {tricky, explanation}
    vs = json.loads(vs_path.read_text(encoding="utf-8"))
    assert vs["compose"]["include"][0]["concept"][0]["display"] == tricky


def test_an_empty_release_still_has_valid_fhir(store, tmp_path):
    _, factory = store
    release = create_release(factory, root=tmp_path / "releases", today=TODAY)
    cs_path, vs_path = fhir_files(release)
    raw = json.loads(cs_path.read_text(encoding="utf-8"))
    assert "concept" not in raw and raw["count"] == 0
    CodeSystem.model_validate(raw)
    vs = ValueSet.model_validate_json(vs_path.read_bytes())
    # An include without concepts would mean all of SNOMED CT: an empty release has an empty expansion.
    assert vs.compose is None and vs.expansion.total == 0
