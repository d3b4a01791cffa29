"""Requests the workspace refuses cleanly, over real HTTP (uvicorn): size limits and imports off
the request path, typed API bodies, no 500s for odd ids, security headers on every answer."""
import socket
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import select

from review_queue.models import Decision, ReviewItem
from review_queue.spreadsheets import COLUMNS, MAX_PROBLEMS
from review_queue.web import create_app
from tests.conftest import _csrf_of

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def served(store, reviewers, live_server):
    _, factory = store
    return live_server(create_app(factory, {"secret": "s", "max_upload_mb": 1})), factory


def _workbook(rows) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(COLUMNS)
    for r in rows:
        ws.append(r)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _wait_for_job(client, location, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        page = client.get(location)
        if 'data-state="done"' in page.text or 'data-state="refused"' in page.text or 'data-state="failed"' in page.text:
            return page
        time.sleep(0.2)
    raise TimeoutError(location)


# ---- 7: size limits, imports off the request path -----------------------------------------------


def test_bodies_over_the_limit_get_413_before_they_are_read(served, seed_items, http_login):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    c = http_login(base, "anna", "wachtwoord-anna")
    big = {"version": 1, "reason": "x" * 200_000}
    r = c.post(f"/api/queue/{item_id}/reject", json=big, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"version": 1, "reason": "'
        for _ in range(100):
            yield b"x" * 10_000
        yield b'"}'
    r = c.post(f"/api/queue/{item_id}/reject", content=chunks(),
               headers={"X-CSRF-Token": c.csrf, "Content-Type": "application/json"})
    assert r.status_code == 413
    # A client announcing 200 MB is answered at once, without sending a byte of it.
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as sock:
        t0 = time.perf_counter()
        sock.sendall(f"POST /api/queue/{item_id}/approve HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     "Content-Type: application/json\r\nContent-Length: 209715200\r\n\r\n".encode())
        head = sock.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 413") and time.perf_counter() - t0 < 5
    page = c.post("/import", data={"csrf": c.csrf}, files={"file": ("groot.xlsx", b"0" * (2 * 1024 * 1024))})
    assert page.status_code == 413 and "Te groot: hoogstens 1 MB per verzoek." in page.text
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "proposed"


def test_an_import_runs_in_the_background_with_progress_while_the_server_answers(store, reviewers, live_server,
                                                                               seed_items, http_login):
    _, factory = store
    base = live_server(create_app(factory, {"secret": "s"}))
    n = 3000
    ids = seed_items(factory, n)
    data = _workbook([[i, 1, "", f"klinische term {k + 1}", "", "", "", "", "", "", "", "goedkeuren", "", ""]
                      for k, i in enumerate(ids)])
    c = http_login(base, "anna", "wachtwoord-anna")
    t0 = time.perf_counter()
    r = c.post("/import", data={"csrf": c.csrf}, files={"file": ("besluiten.xlsx", data)})
    assert r.status_code == 303 and time.perf_counter() - t0 < 10
    location = r.headers["location"]
    seen_running, took = False, []
    with httpx.Client(base_url=base, timeout=60) as other:
        while True:
            t = time.perf_counter()
            assert other.get("/healthz").status_code == 200
            took.append(time.perf_counter() - t)
            page = c.get(location).text
            if 'data-state="done"' in page:
                break
            assert 'data-state="refused"' not in page and 'data-state="failed"' not in page
            seen_running = seen_running or "<progress" in page
            time.sleep(0.1)
    assert seen_running and max(took) < 1.0, took
    assert f"{n} besluiten toegepast" in page
    with factory() as s:
        assert len(s.execute(select(ReviewItem.id).where(ReviewItem.state == "approved")).all()) == n


def test_a_bad_import_gives_a_bounded_downloadable_problem_list(served, seed_items, http_login):
    base, factory = served
    (item_id,) = seed_items(factory, 1, proposal="<script>alert(1)</script>")
    rows = [[item_id, 1, "", "klinische term 1", "", "", "", "", "", "", "", "goedkeuren", "", ""]]
    rows += [[i, 1, "", "x", "", "", "", "", "", "", "", "onzin", "", ""] for i in range(2, MAX_PROBLEMS + 600)]
    c = http_login(base, "anna", "wachtwoord-anna")
    r = c.post("/import", data={"csrf": c.csrf}, files={"file": ("fout.xlsx", _workbook(rows))})
    page = _wait_for_job(c, r.headers["location"])
    assert page.status_code == 422 and "Niets is toegepast" in page.text
    assert page.text.count("<li>regel ") == 50
    assert "regel 2: Voorstel bevat opmaakcode" in page.text  # the <script> proposal: a row problem, not a 500
    csv = c.get(r.headers["location"] + "/problems.csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert csv.status_code == 200 and len(lines) == 1 + MAX_PROBLEMS + 1
    assert lines[-1] == f"en nog meer problemen ({len(rows) - MAX_PROBLEMS})"
    other = http_login(base, "bert", "wachtwoord-bert")  # someone else's import is not theirs to read
    assert other.get(r.headers["location"]).status_code == 404
    with factory() as s:
        assert s.execute(select(Decision)).scalars().all() == []


# ---- 8: typed API input ------------------------------------------------------------------------


@pytest.mark.parametrize("body,field", [
    ({"version": 1, "term": ["a", "b"]}, "term"),
    ({"version": 1, "term": {"x": 1}}, "term"),
    ({"version": "1", "term": "hoge druk"}, "version"),
    ({"version": True, "term": "hoge druk"}, "version"),
    ({"version": 10**30, "term": "hoge druk"}, "version"),
    ({"term": "hoge druk"}, "version"),
    ({"version": 1, "term": "hoge druk", "state": "approved"}, "state"),
])
def test_api_bodies_of_the_wrong_type_get_422_naming_the_field(served, seed_items, body, field):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    with httpx.Client(base_url=base, auth=("anna", "wachtwoord-anna")) as c:
        r = c.post(f"/api/queue/{item_id}/edit", json=body)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "invalid" and [f["field"] for f in error["fields"]] == [field]
        assert r.headers["content-type"].startswith("application/json")
        assert c.post(f"/api/queue/{item_id}/approve", json=[1, 2]).status_code == 422
    with factory() as s:
        item = s.get(ReviewItem, item_id)
        assert (item.state, item.final_term) == ("proposed", None)


# ---- 9: no 500s --------------------------------------------------------------------------------


@pytest.mark.parametrize("path,status", [
    ("/item/99999999999999999999999", 404), ("/item/abc", 404), ("/item/0", 404), ("/item/-1", 404),
    ("/tm/" + "9" * 40, 404), ("/nope", 404), ("/?after=99999999999999999999", 422), ("/?run=99999999999999", 422),
    ("/?limit=abc", 422), ("/?min=nan", 422), ("/?sort=confidence&after=inf:1", 422), ("/?state=<b>", 422),
    ("/?q=99999999999999999999", 200), ("/next?after=99999999999999999999", 303),
    ("/prev?before=abc", 303), ("/import/nope", 404),
])
def test_odd_page_requests_get_a_dutch_page_not_a_500(served, seed_items, http_login, path, status):
    base, factory = served
    seed_items(factory, 2)
    c = http_login(base, "anna", "wachtwoord-anna")
    r = c.get(path)
    assert r.status_code == status, r.text[:300]
    if status >= 400:
        assert r.headers["content-type"].startswith("text/html") and '<html lang="nl">' in r.text
        assert "Dat lukte niet" in r.text and "Not Found" not in r.text and "detail" not in r.text


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/queue/99999999999999999999999", 404), ("GET", "/api/queue/abc", 404),
    ("POST", "/api/queue/99999999999999999999999/approve", 404), ("POST", "/api/queue/1/frobnicate", 404),
    ("GET", "/api/queue?after=99999999999999999999", 422), ("GET", "/api/queue?limit=-5", 422),
    ("GET", "/api/nope", 404), ("DELETE", "/api/queue/1", 405),
])
def test_odd_api_requests_get_json_not_a_500(served, seed_items, method, path, status):
    base, factory = served
    seed_items(factory, 1)
    with httpx.Client(base_url=base, auth=("anna", "wachtwoord-anna")) as c:
        r = c.request(method, path, json={"version": 1} if method != "GET" else None)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/json") and r.json()["error"]["message"]


def test_a_decision_on_a_huge_id_from_a_page_is_not_found(served, http_login):
    base, _ = served
    c = http_login(base, "anna", "wachtwoord-anna")
    r = c.post("/item/99999999999999999999999/approve", data={"csrf": c.csrf, "version": "1"})
    assert r.status_code == 404 and "Item 99999999999999999999999 bestaat niet." in r.text


# ---- 12: hardening -----------------------------------------------------------------------------


def test_every_answer_carries_the_security_headers(served, seed_items, http_login):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    c = http_login(base, "anna", "wachtwoord-anna")
    anonymous = httpx.Client(base_url=base)
    answers = [anonymous.get("/login"), anonymous.get("/healthz"), anonymous.get("/static/app.js"),
               anonymous.get("/api/queue"), anonymous.get("/nope"), c.get("/"), c.get(f"/item/{item_id}"),
               c.get("/export.xlsx"), c.get("/item/abc"), c.get("/api/queue"),
               c.post(f"/api/queue/{item_id}/approve", content=b"x" * 100_000,
                      headers={"X-CSRF-Token": c.csrf, "Content-Type": "application/json"})]
    anonymous.close()
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 404, 200, 200, 200, 404, 200, 413]
    for a in answers:
        csp = a.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "script-src 'self'" in csp, a.url
        assert a.headers.get("x-content-type-options") == "nosniff", a.url
    assert answers[5].headers["cache-control"] == "no-store"


def _login_cookie(app, base_url):
    from fastapi.testclient import TestClient

    client = TestClient(app, base_url=base_url)
    token = _csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "anna", "password": "wachtwoord-anna", "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303
    return r.headers["set-cookie"].lower()


def test_the_session_cookie_is_httponly_strict_and_secure_behind_https(store, reviewers):
    _, factory = store
    cookie = _login_cookie(create_app(factory, {"secret": "s", "https_only": True}), "https://testserver")
    assert cookie.startswith("helder_session=") and "; secure" in cookie
    assert "; httponly" in cookie and "samesite=strict" in cookie
    plain = _login_cookie(create_app(factory, {"secret": "s"}), "http://testserver")
    assert "; secure" not in plain and "; httponly" in plain  # the demo on http://localhost still works


def test_the_generated_secret_is_ignored_by_git():
    import subprocess

    for path in (".helder_secret", "deploy/.helder_secret"):  # wherever `helder serve` ran
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO).returncode == 0, path
