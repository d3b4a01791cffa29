"""A reviewer works through the queue by keyboard only in a real Chromium (Playwright)."""
import os
import socket
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from review_queue import users
from review_queue.models import Decision, ReviewItem
from review_queue.web import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser
if not Path(CHROMIUM).exists():
    if os.environ.get("HELDER_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is missing and HELDER_REQUIRE_BROWSER=1")
    pytestmark = [pytest.mark.browser, pytest.mark.skip(reason=f"{CHROMIUM} not installed")]


@pytest.fixture
def served(store, seed_items, tmp_path):
    import uvicorn

    from tests.conftest import wait_for_port

    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "wachtwoord-anna")
    ids = seed_items(factory, 4, term="ontsteking van {i} <script>x</script>",
                     flag_details=[{"code": "jargon", "severity": "warning",
                                    "reason": "‘ontsteking’ is vaktaal", "related": ["100099"]}],
                     similar=[{"conceptId": "100099", "term": "ontsteking", "patientTerm": "zwelling", "score": 88}],
                     flags="jargon", severity="warning")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(factory, {"secret": "browser"}), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port)
    yield f"http://127.0.0.1:{port}", factory, ids
    server.should_exit = True
    thread.join(10)


def test_review_by_keyboard_only(served, tmp_path):
    from playwright.sync_api import sync_playwright

    base, factory, ids = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(base + "/")
        assert page.url.startswith(base + "/login")
        # Type only once autofocus has landed, or the first keys go nowhere (seen under load).
        page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
        page.keyboard.type("anna")  # username field has autofocus
        page.keyboard.press("Tab")
        page.keyboard.type("wachtwoord-anna")
        page.keyboard.press("Enter")
        page.wait_for_url(base + "/")
        # Skip link is the first tab stop.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
        page.goto(base + "/next")
        page.wait_for_url(f"{base}/item/{ids[0]}*")
        assert page.locator("html").get_attribute("lang") == "nl"
        assert "<script>x</script>" in page.locator(".source .term").inner_text()  # shown as text
        page.screenshot(path=str(tmp_path / "item.png"), full_page=True)
        shot_dir = os.environ.get("HELDER_SCREENSHOT_DIR")
        if shot_dir:
            page.screenshot(path=str(Path(shot_dir) / "item.png"), full_page=True)
        # 1: approve with "a" → the next item opens by itself.
        page.keyboard.press("a")
        page.wait_for_url(f"{base}/item/{ids[1]}*")
        # 2: edit with "e", type the term, Enter.
        page.keyboard.press("e")
        page.keyboard.type("mijn eigen term")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/item/{ids[2]}*")
        # 3: reject with "r", type the reason, Enter.
        page.keyboard.press("r")
        page.keyboard.type("niet duidelijk")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/item/{ids[3]}*")
        # 4: defer with "d"; then go back with k and undo it with u.
        with page.expect_navigation():
            page.keyboard.press("d")
        page.wait_for_selector("text=uitgesteld")
        page.goto(f"{base}/item/{ids[3]}")
        page.keyboard.press("u")
        page.wait_for_url(f"{base}/item/{ids[3]}*")
        page.wait_for_selector("text=teruggedraaid")
        page.keyboard.press("k")
        page.wait_for_url(f"{base}/item/{ids[2]}*")
        page.keyboard.press("/")
        page.wait_for_url(f"{base}/?focus=search")
        assert page.evaluate("document.activeElement.name") == "q"
        browser.close()
    with factory() as s:
        items = [s.get(ReviewItem, i) for i in ids]
        assert [(i.state, i.final_term, i.decided_by) for i in items] == [
            ("approved", "voorstel 1", "anna"), ("edited", "mijn eigen term", "anna"),
            ("rejected", None, "anna"), ("proposed", None, None)]
        actions = [d.action for d in s.execute(select(Decision).order_by(Decision.id)).scalars()]
        assert actions == ["approve", "edit", "reject", "defer", "undo"]
