"""Shared fixtures: real databases (a SQLite file, a throwaway PostgreSQL server), the sample.

PostgreSQL: `HELDER_TEST_PG_URL` points at a server to use (each test gets its own database);
without it the fixture starts a private cluster with the machine's `initdb`/`pg_ctl` in a temp
folder. When neither works the PostgreSQL tests are skipped — unless `HELDER_REQUIRE_PG=1`
(set by .ci/run), where a missing server fails the run instead of hiding it.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Property tests judge answers, not speed: on a loaded two-core CI machine a case can take longer
# than hypothesis' default 200 ms deadline without anything being wrong.
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("helder", deadline=None)
    _hypothesis_settings.load_profile("helder")
except ImportError:  # hypothesis is a test extra
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


class _PrivateCluster:
    """A PostgreSQL cluster in a temp dir, owned by `postgres` when we run as root."""

    def __init__(self) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not (initdb and pg_ctl):
            raise RuntimeError("initdb/pg_ctl not found")
        self.pg_ctl = pg_ctl
        self.dir = tempfile.mkdtemp(prefix="helder-pg-")
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o777)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        self._run([initdb, "-D", data, "-U", "helder", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run([pg_ctl, "-D", data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start"])
        self.data = data
        self.url = f"postgresql+psycopg://helder@127.0.0.1:{self.port}/postgres"

    def _run(self, cmd: list[str]) -> None:
        subprocess.run(self.as_user + cmd, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        try:
            self._run([self.pg_ctl, "-D", self.data, "-m", "immediate", "stop"])
        except Exception:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server_url():
    """URL of a PostgreSQL server's maintenance database, or skip (fail under HELDER_REQUIRE_PG)."""
    url = os.environ.get("HELDER_TEST_PG_URL")
    cluster = None
    if not url:
        try:
            cluster = _PrivateCluster()
            url = cluster.url
        except Exception as exc:  # no binaries, no permission: not this machine's job
            if os.environ.get("HELDER_REQUIRE_PG") == "1":
                pytest.fail(f"PostgreSQL required but could not start: {exc}")
            pytest.skip(f"no PostgreSQL server: {exc}")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    yield url
    if cluster:
        cluster.stop()


def _fresh_pg_database(server_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "helder_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_server_url):
    """A fresh, empty PostgreSQL database for one test."""
    url, name = _fresh_pg_database(pg_server_url)
    yield url
    _drop_pg_database(pg_server_url, name)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'helder.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """Each test using this runs twice: on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'helder.db'}"
    else:
        server = request.getfixturevalue("pg_server_url")
        url, name = _fresh_pg_database(server)
        yield url
        _drop_pg_database(server, name)


@pytest.fixture
def store(db_url):
    """(engine, session factory) on a migrated, empty database of each kind."""
    from review_queue.db import open_store

    engine, factory = open_store(db_url)
    yield engine, factory
    engine.dispose()


@pytest.fixture
def helder_env(tmp_path, monkeypatch, db_url):
    """Run CLI commands in a temp working dir against the test database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELDER_DB_URL", db_url)
    monkeypatch.delenv("HELDER_CONFIG", raising=False)
    return tmp_path


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port}")


# ---- fixtures added by package owners below this line (keep each block labelled) ----


# ---- exports (releases, download API): seeding approved patient terms ----


@pytest.fixture
def pf_terms():
    """Helpers to put approved patient-friendly terms in a store the way reviews leave them.

    `pf_terms.concept(i)` is a valid SNOMED concept id; `pf_terms.approve(factory, i, term,
    explanation=None, preferred=True, source="review", description_id=None)` retires the
    concept's previous preferred term (as review_queue.decisions does) and adds the new one;
    `pf_terms.withdraw(factory, i)` retires every term of the concept; `pf_terms.inactivate(factory, i)`
    inactivates the concept itself.
    """
    from types import SimpleNamespace

    from sqlalchemy import select, update

    from review_queue.models import Concept, PatientTerm
    from terms.sctid import make

    def concept(i: int) -> str:
        return make(100000 + i, "00", None)

    def approve(factory, i, term, explanation=None, preferred=True, source="review", description_id=None,
                clinical=None, stale=False):
        cid = concept(i)
        with factory() as s, s.begin():
            if s.get(Concept, cid) is None:
                s.add(Concept(id=cid, active=True, effective_time="20260101", module_id="11000146104",
                              term_nl=clinical or f"klinische term {i}", fsn_en=f"Clinical finding {i} (disorder)",
                              semantic_tag="disorder"))
                s.flush()
            if preferred:
                s.execute(update(PatientTerm).where(PatientTerm.concept_id == cid, PatientTerm.active,
                                                    PatientTerm.preferred).values(active=False))
            pt = PatientTerm(concept_id=cid, term=term, explanation=explanation, clinical_term=clinical,
                             source=source, preferred=preferred, active=True, description_id=description_id,
                             stale=stale)
            s.add(pt)
            s.flush()
            return pt.id

    def withdraw(factory, i):
        with factory() as s, s.begin():
            s.execute(update(PatientTerm).where(PatientTerm.concept_id == concept(i)).values(active=False))

    def inactivate(factory, i):
        with factory() as s, s.begin():
            s.execute(update(Concept).where(Concept.id == concept(i)).values(active=False))

    def terms_of(factory, i):
        with factory() as s:
            return s.execute(select(PatientTerm).where(PatientTerm.concept_id == concept(i))
                             .order_by(PatientTerm.id)).scalars().all()

    return SimpleNamespace(concept=concept, approve=approve, withdraw=withdraw, inactivate=inactivate,
                           terms_of=terms_of)


# ---- review workspace (web, queue, users, spreadsheets): seeded items and logged-in clients ----

@pytest.fixture
def seed_items():
    """seed_items(factory, n, **overrides) -> item ids: concepts, review items and suggestions."""
    def seed(factory, n=5, term="klinische term {i}", proposal="voorstel {i}", severity=None, flags="",
             semantic_tag="disorder", origin="lexicon", confidence=0.9, start=1, flag_details=None, similar=None,
             explanation="uitleg {i}"):
        from review_queue.models import Concept, ReviewItem, Suggestion

        ids = []
        with factory() as s, s.begin():
            for i in range(start, start + n):
                cid = str(100000 + i)
                s.add(Concept(id=cid, active=True, effective_time="20250101", module_id="11000146104",
                              term_nl=term.format(i=i), fsn_en=f"Clinical finding {i} (disorder)",
                              semantic_tag=semantic_tag))
                text = term.format(i=i) if origin == "none" else proposal.format(i=i)
                item = ReviewItem(concept_id=cid, source_term=term.format(i=i), proposal=text,
                                  origin=origin, confidence=confidence, max_severity=severity, flags=flags,
                                  semantic_tag=semantic_tag)
                s.add(item)
                s.flush()
                s.add(Suggestion(item_id=item.id, concept_id=cid, text=text, origin=origin,
                                 confidence=confidence, explanation=explanation.format(i=i) if explanation else None,
                                 flags=flags, flag_details=flag_details or [], similar=similar or []))
                ids.append(item.id)
        return ids
    return seed


def _csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture
def web_login():
    """web_login(app, username, password) -> TestClient with a logged-in session and its CSRF token."""
    from fastapi.testclient import TestClient

    def login(app, username, password, **client_kw):
        client = TestClient(app, **client_kw)
        page = client.get("/login")
        r = client.post("/login", data={"username": username, "password": password, "csrf": _csrf_of(page.text),
                                        "next": "/"}, follow_redirects=False)
        assert r.status_code == 303, r.text
        client.csrf = _csrf_of(client.get("/").text)
        return client
    return login


# ---- issue 12 (files in and out): small RF2 packages written as real releases name their files ----


@pytest.fixture
def rf2_package():
    """rf2_package(root, {relative file name: rows}) -> root: RF2 files with the right header.

    `rows` is a list of dicts (RF2 column names; `active` as bool or "0"/"1") or a polars frame;
    the component comes from the file name (terms.rf2.classify; files helder does not read get
    the header `extra_header` or none). Written as RF2 is: UTF-8, tab separated, CRLF.
    """
    import polars as pl

    from terms.rf2 import COLUMNS, classify

    def write(root, files, extra_header=("id", "effectiveTime", "active", "moduleId", "refsetId",
                                          "referencedComponentId", "targetComponentId")):
        root.mkdir(parents=True, exist_ok=True)
        for name, rows in files.items():
            hit = classify(name)
            columns = COLUMNS[hit[0]] if hit else list(extra_header)
            if isinstance(rows, pl.DataFrame):
                rows = rows.to_dicts()
            lines = ["\t".join(columns)]
            for row in rows:
                values = {**row, "active": {True: "1", False: "0"}.get(row.get("active"), row.get("active"))}
                lines.append("\t".join(str(values[c]) for c in columns))
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
        return root

    return write


# ------------------------------------------------------------------------------------------------
# LLM: a real local model server (issue 14; owner: pipeline/llm, tests/test_llm_real.py).
# One `helder llm serve` (llama.cpp via llama-cpp-python, Gemma 3 270M) per test session. Without
# the local-llm extra its tests are skipped — unless HELDER_REQUIRE_LLAMA=1 (set by .ci/run), where
# a missing server fails the run instead of hiding it.


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """A running LocalServer (`.base_url`, `.model`); skip, or fail under HELDER_REQUIRE_LLAMA=1."""
    from pipeline.llm.server import LocalServer, ServerUnavailable

    try:
        server = LocalServer(log_path=tmp_path_factory.mktemp("llama") / "server.log").start()
    except ServerUnavailable as exc:
        if os.environ.get("HELDER_REQUIRE_LLAMA") == "1":
            pytest.fail(f"a real model server is required (HELDER_REQUIRE_LLAMA=1) but: {exc}")
        pytest.skip(f"no local model server: {exc}")
    yield server
    server.stop()


@pytest.fixture
def reviewers(store):
    """The usual accounts on `store`: reviewers anna and bert, admin beheer (passwords wachtwoord-<name>)."""
    from review_queue import users

    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "wachtwoord-anna", "reviewer")
        users.add_user(s, "bert", "wachtwoord-bert", "reviewer")
        users.add_user(s, "beheer", "wachtwoord-beheer", "admin")
    return {"anna": "wachtwoord-anna", "bert": "wachtwoord-bert", "beheer": "wachtwoord-beheer"}


@pytest.fixture
def live_server():
    """live_server(app) -> base URL of the app served by a real uvicorn on a free port (stopped after the test)."""
    import threading

    import uvicorn

    servers = []

    def start(app):
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        wait_for_port(port)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"
    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def http_login():
    """http_login(base_url, username, password) -> httpx.Client with a logged-in session (real HTTP)."""
    import httpx

    clients = []

    def login(base, username, password):
        client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        clients.append(client)
        token = _csrf_of(client.get("/login").text)
        r = client.post("/login", data={"username": username, "password": password, "csrf": token, "next": "/"})
        assert r.status_code == 303, r.text
        client.csrf = _csrf_of(client.get("/").text)
        return client
    yield login
    for c in clients:
        c.close()
