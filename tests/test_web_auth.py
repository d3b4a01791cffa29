"""Sessions and logins over real HTTP (uvicorn): CSRF through HTTP Basic, sessions the server
ends, throttled logins, password hashing off the event loop."""
import base64
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from review_queue.models import LoginFailure, ReviewItem, WebSession
from review_queue.web import create_app
from tests.conftest import _csrf_of


@pytest.fixture
def served(store, reviewers, live_server):
    _, factory = store
    return live_server(create_app(factory, {"secret": "s"})), factory


def _basic(name="anna", password="wachtwoord-anna"):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


def _state(factory, item_id):
    with factory() as s:
        return s.get(ReviewItem, item_id).state


# ---- 4: no CSRF through HTTP Basic ---------------------------------------------------------------


def test_a_cross_site_text_plain_form_cannot_decide_through_basic(served, seed_items):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    with httpx.Client(base_url=base) as c:
        # What a page on another site can make a browser send: a text/plain form, credentials cached.
        r = c.post(f"/api/queue/{item_id}/reject", content=b'{"version": 1, "reason": "x"}',
                   headers={**_basic(), "Content-Type": "text/plain", "Origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
        r = c.post(f"/api/queue/{item_id}/reject", content=b'{"version": 1, "reason": "x"}',
                   headers={**_basic(), "Content-Type": "text/plain"})
        assert r.status_code == 415 and r.json()["error"]["code"] == "json_only"
        r = c.post(f"/api/queue/{item_id}/reject", data={"version": "1", "reason": "x"}, headers=_basic())
        assert r.status_code == 415
        r = c.post(f"/api/queue/{item_id}/reject", json={"version": 1, "reason": "x"},
                   headers={**_basic(), "Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403
    assert _state(factory, item_id) == "proposed"
    with httpx.Client(base_url=base) as c:  # a script with JSON and no Origin: allowed
        r = c.post(f"/api/queue/{item_id}/reject", json={"version": 1, "reason": "te vaag"}, headers=_basic())
        assert r.status_code == 200 and r.json()["state"] == "rejected"


def test_no_basic_challenge_for_browsers_and_no_basic_on_pages(served, seed_items):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        for path in ("/api/queue", f"/api/queue/{item_id}"):
            r = c.get(path, headers={"Accept": "text/html"})
            assert r.status_code == 401 and "basic" not in r.headers.get("www-authenticate", "").lower()
        r = c.get("/", headers=_basic())  # pages never take Basic: a browser session stays a session
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = c.post(f"/item/{item_id}/reject", data={"version": "1", "reason": "x"}, headers=_basic())
        assert r.status_code == 401
    assert _state(factory, item_id) == "proposed"


def test_page_posts_need_the_token_and_this_origin(served, seed_items, http_login):
    base, factory = served
    a, b = seed_items(factory, 2)
    c = http_login(base, "anna", "wachtwoord-anna")
    r = c.post(f"/item/{a}/reject", data={"version": "1", "reason": "x", "csrf": c.csrf},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = c.post(f"/item/{a}/reject", data={"version": "1", "reason": "x", "csrf": c.csrf}, headers={"Origin": "null"})
    assert r.status_code == 403
    r = c.post(f"/api/queue/{a}/reject", json={"version": 1, "reason": "x"})  # session without X-CSRF-Token
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    assert _state(factory, a) == "proposed"
    r = c.post(f"/item/{a}/reject", data={"version": "1", "reason": "x", "csrf": c.csrf}, headers={"Origin": base})
    assert r.status_code == 303 and _state(factory, a) == "rejected"
    r = c.post(f"/api/queue/{b}/reject", json={"version": 1, "reason": "x"}, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200 and _state(factory, b) == "rejected"


# ---- 5: sessions the server can end ------------------------------------------------------------


def test_a_copied_cookie_is_dead_after_logout(served, seed_items, http_login):
    base, factory = served
    (item_id,) = seed_items(factory, 1)
    c = http_login(base, "anna", "wachtwoord-anna")
    stolen = dict(c.cookies)
    old_csrf = c.csrf
    assert c.post("/logout", data={"csrf": c.csrf}).status_code == 303
    with httpx.Client(base_url=base, cookies=stolen, follow_redirects=False) as thief:
        assert thief.get("/").status_code == 303
        r = thief.post(f"/item/{item_id}/reject", data={"version": "1", "reason": "x", "csrf": old_csrf})
        assert r.status_code in (401, 403)
        assert thief.get("/api/queue").status_code == 401
    assert _state(factory, item_id) == "proposed"
    with factory() as s:
        assert s.execute(select(func.count()).select_from(WebSession)).scalar() == 0


def test_the_session_id_changes_at_login(served, http_login):
    base, factory = served
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        token = _csrf_of(c.get("/login").text)
        planted = dict(c.cookies)  # what an attacker could have set before the victim logs in
        c.post("/login", data={"username": "anna", "password": "wachtwoord-anna", "csrf": token})
        assert dict(c.cookies) != planted
        assert c.get("/").status_code == 200
    with httpx.Client(base_url=base, cookies=planted, follow_redirects=False) as attacker:
        assert attacker.get("/").status_code == 303
    one, two = http_login(base, "anna", "wachtwoord-anna"), http_login(base, "anna", "wachtwoord-anna")
    assert dict(one.cookies) != dict(two.cookies)


def test_disabling_a_password_reset_and_a_password_change_end_sessions(served, http_login):
    base, factory = served
    admin = http_login(base, "beheer", "wachtwoord-beheer")
    anna_here, anna_there = http_login(base, "anna", "wachtwoord-anna"), http_login(base, "anna", "wachtwoord-anna")
    r = anna_here.post("/account/password", data={"csrf": anna_here.csrf, "current": "wachtwoord-anna",
                                                  "password": "nieuw-wachtwoord", "again": "nieuw-wachtwoord"})
    assert r.status_code == 303
    assert anna_here.get("/").status_code == 200  # the session she changed it in stays
    assert anna_there.get("/").status_code == 303  # every other one ended
    admin.post("/admin/users", data={"csrf": admin.csrf, "password_for": "anna", "password": "reset-door-beheer"})
    assert anna_here.get("/").status_code == 303
    bert = http_login(base, "bert", "wachtwoord-bert")
    admin.post("/admin/users", data={"csrf": admin.csrf, "disable": "bert"})
    assert bert.get("/").status_code == 303 and bert.get("/api/queue").status_code == 401


def test_an_idle_session_ends(served, http_login):
    base, factory = served
    c = http_login(base, "anna", "wachtwoord-anna")
    with factory() as s, s.begin():  # three hours without a request (idle limit: two)
        s.execute(update(WebSession).values(last_seen=datetime.now(timezone.utc) - timedelta(hours=3)))
    assert c.get("/").status_code == 303


# ---- 6: throttled logins, hashing off the event loop --------------------------------------------


def _login(client, name, password):
    token = _csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": name, "password": password, "csrf": token}, follow_redirects=False)


def test_forty_wrong_passwords_then_the_right_one_is_refused(served):
    base, factory = served
    with httpx.Client(base_url=base, follow_redirects=False) as c:
        codes = [_login(c, "anna", f"fout-{i}").status_code for i in range(40)]
        right = _login(c, "anna", "wachtwoord-anna")
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    assert "Te veel mislukte pogingen" in right.text
    with httpx.Client(base_url=base) as c:  # Basic on the API counts against the same account
        assert c.get("/api/queue", headers=_basic()).status_code == 429


def test_throttled_per_account_and_per_address(store, reviewers):
    _, factory = store
    app = create_app(factory, {"secret": "s", "login_account_limit": 3, "login_address_limit": 6})
    # The account: wrong passwords from many addresses.
    for i in range(3):
        assert _login(TestClient(app, client=(f"10.0.0.{i}", 5000)), "anna", "fout").status_code == 401
    assert _login(TestClient(app, client=("10.0.1.1", 5000)), "anna", "wachtwoord-anna").status_code == 429
    assert _login(TestClient(app, client=("10.0.1.1", 5000)), "bert", "wachtwoord-bert").status_code == 303
    # The address: one guesser trying many accounts.
    guesser = TestClient(app, client=("192.0.2.7", 5000))
    codes = [_login(guesser, f"naam{i}", "fout").status_code for i in range(8)]
    assert codes[:6] == [401] * 6 and set(codes[6:]) == {429}
    assert _login(guesser, "bert", "wachtwoord-bert").status_code == 429
    assert _login(TestClient(app, client=("192.0.2.8", 5000)), "bert", "wachtwoord-bert").status_code == 303
    with factory() as s:
        assert s.get(LoginFailure, "addr:192.0.2.7").failures == 6  # blocked attempts were not even hashed


def test_failed_logins_do_not_stall_other_requests(store, reviewers, live_server):
    _, factory = store
    base = live_server(create_app(factory, {"secret": "s", "login_account_limit": 10_000,
                                            "login_address_limit": 10_000}))
    stop = threading.Event()
    attempts = []

    def guess(n):
        with httpx.Client(base_url=base, timeout=60) as c:
            while not stop.is_set():
                attempts.append(_login(c, f"gast{n}", "fout").status_code)
    threads = [threading.Thread(target=guess, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    took = []
    with httpx.Client(base_url=base, timeout=60) as c:
        for _ in range(20):
            t0 = time.perf_counter()
            assert c.get("/healthz").status_code == 200
            took.append(time.perf_counter() - t0)
            time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(60)
    assert len(attempts) >= 6 and set(attempts) == {401}
    # Idle it answers in a few ms; with six guessers hashing on two cores it must stay well under a second.
    assert max(took) < 1.0, took
