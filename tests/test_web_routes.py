"""The review web app over real databases: every route for anonymous, reviewer and admin; CSRF;
escaping; decisions through the pages; the queue's filters, search, navigation and claims."""
import base64
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from review_queue import users
from review_queue.models import AuditLog, ConceptParent, Decision, PatientTerm, ReviewItem
from review_queue.web import create_app


@pytest.fixture
def app(store, reviewers):
    _, factory = store
    return create_app(factory, {"secret": "test-secret"})


PAGES = ["/", "/next", "/prev", "/item/1", "/tm/100001", "/mine", "/export.xlsx", "/import", "/admin/users",
         "/account"]
API = ["/api/queue", "/api/queue/1", "/api/mine"]


def test_healthz_is_public(app):
    assert TestClient(app).get("/healthz").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_pages_redirect_to_login(app, store, seed_items, path):
    seed_items(store[1], 2)
    r = TestClient(app).get(path + "?state=open", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert "next=%2F" in r.headers["location"] and "state%3Dopen" in r.headers["location"]  # back to where they were


@pytest.mark.parametrize("path", API)
def test_anonymous_api_gets_401_and_no_data(app, store, seed_items, path):
    seed_items(store[1], 2, term="geheime term {i}")
    r = TestClient(app).get(path)
    assert r.status_code == 401 and "geheime" not in r.text
    assert r.json()["error"]["code"] == "not_authenticated"
    r = TestClient(app).post("/api/queue/1/approve", json={"version": 1})
    assert r.status_code == 401
    r = TestClient(app).get(path, auth=("anna", "fout-wachtwoord"))
    assert r.status_code == 401


def test_wrong_password_and_disabled_user_cannot_log_in(app, store, web_login):
    c = TestClient(app)
    tok = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": "anna", "password": "nee", "csrf": tok})
    assert r.status_code == 401 and "verkeerd wachtwoord" in r.text
    client = web_login(app, "anna", "wachtwoord-anna")
    with store[1]() as s, s.begin():
        users.disable_user(s, "anna")
    assert client.get("/", follow_redirects=False).status_code == 303  # session no longer honoured


@pytest.mark.parametrize("who", [("anna", "wachtwoord-anna"), ("beheer", "wachtwoord-beheer")])
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
    assert c.get("/mine").status_code == 200 and c.get("/account").status_code == 200
    admin = c.get("/admin/users")
    assert admin.status_code == (200 if who[0] == "beheer" else 403)
    bad = c.get("/?min=abc")
    assert bad.status_code == 422 and "min: 'abc' is geen getal." in unescape(bad.text)


def test_admin_adds_and_disables_users_reviewer_may_not(app, store, web_login):
    admin = web_login(app, "beheer", "wachtwoord-beheer")
    r = admin.post("/admin/users", data={"csrf": admin.csrf, "username": "carla", "password": "lang-genoeg",
                                         "role": "reviewer"})
    assert r.status_code == 200 and "Gebruiker carla toegevoegd." in r.text
    admin.post("/admin/users", data={"csrf": admin.csrf, "disable": "bert"})
    with store[1]() as s:
        active = {u.username: u.active for u in users.list_users(s)}
    assert active["carla"] is True and active["bert"] is False
    anna = web_login(app, "anna", "wachtwoord-anna")
    r = anna.post("/admin/users", data={"csrf": anna.csrf, "username": "eve", "password": "lang-genoeg"})
    assert r.status_code == 403 and "Alleen voor beheerders." in r.text
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
    assert "Item 1 goedgekeurd: «voorstel 1»." in c.get(r.headers["location"]).text
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
    assert "Dit item is afgewezen door anna." in page
    # Undo her own last decision; bert cannot undo anna's.
    bert = web_login(app, "bert", "wachtwoord-bert")
    r = bert.post(f"/item/{ids[2]}/undo", data={"csrf": bert.csrf, "version": 2})
    assert r.status_code == 422 and "alleen die kan het terugdraaien" in r.text
    c.post(f"/item/{ids[2]}/undo", data={"csrf": c.csrf, "version": 2})
    with store[1]() as s:
        assert s.get(ReviewItem, ids[2]).state == "proposed"


def test_stale_page_shows_a_clear_message_and_never_overwrites(app, store, seed_items, web_login):
    (item_id,) = seed_items(store[1], 1)
    anna, bert = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "bert", "wachtwoord-bert")
    anna.post(f"/item/{item_id}/reject", data={"csrf": anna.csrf, "version": 1, "reason": "fout"})
    r = bert.post(f"/item/{item_id}/approve", data={"csrf": bert.csrf, "version": 1})
    assert r.status_code == 409 and "Iemand anders heeft item 1 intussen gewijzigd" in r.text
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
    assert r.status_code == 422 and "Geef een reden om toch goed te keuren." in r.text
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
    assert "procedure (3)" in html and "disorder (7)" in html and "open (alle) (10)" in html


def test_search_ignores_accents_and_looks_in_proposals(app, store, seed_items, web_login):
    f = store[1]
    (thyreo,) = seed_items(f, 1, term="thyreoïditis acuta", proposal="plotselinge ontsteking van de schildklier")
    (other,) = seed_items(f, 1, start=2, term="coxartrose", proposal="slijtage van de heup")
    c = web_login(app, "anna", "wachtwoord-anna")

    def found(q):
        return [i["id"] for i in c.get("/api/queue", params={"q": q}).json()["items"]]
    assert found("thyreoiditis") == [thyreo]  # typed without the trema
    assert found("THYREOÏDITIS") == [thyreo]
    assert found("schildklier") == [thyreo]  # a word of the proposal
    assert found("heup") == [other]
    assert found("Héúp") == [other]
    assert "thyreoïditis acuta" in c.get("/", params={"q": "thyreoiditis"}).text


def test_confidence_reads_and_is_typed_with_a_decimal_comma(app, store, seed_items, web_login):
    f = store[1]
    seed_items(f, 2, origin="lexicon", confidence=0.9)
    seed_items(f, 1, start=50, origin="llm", confidence=0.3)
    c = web_login(app, "anna", "wachtwoord-anna")
    page = c.get("/").text
    assert "0,90" in page and "0,30" in page and "0.90" not in page
    assert len(c.get("/api/queue", params={"min": "0,5"}).json()["items"]) == 2  # as a Dutch reviewer types it


def test_j_and_k_follow_the_filter(app, store, seed_items, web_login):
    f = store[1]
    disorders = seed_items(f, 3, semantic_tag="disorder")
    procedures = seed_items(f, 3, start=10, semantic_tag="procedure")
    c = web_login(app, "anna", "wachtwoord-anna")
    page = c.get(f"/item/{procedures[2]}", params={"tag": "procedure"}).text
    k = re.search(r'href="([^"]+)" data-key="k"', page).group(1).replace("&amp;", "&")
    r = c.get(k, follow_redirects=False)
    assert r.headers["location"].startswith(f"/item/{procedures[1]}?") and "tag=procedure" in r.headers["location"]
    # From the first procedure, k finds no earlier procedure (the disorders before it are outside the filter).
    r = c.get(f"/prev?before={procedures[0]}&tag=procedure", follow_redirects=False)
    assert r.headers["location"].startswith(f"/item/{procedures[0]}")
    assert "Geen eerder open item voor dit filter." in c.get(r.headers["location"]).text
    r = c.get(f"/next?after={disorders[0]}&tag=procedure", follow_redirects=False)
    assert r.headers["location"].startswith(f"/item/{procedures[0]}")


def test_claims_are_released_when_the_reviewer_moves_on_skips_or_logs_out(app, store, seed_items, web_login):
    f = store[1]
    ids = seed_items(f, 4)
    anna, bert = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "bert", "wachtwoord-bert")

    def holders():
        with f() as s:
            return {i: s.get(ReviewItem, i).lease_owner for i in ids}
    anna.get(f"/item/{ids[0]}")
    assert holders()[ids[0]] == "anna"
    anna.get(f"/next?after={ids[0]}")  # skip with j: the skipped item is free again
    assert holders() == {ids[0]: None, ids[1]: "anna", ids[2]: None, ids[3]: None}
    r = bert.get("/next", follow_redirects=False)  # bert's "volgend item" is the one anna skipped
    assert r.headers["location"].startswith(f"/item/{ids[0]}")
    anna.get("/")  # back to the queue: moved on
    assert holders()[ids[1]] is None
    anna.get(f"/item/{ids[2]}")
    anna.post("/logout", data={"csrf": anna.csrf})
    assert holders()[ids[2]] is None


def test_api_decisions_with_basic_auth_and_session(app, store, seed_items, web_login):
    ids = seed_items(store[1], 3)
    basic = TestClient(app)
    auth = ("anna", "wachtwoord-anna")
    detail = basic.get(f"/api/queue/{ids[0]}", auth=auth).json()
    assert detail["fsn"] == "Clinical finding 1 (disorder)" and detail["suggestions"][0]["explanation"] == "uitleg 1"
    r = basic.post(f"/api/queue/{ids[0]}/edit", auth=auth, json={"version": 1, "term": "mijn term"})
    assert r.status_code == 200 and r.json()["state"] == "edited" and r.json()["finalTerm"] == "mijn term"
    stale = basic.post(f"/api/queue/{ids[0]}/reject", auth=auth, json={"version": 1, "reason": "x"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    missing = basic.post(f"/api/queue/{ids[1]}/reject", auth=auth, json={"version": 1})
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "reason"
    assert basic.post("/api/queue/999999/approve", auth=auth, json={"version": 1}).status_code == 404
    bad = basic.post(f"/api/queue/{ids[1]}/approve", auth=auth, content=b"nope", headers={"content-type": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    c = web_login(app, "beheer", "wachtwoord-beheer")
    r = c.post(f"/api/queue/{ids[2]}/defer", json={"version": 1, "reason": "vraag"}, headers={"X-CSRF-Token": c.csrf})
    assert r.status_code == 200 and r.json()["state"] == "deferred"
    hist = basic.get(f"/api/queue/{ids[0]}", auth=auth).json()["history"]
    assert [(h["reviewer"], h["action"]) for h in hist] == [("anna", "edit")]
    token = base64.b64encode(b"anna:wachtwoord-anna").decode()
    assert TestClient(app).get("/api/queue", headers={"Authorization": "Basic " + token}).status_code == 200
    mine = basic.get("/api/mine", auth=auth).json()["decisions"]
    assert [(d["itemId"], d["action"], d["undoable"]) for d in mine] == [(ids[0], "edit", True)]


def test_logout_ends_the_session(app, web_login):
    c = web_login(app, "anna", "wachtwoord-anna")
    assert c.post("/logout", data={"csrf": c.csrf}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303
    assert c.get("/api/queue").status_code == 401


def test_my_recent_decisions_list_and_undo_from_it(app, store, seed_items, web_login):
    ids = seed_items(store[1], 3)
    anna, bert = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "bert", "wachtwoord-bert")
    anna.post(f"/item/{ids[0]}/approve", data={"csrf": anna.csrf, "version": 1})
    anna.post(f"/item/{ids[1]}/reject", data={"csrf": anna.csrf, "version": 1, "reason": "te vaag"})
    bert.post(f"/item/{ids[2]}/approve", data={"csrf": bert.csrf, "version": 1})
    page = anna.get("/mine").text
    rows = re.findall(r'<tr><td>[^<]*</td><td><a href="/item/(\d+)">', page)
    assert rows == [str(ids[1]), str(ids[0])]  # hers only, newest first
    assert page.count('action="/item/') == 2  # both still undoable
    form = re.search(rf'action="/item/{ids[0]}/undo"><input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="version" value="(\d+)"', page)
    anna.post(f"/item/{ids[0]}/undo", data={"csrf": anna.csrf, "version": form.group(1)})
    with store[1]() as s:
        assert s.get(ReviewItem, ids[0]).state == "proposed"
    page = anna.get("/mine").text
    assert "teruggedraaid" in page and page.count('/undo"') == 1  # the undo itself cannot be undone here


def test_item_page_shows_parents_and_a_snomed_browser_link(store, reviewers, seed_items, web_login):
    f = store[1]
    (item_id,) = seed_items(f, 1)
    seed_items(f, 1, start=7, term="ontsteking")
    with f() as s, s.begin():
        s.add(ConceptParent(concept_id="100001", parent_id="100007"))
    app = create_app(f, {"secret": "s", "snomed_browser_url": "https://browser.example/concept/{id}"})
    c = web_login(app, "anna", "wachtwoord-anna")
    page = c.get(f"/item/{item_id}").text
    assert 'href="https://browser.example/concept/100001"' in page
    assert '<a href="/tm/100007">ontsteking</a>' in page
    assert c.get(f"/api/queue/{item_id}").json()["parents"] == [{"conceptId": "100007", "term": "ontsteking"}]


def test_extra_routers_are_served_alongside(store):
    from fastapi import APIRouter

    router = APIRouter()

    @router.get("/api/extra")
    def extra():
        return {"ok": True}

    app = create_app(store[1], {"secret": "s"}, routers=[router])
    assert TestClient(app).get("/api/extra").json() == {"ok": True}
    assert TestClient(app).get("/api/queue").status_code == 401
