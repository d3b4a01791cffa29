"""The download API for PGO vendors, mounted on `helder serve`.

    GET /api/releases                      every release, newest first
    GET /api/releases/latest               the newest release's manifest
    GET /api/releases/{version}            a release's manifest
    GET /api/releases/{version}/{format}   a zip: rf2, rf2-delta, fhir, csv or parquet
    GET /fhir/CodeSystem/$lookup?system=http://snomed.info/sct&code=…   FHIR Parameters

Every request needs `Authorization: Bearer <token>` (`helder token create VENDOR`); an absent,
unknown or revoked token gets 401. Responses carry an ETag (the sha256 of what is sent; for a
zip the one in the manifest) and answer `If-None-Match` with 304. Versioned resources never
change, so they may be cached for a year; the list and `latest` must be revalidated.

Usage: `app.include_router(make_router(session_factory, "releases"))`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select

from exports import manifest as mf
from exports.fhir import SNOMED, lookup_parameters
from exports.release import ReleaseError, get_release, session_scope
from exports.tokens import vendor_for
from review_queue.models import Concept, Release, ReleaseMember

IMMUTABLE = "private, max-age=31536000, immutable"
REVALIDATE = "private, no-cache"
FHIR_JSON = "application/fhir+json"


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None, fhir: bool = False):
        super().__init__(message)
        self.status, self.message, self.headers, self.fhir = status, message, headers or {}, fhir

    def response(self) -> Response:
        if self.fhir:
            body = {"resourceType": "OperationOutcome", "issue": [{
                "severity": "error", "code": {401: "login", 404: "not-found"}.get(self.status, "invalid"),
                "diagnostics": self.message,
            }]}
            return JSONResponse(body, status_code=self.status, headers=self.headers, media_type=FHIR_JSON)
        return JSONResponse({"detail": self.message}, status_code=self.status, headers=self.headers)


def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def _json(request: Request, body: bytes, cache: str, media_type: str = "application/json") -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest() + '"'
    headers = {"ETag": etag, "Cache-Control": cache}
    if _etag_matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8")


def make_router(session_factory, releases_root: str | Path = "releases") -> APIRouter:
    """The vendor API over the store behind `session_factory` and the releases under `releases_root`."""
    root = Path(releases_root)

    def vendor(request: Request) -> str:
        fhir = request.url.path.startswith("/fhir/")
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "a vendor token is required: send 'Authorization: Bearer <token>'",
                           {"WWW-Authenticate": 'Bearer realm="helder"'}, fhir)
        name = vendor_for(session_factory, token.strip())
        if name is None:
            raise ApiError(401, "this token is unknown or has been revoked",
                           {"WWW-Authenticate": 'Bearer realm="helder", error="invalid_token"'}, fhir)
        return name

    def guarded(request: Request, call):
        try:
            vendor(request)
            return call()
        except ApiError as exc:
            return exc.response()

    router = APIRouter()

    def release_folder(release: Release) -> Path:
        mine = root / release.version
        return mine if mine.is_dir() else Path(release.path)

    def find(version: str) -> Release:
        with session_scope(session_factory) as session:
            try:
                return get_release(session, version)
            except ReleaseError as exc:
                raise ApiError(404, f"{exc}; GET /api/releases lists the releases") from None

    @router.get("/api/releases")
    def releases(request: Request):
        def answer():
            with session_scope(session_factory) as session:
                rows = session.execute(select(Release).order_by(Release.id.desc())).scalars().all()
                body = [{
                    "version": r.version, "date": r.manifest.get("date"), "effectiveTime": r.manifest.get("effectiveTime"),
                    "previousVersion": r.previous_version, "counts": r.counts,
                    "manifest": f"/api/releases/{r.version}",
                    "downloads": {fmt: f"/api/releases/{r.version}/{fmt}" for fmt in mf.FORMATS},
                } for r in rows]
            return _json(request, _dump({"releases": body}), REVALIDATE)
        return guarded(request, answer)

    def manifest_response(request: Request, version: str, cache: str) -> Response:
        release = find(version)
        path = release_folder(release) / mf.MANIFEST
        body = path.read_bytes() if path.is_file() else _dump(release.manifest)
        return _json(request, body, cache)

    @router.get("/api/releases/latest")
    def latest(request: Request):
        return guarded(request, lambda: manifest_response(request, "latest", REVALIDATE))

    @router.get("/api/releases/{version}")
    def release_manifest(request: Request, version: str):
        return guarded(request, lambda: manifest_response(request, version, IMMUTABLE))

    @router.get("/api/releases/{version}/{fmt}")
    def download(request: Request, version: str, fmt: str):
        def answer():
            if fmt not in mf.FORMATS:
                raise ApiError(404, f"unknown format {fmt!r}; choose one of {', '.join(mf.FORMATS)}")
            release = find(version)
            folder = release_folder(release)
            entry = (release.manifest.get("downloads") or {}).get(fmt)
            path = folder / entry["path"] if entry else folder / mf.DOWNLOADS / mf.zip_name(release.version, fmt)
            if not path.is_file():
                raise ApiError(404, f"release {release.version} has no {fmt} download on this server")
            etag = '"' + (entry["sha256"] if entry else mf.sha256(path)) + '"'
            cache = REVALIDATE if version == "latest" else IMMUTABLE
            headers = {"ETag": etag, "Cache-Control": cache}
            if _etag_matches(request, etag):
                return Response(status_code=304, headers=headers)
            return FileResponse(path, media_type="application/zip", filename=path.name, headers=headers)
        return guarded(request, answer)

    @router.get("/fhir/CodeSystem/$lookup")
    def lookup(request: Request, system: str | None = None, code: str | None = None,
                     displayLanguage: str | None = None):  # noqa: N803 (FHIR's parameter name)
        def answer():
            if system != SNOMED:
                raise ApiError(400, f"system must be {SNOMED}, got {system!r}", fhir=True)
            if not code or not code.isdigit() or len(code) > 18:
                raise ApiError(400, f"code must be a SNOMED CT concept id, got {code!r}", fhir=True)
            with session_scope(session_factory) as session:
                try:
                    release = get_release(session, "latest")
                except ReleaseError as exc:
                    raise ApiError(404, str(exc), fhir=True) from None
                rows = session.execute(
                    select(ReleaseMember.term, ReleaseMember.explanation, ReleaseMember.preferred)
                    .where(ReleaseMember.release_id == release.id, ReleaseMember.concept_id == code,
                           ReleaseMember.active)
                    .order_by(ReleaseMember.preferred.desc(), ReleaseMember.term)
                ).all()
                clinical = session.execute(select(Concept.term_nl).where(Concept.id == code)).scalar_one_or_none()
                version = release.version
            if not rows:
                raise ApiError(404, f"concept {code} has no patient-friendly term in release {version}", fhir=True)
            preferred = rows[0]
            display_pf = displayLanguage == "nl-NL-x-patfr"
            body = lookup_parameters(
                code, preferred.term, preferred.explanation, [r.term for r in rows[1:]], version,
                clinical_term=None if display_pf else clinical,
            )
            return _json(request, _dump(body), REVALIDATE, media_type=FHIR_JSON)
        return guarded(request, answer)

    return router
