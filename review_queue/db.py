"""Connecting to the store: SQLite file by default, `HELDER_DB_URL` for anything else.

The schema is owned by alembic (review_queue/migrations); `migrate` upgrades any existing
database to the version this code expects, so a newer helder opens an older database.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE = "helder.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url() -> str:
    """`HELDER_DB_URL`, or a SQLite file `helder.db` in the working directory."""
    url = os.environ.get("HELDER_DB_URL")
    if url:
        # Accept the plain postgresql:// form; helder speaks psycopg 3.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    return f"sqlite:///{Path(DEFAULT_SQLITE).resolve()}"


def describe(url: str) -> str:
    """Where the data lives, for people: a file path for SQLite, the URL without password otherwise."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets reviewers read while a batch writes; busy_timeout waits instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database's schema up to the newest migration (creates it when empty)."""
    command.upgrade(alembic_config(engine), "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def open_store(url: str | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and session factory for a migrated database."""
    engine = make_engine(url)
    migrate(engine)
    return engine, session_factory(engine)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session
