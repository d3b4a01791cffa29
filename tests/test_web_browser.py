"""Reviewers work the queue by keyboard only in a real Chromium (Playwright): the daily flow, four
eyes that keep the first reviewer's edit (and publish it), edits checked again on save, items
without a proposal, and logging out for real."""
import csv
import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.recheck import Rechecker
from review_queue import users
from review_queue.models import Concept, Decision, ReviewItem, Suggestion
from review_queue.web import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("HELDER_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing and HELDER_REQUIRE_BROWSER=1")
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=f"{CHROMIUM} not installed")]


def _serve(app):
    import uvicorn

    from tests.conftest import wait_for_port

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def workspace(store, pf_terms):
    """serve(settings) -> base URL of the app over `store` with anna, bert and beheer, and the
    pipeline's checker over the store's TM (which holds 'suikerziekte' for diabetes)."""
    _, factory = store
    with factory() as s, s.begin():
        for name in ("anna", "bert"):
            users.add_user(s, name, f"wachtwoord-{name}")
        users.add_user(s, "beheer", "wachtwoord-beheer", "admin")
    pf_terms.approve(factory, 50, "suikerziekte", clinical="diabetes mellitus")
    running = []

    def serve(settings=None):
        base, server, thread = _serve(create_app(factory, {"secret": "browser", **(settings or {})},
                                                 recheck=Rechecker(factory, {})))
        running.append((server, thread))
        return base
    yield serve, factory
    for server, thread in running:
        server.should_exit = True
        thread.join(10)


def _item(factory, concept_id, term, proposal, *, origin="lexicon", confidence=0.9, flags="", severity=None,
          details=None):
    with factory() as s, s.begin():
        s.add(Concept(id=concept_id, active=True, effective_time="20250101", module_id="11000146104", term_nl=term,
                      fsn_en=f"{term} (disorder)", semantic_tag="disorder"))
        item = ReviewItem(concept_id=concept_id, source_term=term, proposal=proposal, origin=origin,
                          confidence=confidence, flags=flags, max_severity=severity, semantic_tag="disorder")
        s.add(item)
        s.flush()
        s.add(Suggestion(item_id=item.id, concept_id=concept_id, text=proposal, origin=origin, confidence=confidence,
                         flags=flags, flag_details=details or []))
        return item.id


def _login(page, base, name):
    page.goto(base + "/login")
    # Type only once autofocus has landed, or the first keys go nowhere (seen under load).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(f"wachtwoord-{name}")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


def _state(factory, item_id):
    with factory() as s:
        i = s.get(ReviewItem, item_id)
        return i.state, i.final_term, i.decided_by, i.first_approver


def test_review_by_keyboard_only(workspace, seed_items, browser, tmp_path):
    serve, factory = workspace
    ids = seed_items(factory, 5, term="ontsteking <script>x</script>",
                     flag_details=[{"code": "jargon", "severity": "warning",
                                    "reason": "Een leek kent ‘ontsteking’ niet", "related": ["100099"]}],
                     similar=[{"conceptId": "100099", "term": "ontsteking", "patientTerm": "zwelling", "score": 88}],
                     flags="jargon", severity="warning")
    base = serve()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(base + "/")
    assert page.url.startswith(base + "/login")
    _login(page, base, "anna")
    page.keyboard.press("Tab")  # the skip link is the first tab stop
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.goto(base + "/next")
    page.wait_for_url(f"{base}/item/{ids[0]}*")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "<script>x</script>" in page.locator(".source .term").inner_text()  # shown as text
    assert "Een leek kent ‘ontsteking’ niet" in page.locator(".flags").inner_text()
    shot_dir = os.environ.get("HELDER_SCREENSHOT_DIR")
    page.screenshot(path=str(Path(shot_dir or tmp_path) / "item.png"), full_page=True)
    page.keyboard.press("a")  # 1: approve → the next item opens by itself
    page.wait_for_url(f"{base}/item/{ids[1]}*")
    assert "Item 1 goedgekeurd" in page.locator("main > .flash").first.inner_text()
    page.keyboard.press("e")  # 2: edit, type the term, Enter
    page.keyboard.type("mijn eigen term")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/item/{ids[2]}*")
    page.keyboard.press("r")  # 3: reject with a reason
    page.keyboard.type("niet duidelijk")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/item/{ids[3]}*")
    with page.expect_navigation():  # 4: defer; the next item opens
        page.keyboard.press("d")
    page.wait_for_url(f"{base}/item/{ids[4]}*")
    page.keyboard.press("k")  # k: back to the open item before this one — the deferred one
    page.wait_for_url(f"{base}/item/{ids[3]}*")
    assert "uitgesteld" in page.locator("h1 .state").inner_text()
    page.keyboard.press("u")  # and take the deferral back
    page.wait_for_selector("text=teruggedraaid")
    page.goto(base + "/mine")  # my recent decisions, newest first, undo from there
    assert page.locator("table.mine tbody tr").count() == 5
    page.keyboard.press("/")
    page.wait_for_url(f"{base}/?focus=search")
    assert page.evaluate("document.activeElement.name") == "q"
    page.close()
    assert [_state(factory, i)[:3] for i in ids] == [
        ("approved", "voorstel 1", "anna"), ("edited", "mijn eigen term", "anna"),
        ("rejected", None, "anna"), ("proposed", None, None), ("proposed", None, None)]
    with factory() as s:
        actions = [d.action for d in s.execute(select(Decision).order_by(Decision.id)).scalars()]
    assert actions == ["approve", "edit", "reject", "defer", "undo"]


def test_four_eyes_keep_the_first_reviewers_edit_and_publish_it(workspace, browser, pf_terms, tmp_path):
    from exports.release import create_release

    serve, factory = workspace
    concept = pf_terms.concept(15)
    item_id = _item(factory, concept, "bètathalassemie", "bètathalassemie", origin="none", confidence=0.05,
                    flags="same-as-source", severity="info")
    base = serve({"four_eyes": True})
    anna = browser.new_context().new_page()
    _login(anna, base, "anna")
    anna.goto(f"{base}/item/{item_id}")
    anna.keyboard.press("e")
    anna.keyboard.type("erfelijke bloedarmoede (bèta)")
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    said = anna.locator("main > .flash").first.inner_text()
    assert "eerste goedkeuring" in said and "goedgekeurd" not in said
    assert _state(factory, item_id) == ("proposed", "erfelijke bloedarmoede (bèta)", None, "anna")

    bert = browser.new_context().new_page()
    _login(bert, base, "bert")
    bert.goto(f"{base}/next")
    bert.wait_for_url(f"{base}/item/{item_id}*")
    assert bert.locator("#term-to-decide").inner_text() == "erfelijke bloedarmoede (bèta)"
    assert "anna" in bert.locator("#four-eyes").inner_text()
    assert bert.locator("#f-approve button").inner_text() == "Bevestigen (a)"
    assert bert.locator("#edit-term").input_value() == "erfelijke bloedarmoede (bèta)"
    with bert.expect_navigation():
        bert.keyboard.press("a")
    assert "goedgekeurd: «erfelijke bloedarmoede (bèta)»" in bert.locator("main > .flash").first.inner_text()
    assert _state(factory, item_id) == ("edited", "erfelijke bloedarmoede (bèta)", "bert", "anna")

    release = create_release(factory, root=tmp_path / "releases", created_by="test")
    with open(release / "csv" / "patient-friendly-terms.csv", encoding="utf-8", newline="") as fh:
        published = {row["conceptId"]: row for row in csv.DictReader(fh)}
    assert published[concept]["patientTerm"] == "erfelijke bloedarmoede (bèta)"  # not the echoed clinical term
    assert published[concept]["clinicalTerm"] == "bètathalassemie"


def test_an_edit_is_checked_again_on_save_and_an_error_needs_a_reason(workspace, browser):
    serve, factory = workspace
    frozen = _item(factory, "100201", "frozen shoulder", "frozen shoulder", origin="llm", confidence=0.6,
                   flags="unsafe-output", severity="error",
                   details=[{"code": "unsafe-output", "severity": "error", "reason": "Unsafe output: not Dutch",
                             "related": []}])
    plain = _item(factory, "100202", "diabetes type 2", "suikerziekte type 2")
    base = serve()
    page = browser.new_page()
    _login(page, base, "anna")
    page.goto(f"{base}/item/{frozen}")
    # The stored English reason is shown as the flag's Dutch description.
    assert "Opmaakcode, stuurtekens, links" in page.locator(".flags").inner_text()
    page.keyboard.press("e")  # e + Enter, text unchanged: no way around the error flag
    page.keyboard.press("Enter")
    page.wait_for_selector("#decision-error")
    assert "foutvlag" in page.locator("#decision-error").inner_text()
    assert _state(factory, frozen)[0] == "proposed"
    assert page.evaluate("document.activeElement.id") == "edit-reason"
    page.keyboard.type("gangbaar bij fysiotherapeuten")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/item/{plain}*")
    assert _state(factory, frozen)[:2] == ("edited", "frozen shoulder")

    page.keyboard.press("e")  # a new text that clashes with the TM's 'suikerziekte': the checker finds it
    page.keyboard.type("suikerziekte")
    page.keyboard.press("Enter")
    page.wait_for_selector("#decision-error")
    assert "conflict met bestaande term" in page.locator("#decision-error").inner_text()
    assert page.locator("#edit-term").input_value() == "suikerziekte"  # what was typed stays
    assert _state(factory, plain)[0] == "proposed"

    page.locator("#edit-term").fill("suikerziekte, type 2")  # a two-line explanation: kept, and why
    page.locator("#edit-expl").fill("Eerste regel.\nTweede regel.")
    with page.expect_navigation():
        page.locator("#f-edit button").click()
    assert "regeleinden" in page.locator("#decision-error").inner_text()
    assert page.locator("#edit-expl").input_value() == "Eerste regel.\nTweede regel."
    assert page.locator("#edit-term").input_value() == "suikerziekte, type 2"
    page.locator("#edit-expl").fill("Eerste regel. Tweede regel.")
    with page.expect_navigation():
        page.locator("#f-edit button").click()
    assert _state(factory, plain)[:2] == ("edited", "suikerziekte, type 2")


def test_an_item_without_a_proposal_needs_wording(workspace, seed_items, browser):
    serve, factory = workspace
    (wording,) = seed_items(factory, 1, origin="none", term="griep", confidence=0.05)
    (other,) = seed_items(factory, 1, start=2, term="hypertensie", proposal="hoge bloeddruk")
    base = serve()
    page = browser.new_page()
    _login(page, base, "anna")
    page.goto(f"{base}/?state=needs-wording")
    assert page.locator("table.queue tbody tr").count() == 1
    assert "formulering nodig" in page.locator("table.queue tbody").inner_text()
    page.goto(f"{base}/item/{wording}")
    assert "Formulering nodig" in page.locator("#needs-wording").inner_text()
    assert page.locator("#f-approve").count() == 0
    page.keyboard.press("a")  # no proposal to approve: "a" goes to the term to write
    assert page.evaluate("document.activeElement.id") == "edit-term"
    page.keyboard.press("Enter")  # the clinical term unchanged is not a wording
    page.wait_for_selector("#decision-error")
    assert "Klinische term overnemen" in page.locator("#decision-error").inner_text()
    assert _state(factory, wording)[0] == "proposed"
    page.keyboard.press("Escape")
    page.keyboard.press("o")  # keeping it is a deliberate act, with a reason
    assert page.evaluate("document.activeElement.id") == "keep-reason"
    page.keyboard.type("griep is een gewoon woord")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/item/{other}*")
    assert _state(factory, wording)[:2] == ("approved", "griep")
    with factory() as s:
        d = s.execute(select(Decision).where(Decision.item_id == wording)).scalar_one()
    assert (d.action, d.reason) == ("keep", "griep is een gewoon woord")


def test_logging_out_ends_the_session_for_a_copied_cookie_too(workspace, seed_items, browser):
    serve, factory = workspace
    (item_id,) = seed_items(factory, 1)
    base = serve()
    context = browser.new_context()
    page = context.new_page()
    _login(page, base, "anna")
    copied = context.cookies()
    first_sid = next(c["value"] for c in copied if c["name"] == "helder_session")
    page.locator("form.logout button").click()
    page.wait_for_url(f"{base}/login")
    thief = browser.new_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(f"{base}/item/{item_id}")
    assert stolen.url.startswith(f"{base}/login")
    _login(page, base, "anna")  # logging in again gives a new session id
    assert next(c["value"] for c in context.cookies() if c["name"] == "helder_session") != first_sid
    assert _state(factory, item_id)[0] == "proposed"
