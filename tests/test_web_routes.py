"""The review web app over real databases: every route for anonymous, reviewer and admin; CSRF; escaping."""
import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review_queue import users
from review_queue.models import AuditLog, Decision, PatientTerm, ReviewItem
from review_queue.web import create_app


@pytest.fixture
def app(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "wachtwoord-anna", "reviewer")
        users.add_user(s, "bert", "wachtwoord-bert", "reviewer")
        users.add_user(s, "beheer", "wachtwoord-admin", "admin")
    return create_app(factory, {"secret": "test-secret"})


PAGES = ["/", "/next", "/item/1", "/tm/100001", "/export.xlsx", "/import", "/admin/users"]
API = ["/api/queue", "/api/queue/1"]


def test_healthz_is_public(app):
    assert TestClient(app).get("/healthz").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_pages_redirect_to_login(app, store, seed_items, path):
    seed_items(store[1], 2)
    r = TestClient(app).get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", API)
def test_anonymous_api_gets_401_and_no_data(app, store, seed_items, path):
    seed_items(store[1], 2, term="geheime term {i}")
    r = TestClient(app).get(path)
    assert r.status_code == 401 and "geheime" not in r.text
    r = TestClient(app).post("/api/queue/1/approve", json={"version": 1})
    assert r.status_code == 401
    r = TestClient(app).get(path, auth=("anna", "fout-wachtwoord"))
    assert r.status_code == 401


def test_wrong_password_and_disabled_user_cannot_log_in(app, store, web_login):
    c = TestClient(app)
    import re
    tok = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": "anna", "password": "nee", "csrf": tok})
    assert r.status_code == 401 and "verkeerd wachtwoord" in r.text
    client = web_login(app, "anna", "wachtwoord-anna")
    with store[1]() as s, s.begin():
        users.disable_user(s, "anna")
    assert client.get("/", follow_redirects=False).status_code == 303  # session no longer honoured


@pytest.mark.parametrize("who", [("anna", "wachtwoord-anna"), ("beheer", "wachtwoord-admin")])
def test_reviewer_and_admin_pages(app, store, seed_items, web_login, who):
    ids = seed_items(store[1], 3)
    c = web_login(app, *who)
    assert "klinische term 1" in c.get("/").text
    r = c.get("/next", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/item/{ids[0]}")
    page = c.get(f"/item/{ids[0]}")
    assert page.status_code == 200 and 'lang="nl"' in page.text and "Clinical finding 1" in page.text
    assert c.get("/tm/100001").status_code == 200
    assert c.get("/item/99999").status_code == 404
    x = c.get("/export.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert c.get("/import").status_code == 200
    admin = c.get("/admin/users")
    assert admin.status_code == (200 if who[0] == "beheer" else 403)
    assert c.get("/?min=abc").status_code == 400


def test_admin_adds_and_disables_users_reviewer_may_not(app, store, web_login):
    admin = web_login(app, "beheer", "wachtwoord-admin")
    r = admin.post("/admin/users", data={"csrf": admin.csrf, "username": "carla", "password": "lang-genoeg",
                                         "role": "reviewer"})
    assert r.status_code == 200 and "carla" in r.text
    admin.post("/admin/users", data={"csrf": admin.csrf, "disable": "bert"})
    with store[1]() as s:
        active = {u.username: u.active for u in users.list_users(s)}
    assert active["carla"] is True and active["bert"] is False
    anna = web_login(app, "anna", "wachtwoord-anna")
    r = anna.post("/admin/users", data={"csrf": anna.csrf, "username": "eve", "password": "lang-genoeg"})
    assert r.status_code == 403
    with store[1]() as s:
        assert "eve" not in {u.username for u in users.list_users(s)}


def test_post_without_or_with_wrong_csrf_is_refused(app, store, seed_items, web_login):
    (item_id,) = seed_items(store[1], 1)
    c = web_login(app, "anna", "wachtwoord-anna")
    assert c.post(f"/item/{item_id}/approve", data={"version": 1}).status_code == 403
    assert c.post(f"/item/{item_id}/approve", data={"version": 1, "csrf": "fout"}).status_code == 403
    assert c.post("/api/queue/%d/approve" % item_id, json={"version": 1}).status_code == 403
    assert c.post("/logout").status_code == 403
    assert TestClient(app).post("/login", data={"username": "anna", "password": "wachtwoord-anna"}).status_code == 403
    with store[1]() as s:
        assert s.get(ReviewItem, item_id).state == "proposed"


def test_markup_in_terms_renders_as_text(app, store, seed_items, web_login):
    evil = "<script>alert(1)</script>"
    (item_id,) = seed_items(store[1], 1, term=evil + " {i}", proposal="<b>vet</b> {i}",
                            flag_details=[{"code": "jargon", "severity": "warning", "reason": "<img src=x onerror=alert(2)>",
                                           "related": ["<svg>"]}],
                            similar=[{"conceptId": "1\"><script>", "term": "<i>x</i>", "patientTerm": "<u>y</u>", "score": 90}])
    c = web_login(app, "anna", "wachtwoord-anna")
    for page in (c.get(f"/item/{item_id}").text, c.get("/").text):
        assert "<script>alert(1)" not in page and "<b>vet</b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    item_page = c.get(f"/item/{item_id}").text
    assert "<img src=x" not in item_page and "<u>y</u>" not in item_page and "<svg>" not in item_page


def test_decisions_through_the_pages_open_the_next_item_and_are_audited(app, store, seed_items, web_login):
    ids = seed_items(store[1], 4)
    c = web_login(app, "anna", "wachtwoord-anna")
    r = c.post(f"/item/{ids[0]}/approve", data={"csrf": c.csrf, "version": 1}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/next?after={ids[0]}")
    r = c.get(r.headers["location"], follow_redirects=False)
    assert r.headers["location"].startswith(f"/item/{ids[1]}")
    c.post(f"/item/{ids[1]}/edit", data={"csrf": c.csrf, "version": 1, "term": "eigen term", "explanation": "uitleg"})
    c.post(f"/item/{ids[2]}/reject", data={"csrf": c.csrf, "version": 1, "reason": "onbegrijpelijk"})
    c.post(f"/item/{ids[3]}/defer", data={"csrf": c.csrf, "version": 1, "reason": "later"})
    with store[1]() as s:
        states = [s.get(ReviewItem, i).state for i in ids]
        assert states == ["approved", "edited", "rejected", "deferred"]
        assert s.execute(select(PatientTerm.term).where(PatientTerm.concept_id == "100002")).scalar_one() == "eigen term"
        assert len(s.execute(select(AuditLog).where(AuditLog.entity == "review_item")).all()) == 4
    page = c.get(f"/item/{ids[2]}").text
    assert "onbegrijpelijk" in page and "anna" in page and "terugdraaien (u)" in page
    # Undo her own last decision; bert cannot undo anna's.
    bert = web_login(app, "bert", "wachtwoord-bert")
    r = bert.post(f"/item/{ids[2]}/undo", data={"csrf": bert.csrf, "version": 2})
    assert "alleen" in r.text or "only they" in r.text
    c.post(f"/item/{ids[2]}/undo", data={"csrf": c.csrf, "version": 2})
    with store[1]() as s:
        assert s.get(ReviewItem, ids[2]).state == "proposed"


def test_stale_page_shows_a_clear_message_and_never_overwrites(app, store, seed_items, web_login):
    (item_id,) = seed_items(store[1], 1)
    anna, bert = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "bert", "wachtwoord-bert")
    anna.post(f"/item/{item_id}/reject", data={"csrf": anna.csrf, "version": 1, "reason": "fout"})
    r = bert.post(f"/item/{item_id}/approve", data={"csrf": bert.csrf, "version": 1})
    assert "iemand anders heeft dit item intussen gewijzigd" in r.text
    with store[1]() as s:
        item = s.get(ReviewItem, item_id)
        assert (item.state, item.decided_by) == ("rejected", "anna")
        assert s.execute(select(Decision)).scalars().one().reviewer == "anna"


def test_error_flag_needs_reason_in_page(app, store, seed_items, web_login):
    (item_id,) = seed_items(store[1], 1, severity="error", flags="tm-conflict",
                            flag_details=[{"code": "tm-conflict", "severity": "error",
                                           "reason": "gelijk aan de term van 123456", "related": ["123456"]}])
    c = web_login(app, "anna", "wachtwoord-anna")
    page = c.get(f"/item/{item_id}").text
    assert 'href="/tm/123456"' in page and "gelijk aan de term van 123456" in page and 'id="approve-reason"' in page
    r = c.post(f"/item/{item_id}/approve", data={"csrf": c.csrf, "version": 1})
    assert "override reason" in r.text
    c.post(f"/item/{item_id}/approve", data={"csrf": c.csrf, "version": 1, "reason": "verschil is bedoeld"})
    with store[1]() as s:
        assert s.get(ReviewItem, item_id).state == "approved"


def test_queue_filters_search_and_keyset_paging(app, store, seed_items, web_login):
    f = store[1]
    seed_items(f, 7, semantic_tag="disorder", origin="lexicon", confidence=0.9)
    seed_items(f, 3, start=50, semantic_tag="procedure", origin="llm", confidence=0.3, severity="warning", flags="jargon")
    c = web_login(app, "anna", "wachtwoord-anna")
    api = c.get("/api/queue", params={"tag": "procedure"}).json()
    assert [i["conceptId"] for i in api["items"]] == ["100050", "100051", "100052"]
    assert [i["conceptId"] for i in c.get("/api/queue", params={"flag": "jargon"}).json()["items"]] == ["100050", "100051", "100052"]
    assert len(c.get("/api/queue", params={"origin": "lexicon", "max": "0.95", "min": "0.5"}).json()["items"]) == 7
    assert [i["conceptId"] for i in c.get("/api/queue", params={"q": "100003"}).json()["items"]] == ["100003"]
    assert [i["conceptId"] for i in c.get("/api/queue", params={"q": "TERM 51"}).json()["items"]] == ["100051"]
    assert c.get("/api/queue", params={"q": "%"}).json()["items"] == []  # wildcards are literal
    assert c.get("/api/queue", params={"q": "_"}).json()["items"] == []
    seen, after = [], None
    while True:
        page = c.get("/api/queue", params={"limit": 3, **({"after": after} if after else {})}).json()
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
        if not after:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 10
    by_conf = c.get("/api/queue", params={"sort": "confidence", "limit": 4}).json()
    assert [i["confidence"] for i in by_conf["items"]] == [0.3, 0.3, 0.3, 0.9]
    rest = c.get("/api/queue", params={"sort": "confidence", "after": by_conf["next"], "limit": 50}).json()
    assert len(rest["items"]) == 6 and not {i["id"] for i in rest["items"]} & {i["id"] for i in by_conf["items"]}
    html = c.get("/", params={"tag": "procedure"}).text
    assert "procedure (3)" in html and "disorder (7)" in html and "open (10)" in html


def test_api_decisions_with_basic_auth_and_session(app, store, seed_items, web_login):
    ids = seed_items(store[1], 3)
    basic = TestClient(app)
    auth = ("anna", "wachtwoord-anna")
    detail = basic.get(f"/api/queue/{ids[0]}", auth=auth).json()
    assert detail["fsn"] == "Clinical finding 1 (disorder)" and detail["suggestions"][0]["explanation"] == "uitleg 1"
    r = basic.post(f"/api/queue/{ids[0]}/edit", auth=auth, json={"version": 1, "term": "mijn term"})
    assert r.status_code == 200 and r.json()["state"] == "edited" and r.json()["finalTerm"] == "mijn term"
    assert basic.post(f"/api/queue/{ids[0]}/reject", auth=auth, json={"version": 1, "reason": "x"}).status_code == 409
    assert basic.post(f"/api/queue/{ids[1]}/reject", auth=auth, json={"version": 1}).status_code == 422
    assert basic.post(f"/api/queue/999999/approve", auth=auth, json={"version": 1}).status_code == 404
    assert basic.post(f"/api/queue/{ids[1]}/approve", auth=auth, content=b"nope",
                      headers={"content-type": "application/json"}).status_code == 400
    c = web_login(app, "beheer", "wachtwoord-admin")
    r = c.post(f"/api/queue/{ids[2]}/defer", json={"version": 1, "reason": "vraag"}, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200 and r.json()["state"] == "deferred"
    hist = basic.get(f"/api/queue/{ids[0]}", auth=auth).json()["history"]
    assert [(h["reviewer"], h["action"]) for h in hist] == [("anna", "edit")]
    token = base64.b64encode(b"anna:wachtwoord-anna").decode()
    assert TestClient(app).get("/api/queue", headers={"Authorization": "Basic " + token}).status_code == 200


def test_logout_ends_the_session(app, web_login):
    c = web_login(app, "anna", "wachtwoord-anna")
    assert c.post("/logout", data={"csrf": c.csrf}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303
    assert c.get("/api/queue").status_code == 401


def test_four_eyes_needs_a_second_reviewer(store, seed_items, web_login):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "wachtwoord-anna")
        users.add_user(s, "bert", "wachtwoord-bert")
    app = create_app(factory, {"secret": "s", "four_eyes": True})
    (item_id,) = seed_items(factory, 1, confidence=0.2)
    anna, bert = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "bert", "wachtwoord-bert")
    anna.post(f"/item/{item_id}/approve", data={"csrf": anna.csrf, "version": 1})
    with factory() as s:
        item = s.get(ReviewItem, item_id)
        assert (item.state, item.first_approver) == ("proposed", "anna")
    assert "Vier ogen" in bert.get(f"/item/{item_id}").text
    bert.post(f"/item/{item_id}/approve", data={"csrf": bert.csrf, "version": item.version})
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "approved"


def test_extra_routers_are_served_alongside(store):
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/extra")
    def extra():
        return {"ok": True}

    app = create_app(store[1], {"secret": "s"}, routers=[router])
    assert TestClient(app).get("/api/extra").json() == {"ok": True}
    assert TestClient(app).get("/api/queue").status_code == 401
