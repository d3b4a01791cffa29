"""The vendor download API: tokens, caching headers, errors, zips and FHIR $lookup."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.parameters import Parameters
from sqlalchemy import select

from exports.api import make_router
from exports.release import create_release
from exports.tokens import TokenError, create_token, hash_token, list_tokens, revoke_token, vendor_for
from review_queue.models import VendorToken
from terms import config as C

SNOMED = "http://snomed.info/sct"


def _ingested(factory, effective_time: str) -> None:
    """The store's record of an ingested SNOMED release (what a release's edition version comes from)."""
    from review_queue.models import Ingest

    with factory() as s, s.begin():
        s.add(Ingest(path=f"SnomedCT_NL_{effective_time}", kind="Delta", effective_time=effective_time, counts={}))


@pytest.fixture
def api(store, tmp_path, pf_terms):
    """Two releases (a change, an addition) on two SNOMED editions (20260930, 20261031), a vendor
    token, and a client on an app with the router."""
    _, factory = store
    root = tmp_path / "releases"
    _ingested(factory, "20260930")
    pf_terms.approve(factory, 1, "suikerziekte", "Uw lichaam maakt te weinig insuline.")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    create_release(factory, root=root, today=date(2026, 11, 1))
    _ingested(factory, "20261031")
    pf_terms.approve(factory, 2, "te hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen")
    pf_terms.approve(factory, 1, "diabetes", preferred=False)
    create_release(factory, root=root, today=date(2026, 11, 24))
    app = FastAPI()
    app.include_router(make_router(factory, root))
    token = create_token(factory, "PGO Vendor B.V.")
    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token}"
    return client, factory, root, token


def test_without_a_token_every_endpoint_answers_401(api):
    client, *_ = api
    anonymous = TestClient(client.app)
    for url in ["/api/releases", "/api/releases/latest", "/api/releases/2026-11-24", "/api/releases/2026-11-24/rf2",
                f"/fhir/CodeSystem/$lookup?system={SNOMED}&code=123"]:
        r = anonymous.get(url)
        assert r.status_code == 401, url
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in anonymous.get("/api/releases").json()["detail"]
    assert anonymous.get("/api/releases", headers={"Authorization": "Basic dXNlcjpwdw=="}).status_code == 401
    assert anonymous.get("/api/releases", headers={"Authorization": "Bearer hld_made-up"}).status_code == 401


def test_a_revoked_token_answers_401(api):
    client, factory, _, token = api
    assert client.get("/api/releases").status_code == 200
    assert revoke_token(factory, vendor="PGO Vendor B.V.") == 1
    r = client.get("/api/releases")
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert vendor_for(factory, token) is None


def test_the_list_and_latest_manifest(api):
    client, *_ = api
    r = client.get("/api/releases")
    assert r.status_code == 200
    releases = r.json()["releases"]
    assert [x["version"] for x in releases] == ["2026-11-24", "2026-11-01"]
    assert releases[0]["previousVersion"] == "2026-11-01" and releases[0]["counts"]["changed"] == 1
    assert releases[0]["downloads"]["rf2"] == "/api/releases/2026-11-24/rf2"
    latest = client.get("/api/releases/latest")
    assert latest.json()["version"] == "2026-11-24"
    assert latest.headers["cache-control"] == "private, no-cache"
    pinned = client.get("/api/releases/2026-11-01")
    assert pinned.json()["version"] == "2026-11-01" and "immutable" in pinned.headers["cache-control"]


def test_etag_and_if_none_match_answer_304(api):
    client, *_ = api
    for url in ["/api/releases", "/api/releases/latest", "/api/releases/2026-11-01", "/api/releases/2026-11-24/csv"]:
        first = client.get(url)
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        other = client.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
    assert client.get("/api/releases/latest", headers={"If-None-Match": "*"}).status_code == 304


def test_a_new_release_changes_the_latest_etag(api):
    client, factory, root, _ = api
    before = client.get("/api/releases/latest").headers["etag"]
    create_release(factory, root=root, today=date(2026, 11, 24))
    after = client.get("/api/releases/latest", headers={"If-None-Match": before})
    assert after.status_code == 200 and after.json()["version"] == "2026-11-24.2"


def test_a_vendor_downloads_the_latest_release_and_its_delta(api):
    client, *_ = api
    manifest = client.get("/api/releases/latest").json()
    full = client.get("/api/releases/latest/rf2")
    assert full.status_code == 200 and full.headers["content-type"] == "application/zip"
    assert full.headers["etag"] == f'"{manifest["downloads"]["rf2"]["sha256"]}"'
    assert hashlib.sha256(full.content).hexdigest() == manifest["downloads"]["rf2"]["sha256"]
    assert "helder-2026-11-24-rf2.zip" in full.headers["content-disposition"]
    hashes = {f["path"]: f["sha256"] for f in manifest["files"]}
    with zipfile.ZipFile(io.BytesIO(full.content)) as zf:
        names = [n for n in zf.namelist() if n.endswith(".txt")]
        assert {n.split("/")[2] for n in names} == {"Full", "Snapshot", "Delta"}
        for name in names:
            assert hashlib.sha256(zf.read(name)).hexdigest() == hashes[name.removeprefix("2026-11-24/")]
    delta = client.get("/api/releases/2026-11-24/rf2-delta")
    with zipfile.ZipFile(io.BytesIO(delta.content)) as zf:
        files = {n.rsplit("/", 1)[-1]: zf.read(n) for n in zf.namelist() if n.endswith(".txt")}
    assert all("Delta" in n for n in files)
    desc = next(v for k, v in files.items() if k.startswith("sct2_Description")).decode().split("\r\n")[1:-1]
    changed = sorted((line.split("\t")[7], line.split("\t")[2]) for line in desc)
    assert changed == [("diabetes", "1"), ("hoge bloeddruk", "0"), ("nierstenen", "1"), ("te hoge bloeddruk", "1")]


def test_unknown_version_or_format_is_404_with_a_clear_message(api):
    client, *_ = api
    r = client.get("/api/releases/2030-01-01")
    assert r.status_code == 404 and "geen release '2030-01-01'" in r.json()["detail"]
    r = client.get("/api/releases/2030-01-01/rf2")
    assert r.status_code == 404 and "2030-01-01" in r.json()["detail"]
    r = client.get("/api/releases/2026-11-24/xlsx")
    assert r.status_code == 404
    assert r.json()["detail"] == "unknown format 'xlsx'; choose one of rf2, rf2-delta, fhir, csv, parquet"


def test_no_release_yet_is_404(store, tmp_path):
    _, factory = store
    app = FastAPI()
    app.include_router(make_router(factory, tmp_path))
    client = TestClient(app, headers={"Authorization": f"Bearer {create_token(factory, 'v')}"})
    r = client.get("/api/releases/latest")
    assert r.status_code == 404 and r.json()["detail"].startswith("er is nog geen release gemaakt")
    assert client.get("/api/releases").json() == {"releases": []}


def test_lookup_answers_fhir_parameters_with_the_patient_friendly_designations(api, pf_terms):
    client, *_ = api
    code = pf_terms.concept(1)
    r = client.get("/fhir/CodeSystem/$lookup", params={"system": SNOMED, "code": code})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    params = Parameters.model_validate(r.json())
    by_name = {}
    for p in params.parameter:
        by_name.setdefault(p.name, []).append(p)
    assert by_name["version"][0].valueString == "http://snomed.info/sct/11000146104/version/20261031"
    assert by_name["display"][0].valueString == "klinische term 1"
    designations = [{part.name: part for part in d.part} for d in by_name["designation"]]
    assert {d["language"].valueCode for d in designations} == {"nl-NL-x-patfr"}
    got = {(d["use"].valueCoding.code, d["value"].valueString) for d in designations}
    assert got == {("display", "suikerziekte"), (C.SYNONYM, "diabetes"),
                   (C.DEFINITION, "Uw lichaam maakt te weinig insuline.")}
    pf = client.get("/fhir/CodeSystem/$lookup",
                    params={"system": SNOMED, "code": code, "displayLanguage": "nl-NL-x-patfr"}).json()
    assert next(p for p in pf["parameter"] if p["name"] == "display")["valueString"] == "suikerziekte"


def test_lookup_errors_are_operation_outcomes(api, pf_terms):
    client, *_ = api
    missing = client.get("/fhir/CodeSystem/$lookup", params={"system": SNOMED, "code": pf_terms.concept(99)})
    assert missing.status_code == 404
    assert OperationOutcome.model_validate(missing.json()).issue[0].code == "not-found"
    wrong = client.get("/fhir/CodeSystem/$lookup", params={"system": "http://loinc.org", "code": "1234-5"})
    assert wrong.status_code == 400 and "http://snomed.info/sct" in wrong.json()["issue"][0]["diagnostics"]
    bad = client.get("/fhir/CodeSystem/$lookup", params={"system": SNOMED, "code": "<script>"})
    assert bad.status_code == 400
    anon = TestClient(client.app).get("/fhir/CodeSystem/$lookup", params={"system": SNOMED, "code": "1"})
    assert anon.status_code == 401 and anon.json()["resourceType"] == "OperationOutcome"


def test_tokens_are_shown_once_stored_hashed_listed_without_secret_and_revocable(store):
    _, factory = store
    first = create_token(factory, "Vendor A")
    second = create_token(factory, "Vendor A")
    other = create_token(factory, "Vendor B")
    assert len({first, second, other}) == 3 and first.startswith("hld_") and len(first) > 40
    with factory() as s:
        stored = s.execute(select(VendorToken.token_hash)).scalars().all()
    assert hash_token(first) in stored and first not in stored
    listed = list_tokens(factory)
    assert [t["vendor"] for t in listed] == ["Vendor A", "Vendor A", "Vendor B"]
    assert all(set(t) == {"id", "vendor", "created_at", "revoked_at", "active"} for t in listed)
    assert first not in json.dumps(listed, default=str)
    assert revoke_token(factory, token_id=listed[0]["id"]) == 1
    assert vendor_for(factory, first) is None and vendor_for(factory, second) == "Vendor A"
    assert revoke_token(factory, vendor="Vendor A") == 1
    assert vendor_for(factory, other) == "Vendor B"
    assert [t["active"] for t in list_tokens(factory)] == [False, False, True]
    with pytest.raises(TokenError, match="vendor"):
        create_token(factory, "  ")
    with pytest.raises(TokenError):
        revoke_token(factory)
