"""Accounts on the admin page and in the CLI: at least one active admin, re-enable, reset, roles."""
import re
from html import unescape

from typer.testing import CliRunner

from review_queue import users
from review_queue.web import create_app


def _flash(page: str) -> str:
    return unescape(re.search(r'<p class="flash [a-z]+" role="[a-z]+">([^<]*)</p>', page).group(1))


def _active(factory):
    with factory() as s:
        return {u.username: (u.role, u.active) for u in users.list_users(s)}


def test_the_admin_page_keeps_one_active_admin_and_manages_accounts(store, reviewers, web_login):
    _, factory = store
    app = create_app(factory, {"secret": "s"})
    admin = web_login(app, "beheer", "wachtwoord-beheer")
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "disable": "beheer"}).text
    assert _flash(page) == "'beheer' is de laatste actieve beheerder; maak eerst iemand anders beheerder."
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "role_for": "beheer", "role": "reviewer"}).text
    assert "laatste actieve beheerder" in _flash(page)
    assert _active(factory)["beheer"] == ("admin", True)

    page = admin.post("/admin/users", data={"csrf": admin.csrf, "role_for": "bert", "role": "admin"}).text
    assert _flash(page) == "bert is nu beheerder."
    admin.post("/admin/users", data={"csrf": admin.csrf, "disable": "anna"})
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "username": "anna", "password": "nog-een-keer",
                                            "role": "reviewer"}).text
    assert "bestaat al maar is uitgeschakeld" in _flash(page)
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "enable": "anna"}).text
    assert _flash(page) == "Gebruiker anna weer ingeschakeld."
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "password_for": "anna", "password": "kort"}).text
    assert _flash(page) == "Het wachtwoord moet minstens 8 tekens hebben."
    admin.post("/admin/users", data={"csrf": admin.csrf, "password_for": "anna", "password": "door-beheer-gezet"})
    assert _active(factory) == {"anna": ("reviewer", True), "beheer": ("admin", True), "bert": ("admin", True)}
    web_login(app, "anna", "door-beheer-gezet")  # the reset password works
    page = admin.get("/admin/users").text
    assert "Inschakelen" not in page and page.count(">Uitschakelen<") == 3
    # With bert an admin too, beheer may step down.
    page = admin.post("/admin/users", data={"csrf": admin.csrf, "role_for": "beheer", "role": "reviewer"}).text
    assert _active(factory)["beheer"] == ("reviewer", True)
    assert admin.get("/admin/users").status_code == 403  # the role is read on every request


def test_user_commands(helder_env, monkeypatch):
    from cli import app

    runner = CliRunner()
    monkeypatch.setenv("PW", "lang-genoeg-1")
    assert runner.invoke(app, ["user", "add", "beheer", "--role", "admin", "--password-env", "PW"]).exit_code == 0
    assert runner.invoke(app, ["user", "add", "anna", "--password-env", "PW"]).exit_code == 0
    r = runner.invoke(app, ["user", "disable", "beheer"])
    assert r.exit_code == 1 and "laatste actieve beheerder" in r.output
    assert runner.invoke(app, ["user", "disable", "anna"]).exit_code == 0
    r = runner.invoke(app, ["user", "add", "anna", "--password-env", "PW"])
    assert r.exit_code == 1 and "uitgeschakeld" in r.output and "helder user enable anna" in r.output
    assert runner.invoke(app, ["user", "enable", "anna"]).exit_code == 0
    assert runner.invoke(app, ["user", "role", "anna", "admin"]).output.strip() == "anna is nu beheerder (admin)"
    monkeypatch.setenv("PW2", "een-nieuw-wachtwoord")
    r = runner.invoke(app, ["user", "password", "anna", "--password-env", "PW2"])
    assert r.exit_code == 0 and r.output.strip() == "Nieuw wachtwoord ingesteld voor anna; de sessies van dit account zijn beëindigd"
    r = runner.invoke(app, ["user", "role", "anna", "god"])
    assert r.exit_code == 1 and "Rol 'god' bestaat niet" in r.output
    assert runner.invoke(app, ["user", "list"]).output.splitlines() == ["anna\tadmin\tactief", "beheer\tadmin\tactief"]
    from review_queue.db import database_url, open_store

    _, factory = open_store(database_url())
    with factory() as s:
        assert users.verify_user(s, "anna", "een-nieuw-wachtwoord") is not None
