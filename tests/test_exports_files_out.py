"""Releases vendors can trust (issue 12, points 13, 14 and 15): every release its own
effectiveTime so published rows never change, $lookup as FHIR and BCP 47 say, notes that render
a term as the text it is."""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from exports.api import make_router, wants_patient_friendly
from exports.release import create_release, next_effective_time
from exports.tokens import create_token
from review_queue.models import Ingest, PatientTerm
from terms.rf2 import read_release

SNOMED = "http://snomed.info/sct"
DAY = date(2026, 11, 30)


def _rows(release: Path, kind: str, component: str = "Description") -> pl.DataFrame:
    folder = release / "rf2" / kind
    path = next(folder.glob(f"*_{component}{'' if component == 'Language' else '_'}*"))
    return pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False)


# ---------------------------------------------------------------- point 13


def test_two_releases_on_one_day_get_their_own_effective_times(store, tmp_path, pf_terms):
    _, factory = store
    root = tmp_path / "releases"
    pf_terms.approve(factory, 1, "suikerziekte", "Te veel suiker in uw bloed.")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    first = create_release(factory, root=root, today=DAY)
    pf_terms.approve(factory, 2, "te hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen")
    second = create_release(factory, root=root, today=DAY)
    pf_terms.approve(factory, 3, "niersteen")
    third = create_release(factory, root=root, today=DAY)
    effective = [json.loads((r / "manifest.json").read_text())["effectiveTime"] for r in (first, second, third)]
    assert [r.name for r in (first, second, third)] == ["2026-11-30", "2026-11-30.2", "2026-11-30.3"]
    assert effective == ["20261130", "20261201", "20261202"]
    assert all(p.name.endswith(f"_{effective[1]}.txt") for p in (second / "rf2").rglob("*.txt"))
    # What a vendor loaded from the first release is still there, row for row, in the later Fulls.
    for component in ("Description", "TextDefinition", "Language"):
        before = _rows(first, "Full", component)
        for later in (second, third):
            after = _rows(later, "Full", component)
            assert before.join(after, on=list(before.columns), how="anti").is_empty(), (component, later.name)
            assert after.select("id", "effectiveTime").is_duplicated().sum() == 0
            assert after.height > before.height or component == "TextDefinition"
    # The Delta of the second release is dated after the first: a server that loaded 20261130 takes it.
    delta = _rows(second, "Delta")
    assert set(delta["effectiveTime"]) == {"20261201"} and delta.height >= 3
    # The release reads back as RF2 (helder's own reader), Full and Snapshot alike.
    assert read_release(second / "rf2" / "Full").effective_time == "20261201"


def test_a_release_on_a_later_day_keeps_its_own_date():
    assert next_effective_time("2026-12-05", "20261201") == "20261205"
    assert next_effective_time("2026-11-30.2", "20261130") == "20261201"
    assert next_effective_time("2026-12-31", "20261231") == "20270101"
    assert next_effective_time("2026-11-30", None) == "20261130"


# ---------------------------------------------------------------- point 14


@pytest.fixture
def lookup(store, tmp_path, pf_terms):
    _, factory = store
    root = tmp_path / "releases"
    with factory() as s, s.begin():
        s.add(Ingest(path="SnomedCT_NL_20260930", kind="Snapshot", effective_time="20260930", counts={}))
    pf_terms.approve(factory, 1, "suikerziekte", "Uw lichaam maakt te weinig insuline.", clinical="diabetes mellitus")
    create_release(factory, root=root, today=date(2026, 11, 1))
    with factory() as s, s.begin():
        s.add(Ingest(path="SnomedCT_NL_20261031", kind="Delta", effective_time="20261031", counts={}))
    pf_terms.approve(factory, 1, "suikerziekte (type 2)")
    create_release(factory, root=root, today=date(2026, 11, 24))
    app = FastAPI()
    app.include_router(make_router(factory, root))
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {create_token(factory, 'PGO')}"

    def get(headers=None, **params):
        return client.get("/fhir/CodeSystem/$lookup", params={"system": SNOMED, "code": pf_terms.concept(1), **params},
                          headers=headers or {})
    return get


def _param(body: dict, name: str):
    return next(p for p in body["parameter"] if p["name"] == name)["valueString"]


@pytest.mark.parametrize("tag", ["nl-NL-x-patfr", "nl-nl-x-patfr", "NL-NL-X-PATFR", "nl-NL-X-Patfr"])
def test_display_language_compares_case_insensitively(lookup, tag):
    r = lookup(displayLanguage=tag)
    assert r.status_code == 200 and _param(r.json(), "display") == "suikerziekte (type 2)"
    assert r.headers["content-language"] == "nl-NL-x-patfr"


@pytest.mark.parametrize("header,patient_friendly", [
    ("nl-NL-x-patfr", True), ("nl-nl-x-patfr", True), ("nl-NL-x-patfr, nl-NL;q=0.8", True),
    ("en-GB, nl-NL-x-patfr;q=0.5", True), ("nl-NL, nl-NL-x-patfr;q=0.5", False), ("nl", False),
    ("nl-NL-x-patfr;q=0, nl", False), ("*", False), ("", False),
])
def test_accept_language_is_honoured_when_display_language_is_absent(lookup, header, patient_friendly):
    r = lookup(headers={"Accept-Language": header})
    expected = "suikerziekte (type 2)" if patient_friendly else "diabetes mellitus"
    assert _param(r.json(), "display") == expected
    assert "Accept-Language" in r.headers["vary"]
    assert wants_patient_friendly(None, header) is patient_friendly


def test_display_language_wins_over_accept_language(lookup):
    r = lookup(displayLanguage="nl-NL", headers={"Accept-Language": "nl-NL-x-patfr"})
    assert _param(r.json(), "display") == "diabetes mellitus"


def test_version_is_the_edition_version_uri_and_a_version_input_is_honoured(lookup):
    latest = lookup().json()
    assert _param(latest, "version") == "http://snomed.info/sct/11000146104/version/20261031"
    older = lookup(version="http://snomed.info/sct/11000146104/version/20260930", displayLanguage="nl-NL-x-patfr")
    assert older.status_code == 200
    assert _param(older.json(), "version") == "http://snomed.info/sct/11000146104/version/20260930"
    assert _param(older.json(), "display") == "suikerziekte"  # as that release published it
    edition = lookup(version="http://snomed.info/sct/11000146104")
    assert _param(edition.json(), "version") == "http://snomed.info/sct/11000146104/version/20261031"


@pytest.mark.parametrize("version,status", [
    ("http://snomed.info/sct/11000146104/version/20200131", 404),  # an edition helder published nothing for
    ("http://snomed.info/sct/900000000000207008/version/20261031", 404),  # another edition
    ("2026-11-24", 400), ("20261031", 400), ("http://snomed.info/sct/11000146104/version/latest", 400),
])
def test_a_version_helder_cannot_answer_is_refused_as_an_operation_outcome(lookup, version, status):
    r = lookup(version=version)
    assert r.status_code == status and r.json()["resourceType"] == "OperationOutcome"
    assert version in r.json()["issue"][0]["diagnostics"]


# ---------------------------------------------------------------- point 15


def test_release_notes_render_terms_as_text(store, tmp_path, pf_terms):
    from markdown_it import MarkdownIt

    _, factory = store
    root = tmp_path / "releases"
    pf_terms.approve(factory, 1, "suikerziekte")
    create_release(factory, root=root, today=DAY)
    # Terms as they may sit in a store from before the term rules (a direct edit, an old import).
    nasty = ["**vet** en _schuin_", "[klik](http://evil.example)", "<img src=x onerror=alert(1)>",
             "`code` | pijp", "![beeld](x.png)"]
    for i, term in enumerate(nasty, start=2):
        pf_terms.approve(factory, i, "tijdelijk")
        with factory() as s, s.begin():
            s.execute(update(PatientTerm).where(PatientTerm.concept_id == pf_terms.concept(i), PatientTerm.active)
                      .values(term=term.replace("<img src=x onerror=alert(1)>", "img&lt;x&gt;")))
    second = create_release(factory, root=root, today=DAY)
    notes = (second / "RELEASE-NOTES.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(notes)
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert cells and not [c for c in cells if "<" in c]  # no element inside any cell: terms are text
    texts = set(cells)
    assert {"**vet** en _schuin_", "[klik](http://evil.example)", "`code` | pijp", "![beeld](x.png)"} <= texts
    assert any("bevat opmaak (&amp;lt;)" in c for c in cells)  # left out (markup), its reason shown as text


def test_a_stored_concept_id_that_is_no_sctid_is_left_out_never_published(store, tmp_path, pf_terms):
    """A TM import from before the SCTID rules could store 450229981000132100 (Excel's copy of
    450229981000132104); no RF2 reader would load it, so it is not published, and said so."""
    from review_queue.models import Concept

    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte")
    with factory() as s, s.begin():
        s.add(Concept(id="450229981000132100", active=True, effective_time="", module_id="", term_nl="x"))
        s.flush()
        s.add(PatientTerm(concept_id="450229981000132100", term="hoge bloeddruk", source="import", preferred=True,
                          active=True))
    release = create_release(factory, root=tmp_path / "releases", today=DAY)
    published = pl.read_csv(release / "csv" / "patient-friendly-terms.csv", infer_schema=False)["conceptId"]
    assert published.to_list() == [pf_terms.concept(1)]
    (left,) = json.loads((release / "manifest.json").read_text())["leftOut"]
    assert left["conceptId"] == "450229981000132100" and "controlecijfer" in left["reason"]
    assert read_release(release / "rf2" / "Snapshot").descriptions.height == 1
