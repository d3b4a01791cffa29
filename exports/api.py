"""The download API for PGO vendors, mounted on `helder serve`.

    GET /api/releases                      every release, newest first
    GET /api/releases/latest               the newest release's manifest
    GET /api/releases/{version}            a release's manifest
    GET /api/releases/{version}/{format}   a zip: rf2, rf2-delta, fhir, csv or parquet
    GET /fhir/CodeSystem/$lookup?system=http://snomed.info/sct&code=…[&version=…][&displayLanguage=…]
                                           FHIR Parameters (see `lookup` below)

Every request needs `Authorization: Bearer <token>` (`helder token create VENDOR`); an absent,
unknown or revoked token gets 401. Responses carry an ETag (the sha256 of what is sent; for a
zip the one in the manifest) and answer `If-None-Match` with 304. Versioned resources never
change, so they may be cached for a year; the list and `latest` must be revalidated.

Usage: `app.include_router(make_router(session_factory, "releases"))`.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from sqlalchemy import select

from exports import manifest as mf
from exports.fhir import SNOMED, lookup_parameters
from exports.release import ReleaseError, get_release, session_scope
from exports.tokens import vendor_for
from review_queue.models import Concept, Release, ReleaseMember
from terms import config as C

PATFR_TAG = "nl-NL-x-patfr"
_EDITION_URI = re.compile(r"^http://snomed\.info/sct/(\d{6,18})(?:/version/(\d{8}))?$")
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


def same_tag(a: str | None, b: str) -> bool:
    """BCP 47 language tags are compared case-insensitively (RFC 5646 §2.1.1): nl-nl-x-patfr is nl-NL-x-patfr."""
    return a is not None and a.strip().casefold() == b.casefold()


def wants_patient_friendly(display_language: str | None, accept_language: str | None) -> bool:
    """Whether a $lookup's display is the patient-friendly term (language nl-NL-x-patfr).

    `displayLanguage` decides when given; else the request's Accept-Language (RFC 9110 §12.5.4):
    ranges by quality, q=0 ranges ignored, and the first range helder can answer decides —
    nl-NL-x-patfr (any case) the patient-friendly term, any other Dutch range or `*` the clinical
    term; ranges in other languages are passed over (helder has only Dutch displays).
    """
    if display_language is not None and display_language.strip():
        return same_tag(display_language, PATFR_TAG)
    ranges = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag.strip() and q > 0:
            ranges.append((-q, i, tag.strip()))
    for _, _, tag in sorted(ranges):
        if same_tag(tag, PATFR_TAG):
            return True
        if tag == "*" or tag.casefold() == "nl" or tag.casefold().startswith("nl-"):
            return False
    return False


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

    def release_for_version(session, version: str | None) -> Release:
        """The release a $lookup answers from: the newest, or the newest for the requested edition version."""
        try:
            latest_release = get_release(session, "latest")
        except ReleaseError as exc:
            raise ApiError(404, str(exc), fhir=True) from None
        if version is None or not version.strip():
            return latest_release
        m = _EDITION_URI.match(version.strip())
        if not m:
            raise ApiError(400, f"version must be a SNOMED CT edition URI such as "
                           f"http://snomed.info/sct/{C.NL_MODULE}/version/YYYYMMDD, got {version!r}", fhir=True)
        releases = session.execute(select(Release).order_by(Release.id.desc())).scalars().all()
        for r in releases:
            edition = ((r.manifest or {}).get("snomed") or {}).get("edition") or ""
            em = _EDITION_URI.match(edition)
            if em and em[1] == m[1] and (m[2] is None or em[2] == m[2]):
                return r
        known = sorted({((r.manifest or {}).get("snomed") or {}).get("edition") for r in releases} - {None, ""})
        raise ApiError(404, f"no release of patient-friendly terms for SNOMED CT version {version}; "
                       f"available: {', '.join(known) or 'none'}", fhir=True)

    @router.get("/fhir/CodeSystem/$lookup")
    def lookup(request: Request, system: str | None = None, code: str | None = None,
               displayLanguage: str | None = None, version: str | None = None):  # noqa: N803 (FHIR's names)
        """FHIR CodeSystem $lookup on SNOMED CT with the patient-friendly designations.

        `version` (optional): the SNOMED CT edition version URI the release applies to
        (http://snomed.info/sct/11000146104/version/YYYYMMDD; without /version/ the newest of that
        edition) — answered from the newest release for it, else 404; anything else 400.
        The answer's `version` is the edition version URI of the release used. `display` is the
        patient-friendly term when displayLanguage (or, without it, Accept-Language) asks for
        nl-NL-x-patfr, compared case-insensitively (BCP 47); otherwise the Dutch clinical term.
        """
        def answer():
            if system != SNOMED:
                raise ApiError(400, f"system must be {SNOMED}, got {system!r}", fhir=True)
            if not code or not code.isdigit() or len(code) > 18:
                raise ApiError(400, f"code must be a SNOMED CT concept id, got {code!r}", fhir=True)
            with session_scope(session_factory) as session:
                release = release_for_version(session, version)
                rows = session.execute(
                    select(ReleaseMember.term, ReleaseMember.explanation, ReleaseMember.preferred)
                    .where(ReleaseMember.release_id == release.id, ReleaseMember.concept_id == code,
                           ReleaseMember.active)
                    .order_by(ReleaseMember.preferred.desc(), ReleaseMember.term)
                ).all()
                clinical = session.execute(select(Concept.term_nl).where(Concept.id == code)).scalar_one_or_none()
                release_version = release.version
                edition = ((release.manifest or {}).get("snomed") or {}).get("edition") or f"{SNOMED}/{C.NL_MODULE}"
            if not rows:
                raise ApiError(404, f"concept {code} has no patient-friendly term in release {release_version}",
                               fhir=True)
            preferred = rows[0]
            display_pf = wants_patient_friendly(displayLanguage, request.headers.get("accept-language"))
            body = lookup_parameters(
                code, preferred.term, preferred.explanation, [r.term for r in rows[1:]], edition,
                clinical_term=None if display_pf else clinical,
            )
            response = _json(request, _dump(body), REVALIDATE, media_type=FHIR_JSON)
            response.headers["Vary"] = "Accept-Language"
            response.headers["Content-Language"] = PATFR_TAG if display_pf or not clinical else "nl-NL"
            return response
        return guarded(request, answer)

    return router
