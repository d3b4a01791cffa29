"""Reviewer accounts: argon2 hashes, roles, disabling."""
import pytest

from review_queue import users
from review_queue.models import User


def test_add_verify_disable(store):
    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "Anna", "geheim-wachtwoord", "admin")
    with factory() as s:
        stored = s.query(User).one()
        assert stored.username == "anna" and stored.password_hash.startswith("$argon2")
        assert "geheim" not in stored.password_hash
        assert users.verify_user(s, "anna", "geheim-wachtwoord").role == "admin"
        assert users.verify_user(s, "anna", "fout") is None
        assert users.verify_user(s, "niemand", "geheim-wachtwoord") is None
    with factory() as s, s.begin():
        users.disable_user(s, "anna")
    with factory() as s:
        assert users.verify_user(s, "anna", "geheim-wachtwoord") is None
        assert [u.active for u in users.list_users(s)] == [False]


@pytest.mark.parametrize("name,password,role,message", [
    ("anna", "kort", "reviewer", "at least 8"),
    ("<b>", "lang-genoeg", "reviewer", "username"),
    ("anna", "lang-genoeg", "god", "role"),
])
def test_bad_accounts_are_refused(sqlite_url, name, password, role, message):
    from review_queue.db import open_store

    _, factory = open_store(sqlite_url)
    with pytest.raises(users.UserError, match=message):
        with factory() as s, s.begin():
            users.add_user(s, name, password, role)


def test_duplicate_user_refused(sqlite_url):
    from review_queue.db import open_store

    _, factory = open_store(sqlite_url)
    with factory() as s, s.begin():
        users.add_user(s, "anna", "lang-genoeg")
    with pytest.raises(users.UserError, match="exists"):
        with factory() as s, s.begin():
            users.add_user(s, "anna", "lang-genoeg")
    with pytest.raises(users.UserError, match="does not exist"):
        with factory() as s, s.begin():
            users.disable_user(s, "bert")
