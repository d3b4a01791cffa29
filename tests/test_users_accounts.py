"""Reviewer accounts: argon2 hashes, roles, disabling and enabling, the last admin, sessions ending."""
import pytest

from review_queue import sessions, users
from review_queue.models import User


def test_add_verify_disable(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "beheer", "beheer-wachtwoord", "admin")
        users.add_user(s, "Anna", "geheim-wachtwoord", "admin")
    with factory() as s:
        stored = s.query(User).filter_by(username="anna").one()
        assert stored.username == "anna" and stored.password_hash.startswith("$argon2")
        assert "geheim" not in stored.password_hash
        assert users.verify_user(s, "anna", "geheim-wachtwoord").role == "admin"
        assert users.verify_user(s, "anna", "fout") is None
        assert users.verify_user(s, "niemand", "geheim-wachtwoord") is None
        assert users.verify_user(s, "anna", "x" * 5000) is None  # an absurd password is just wrong
    with factory() as s, s.begin():
        users.disable_user(s, "anna")
    with factory() as s:
        assert users.verify_user(s, "anna", "geheim-wachtwoord") is None
        assert {u.username: u.active for u in users.list_users(s)} == {"anna": False, "beheer": True}


@pytest.mark.parametrize("name,password,role,code", [
    ("anna", "kort", "reviewer", "password_short"),
    ("<b>", "lang-genoeg", "reviewer", "bad_name"),
    ("anna", "lang-genoeg", "god", "bad_role"),
])
def test_bad_accounts_are_refused(sqlite_url, name, password, role, code):
    from review_queue.db import open_store

    _, factory = open_store(sqlite_url)
    with pytest.raises(users.UserError) as err:
        with factory() as s, s.begin():
            users.add_user(s, name, password, role)
    assert err.value.code == code


def test_duplicate_user_refused_and_a_disabled_one_says_so(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "lang-genoeg")
        users.add_user(s, "bert", "lang-genoeg")
    with pytest.raises(users.UserError, match="bestaat al.$"):
        with factory() as s, s.begin():
            users.add_user(s, "anna", "lang-genoeg")
    with factory() as s, s.begin():
        users.disable_user(s, "bert")
    with pytest.raises(users.UserError) as err:
        with factory() as s, s.begin():
            users.add_user(s, "bert", "ander-wachtwoord")
    assert err.value.code == "exists_disabled" and "uitgeschakeld" in str(err.value) and "helder user enable bert" in str(err.value)
    with pytest.raises(users.UserError, match="bestaat niet"):
        with factory() as s, s.begin():
            users.disable_user(s, "carla")


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "beheer", "lang-genoeg", "admin")
        users.add_user(s, "anna", "lang-genoeg", "reviewer")
    for act in (lambda s: users.disable_user(s, "beheer"), lambda s: users.set_role(s, "beheer", "reviewer")):
        with pytest.raises(users.UserError) as err:
            with factory() as s, s.begin():
                act(s)
        assert err.value.code == "last_admin"
    with factory() as s, s.begin():
        users.set_role(s, "anna", "admin")  # a second admin: now the first may go
    with factory() as s, s.begin():
        users.disable_user(s, "beheer")
    with pytest.raises(users.UserError, match="laatste actieve beheerder"):
        with factory() as s, s.begin():
            users.set_role(s, "anna", "reviewer")
    with factory() as s, s.begin():
        users.enable_user(s, "beheer")
    with factory() as s:
        assert {u.username: (u.role, u.active) for u in users.list_users(s)} == {
            "anna": ("admin", True), "beheer": ("admin", True)}


def test_disabling_and_a_new_password_end_sessions(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "lang-genoeg")
        users.add_user(s, "bert", "lang-genoeg")
        one, two = sessions.start(s, "anna"), sessions.start(s, "anna")
        bert = sessions.start(s, "bert")
    with factory() as s, s.begin():
        users.set_password(s, "anna", "nieuw-wachtwoord", keep_session=two)  # anna changes her own in session two
    with factory() as s, s.begin():
        assert sessions.lookup(s, one) is None and sessions.lookup(s, two).username == "anna"
        assert users.verify_user(s, "anna", "nieuw-wachtwoord") is not None
        users.set_password(s, "anna", "derde-wachtwoord")  # an admin's reset: every session ends
    with factory() as s, s.begin():
        assert sessions.lookup(s, two) is None
        users.disable_user(s, "bert")
    with factory() as s, s.begin():
        assert sessions.lookup(s, bert) is None
        users.enable_user(s, "bert")
    with factory() as s, s.begin():
        assert sessions.lookup(s, bert) is None  # enabling does not bring an ended session back
        assert users.verify_user(s, "bert", "lang-genoeg").username == "bert"
