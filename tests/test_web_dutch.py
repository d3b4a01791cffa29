"""Dutch throughout: no English text reaches a page (only what is marked lang="en", the English FSN),
codes stay codes in the API, and times are shown in Europe/Amsterdam with the zone."""
import re
from datetime import datetime, timezone
from html.parser import HTMLParser
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import update

from review_queue import decisions
from review_queue.models import Decision
from review_queue.spreadsheets import COLUMNS
from review_queue.web import create_app
from terms import messages

# Words of English sentences and the codes stored in data; none of them belongs on a Dutch page.
ENGLISH = re.compile(
    r"\b(the|and|with|should|cannot|which|been|changed|since|you|your|reload|please|error|warning|"
    r"approved|edited|rejected|deferred|proposed|undo|decision|exists|already|missing|number|password|"
    r"username|login|logout|search|queue|severity|origin|none|null|true|false|traceback|detail|"
    r"not found|method not allowed|unprocessable|first-edit|first-approve|first-keep|needs-wording|"
    r"second-review|tm-conflict|same-as-source|unsafe-output|lost-qualifier|llm|lexicon|tm-exact|"
    r"reason|override|markup|proposal|characters|lay reader)\b", re.IGNORECASE)


class _Visible(HTMLParser):
    """The text a person reads: no scripts or styles, nothing inside an element marked lang="en"."""

    VOID = {"meta", "link", "input", "br", "img", "hr"}

    def __init__(self):
        super().__init__()
        self.stack, self.parts = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            attrs = dict(attrs)
            if tag == "input" and attrs.get("placeholder"):
                self.parts.append(attrs["placeholder"])
            return
        self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(t in ("script", "style", "title") for t, _ in self.stack):
            return
        if any(lang == "en" for _, lang in self.stack):
            return
        self.parts.append(data)


def visible(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def _english_in(html: str) -> list[str]:
    return sorted({m.group(0).lower() for m in ENGLISH.finditer(visible(html))})


@pytest.fixture
def busy(store, reviewers, seed_items):
    """A queue in every state a page can show: flags with English reasons stored, no proposal,
    four eyes waiting, decided, undone, deferred."""
    _, factory = store
    english = [{"code": "jargon", "severity": "warning", "reason": "A lay reader will not know the word",
                "related": ["100099"]},
               {"code": "tm-conflict", "severity": "error", "reason": "The proposal equals the term of 100099",
                "related": ["100099"]}]
    ids = seed_items(factory, 6, flags="jargon;tm-conflict", severity="error", flag_details=english,
                     similar=[{"conceptId": "100099", "term": "ontsteking", "patientTerm": "zwelling", "score": 80}],
                     origin="llm", confidence=0.3)
    (wording,) = seed_items(factory, 1, start=20, origin="none", term="griep", confidence=0.05)
    four = decisions.ReviewPolicy(four_eyes=True)
    with factory() as s, s.begin():
        decisions.edit(s, ids[0], "anna", "eigen woorden", override_reason="bewust", policy=four)
        decisions.approve(s, ids[1], "anna", override_reason="klopt")
        decisions.reject(s, ids[2], "anna", "te vaag")
        decisions.defer(s, ids[3], "anna", "navragen")
        decisions.approve(s, ids[4], "anna", override_reason="klopt")
    with factory() as s, s.begin():
        decisions.undo(s, ids[4], "anna")
    app = create_app(factory, {"secret": "s", "four_eyes": True})
    return app, factory, ids, wording


def test_no_english_reaches_a_page(busy, web_login):
    app, factory, ids, wording = busy
    anna, admin = web_login(app, "anna", "wachtwoord-anna"), web_login(app, "beheer", "wachtwoord-beheer")
    pages = {path: anna.get(path) for path in (
        "/", "/?state=all", "/?state=needs-wording", "/?state=second-review", "/?state=approved",
        "/mine", "/import", "/account", "/tm/100001", "/tm/100002", f"/item/{wording}",
        *[f"/item/{i}" for i in ids])}
    pages["/item (bert, four eyes)"] = web_login(app, "bert", "wachtwoord-bert").get(f"/item/{ids[0]}")
    pages["/admin/users"] = admin.get("/admin/users")
    pages["login"] = TestClient(app).get("/login")
    pages["404"] = anna.get("/item/abc")
    pages["404 route"] = anna.get("/nergens")
    pages["422"] = anna.get("/?min=veel")
    pages["403"] = anna.get("/admin/users")
    pages["refused decision"] = anna.post(f"/item/{ids[5]}/approve", data={"csrf": anna.csrf, "version": 1})
    pages["stale decision"] = anna.post(f"/item/{ids[2]}/approve", data={"csrf": anna.csrf, "version": 1})
    pages["needs wording refused"] = anna.post(f"/item/{wording}/edit", data={"csrf": anna.csrf, "version": 1,
                                                                             "term": "griep"})
    wb = Workbook()
    wb.active.append(COLUMNS)
    wb.active.append([ids[5], 1, "", "klinische term 6", "", "", "", "", "", "", "", "fout", "", ""])
    buf = BytesIO()
    wb.save(buf)
    r = anna.post("/import", data={"csrf": anna.csrf}, files={"file": ("x.xlsx", buf.getvalue())})
    pages["import refused"] = r
    pages["import not xlsx"] = anna.post("/import", data={"csrf": anna.csrf}, files={"file": ("x.xlsx", b"nee")})
    login = TestClient(app)
    token = re.search(r'name="csrf" value="([^"]+)"', login.get("/login").text).group(1)
    pages["wrong password"] = login.post("/login", data={"username": "anna", "password": "nee", "csrf": token})
    found = {name: _english_in(r.text) for name, r in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}
    assert all('<html lang="nl">' in r.text for r in pages.values())
    item = visible(pages[f"/item/{ids[1]}"].text)
    assert "vakjargon" in item and "Woorden die een leek niet kent" in item  # the Dutch description instead


def test_the_catalogue_has_every_state_action_and_code_the_workspace_stores():
    from review_queue.models import STATES
    from review_queue.queue import VIEWS

    for state in (*STATES, *VIEWS):
        assert messages.has(f"review.state.{state}"), state
    for action in ("approve", "edit", "keep", "reject", "defer", "undo", "first-approve", "first-edit", "first-keep",
                   "withdraw"):
        assert messages.has(f"review.action.{action}"), action
    for code in re.findall(r'DecisionError\(\s*"([a-z_]+)"', open(decisions.__file__).read()):
        assert messages.has(f"review.error.{code}"), code


def test_the_api_keeps_codes_and_speaks_dutch_in_messages(busy):
    app, factory, ids, wording = busy
    c = TestClient(app)
    item = c.get(f"/api/queue/{ids[0]}", auth=("anna", "wachtwoord-anna")).json()
    assert item["state"] == "proposed" and item["awaitingSecondReview"] is True and item["origin"] == "llm"
    assert [h["action"] for h in item["history"]] == ["first-edit"]
    assert c.get(f"/api/queue/{wording}", auth=("anna", "wachtwoord-anna")).json()["needsWording"] is True
    r = c.post(f"/api/queue/{wording}/approve", auth=("anna", "wachtwoord-anna"), json={"version": 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "needs_wording"
    assert not _english_in("<p>" + r.json()["error"]["message"] + "</p>")


@pytest.mark.parametrize("utc,shown", [
    (datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc), "01-07-2026 14:00 CEST"),
    (datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc), "15-01-2026 13:00 CET"),
])
def test_times_are_shown_in_amsterdam_with_the_zone(busy, web_login, utc, shown):
    app, factory, ids, _ = busy
    with factory() as s, s.begin():
        s.execute(update(Decision).where(Decision.item_id == ids[2]).values(at=utc))
    page = visible(web_login(app, "anna", "wachtwoord-anna").get(f"/item/{ids[2]}").text)
    assert shown in page
    assert shown in visible(web_login(app, "anna", "wachtwoord-anna").get("/mine").text)
