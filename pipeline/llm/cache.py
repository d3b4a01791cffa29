"""Pay once: every accepted LLM answer, keyed by sha256(model, prompt version, normalised input).

`StoreCache(session_factory)` keeps answers in the review store's `llm_cache` table (SQLite or
PostgreSQL), shared by every worker. `FileCache(path)` is the same table in a SQLite file of its
own, for `helder suggest` without a database: by default `$HELDER_LLM_CACHE`, else
`$XDG_CACHE_HOME/helder/llm-cache.sqlite` (`~/.cache/helder/llm-cache.sqlite`). Both also hold
the batch jobs (`llm_batch_jobs`) so `--batch` can collect after a crash.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select

from review_queue.models import LLMBatchJob, LLMCacheEntry
from terms.messages import message

IN_CHUNK = 500  # keys per SELECT ... IN (...)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Answer:
    key: str
    patient_term: str
    explanation: str
    tokens_in: int = 0
    tokens_out: int = 0


class StoreCache:
    def __init__(self, session_factory):
        self.session_factory = session_factory

    def get_many(self, keys: list[str]) -> dict[str, Answer]:
        found: dict[str, Answer] = {}
        unique = list(dict.fromkeys(keys))
        with self.session_factory() as session:
            for start in range(0, len(unique), IN_CHUNK):
                rows = session.execute(select(LLMCacheEntry.key, LLMCacheEntry.patient_term, LLMCacheEntry.explanation,
                                              LLMCacheEntry.tokens_in, LLMCacheEntry.tokens_out)
                                       .where(LLMCacheEntry.key.in_(unique[start:start + IN_CHUNK]))).all()
                for key, term, expl, t_in, t_out in rows:
                    found[key] = Answer(key, term, expl or "", t_in or 0, t_out or 0)
        return found

    def put_many(self, rows: list[dict]) -> None:
        """rows: key, model, prompt_version, input_text, patient_term, explanation, tokens_in, tokens_out.
        A key already present is overwritten (a forced re-ask replaces the old answer)."""
        if not rows:
            return
        unique = list({r["key"]: r for r in rows}.values())
        with self.session_factory() as session, session.begin():
            dialect = session.get_bind().dialect.name
            if dialect in ("postgresql", "sqlite"):
                if dialect == "postgresql":
                    from sqlalchemy.dialects.postgresql import insert
                else:
                    from sqlalchemy.dialects.sqlite import insert
                # one statement, many parameter sets: compiled once (a VALUES list of 200 rows is not)
                stmt = insert(LLMCacheEntry)
                stmt = stmt.on_conflict_do_update(index_elements=[LLMCacheEntry.key], set_={
                    c: stmt.excluded[c] for c in ("model", "prompt_version", "input_text", "patient_term",
                                                  "explanation", "tokens_in", "tokens_out")})
                session.execute(stmt, [{"created_at": _now(), **r} for r in unique])
            else:  # any other database: one merge per row
                for row in unique:
                    session.merge(LLMCacheEntry(**row))

    def __len__(self) -> int:
        from sqlalchemy import func

        with self.session_factory() as session:
            return session.scalar(select(func.count()).select_from(LLMCacheEntry)) or 0


CACHE_FILE_NAME = ".helder-llm-cache.sqlite"


def default_cache_path() -> Path:
    env = os.environ.get("HELDER_LLM_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "helder" / "llm-cache.sqlite"


def file_cache_path(out_path: str | Path, settings: dict | None = None) -> Path:
    """Where `helder suggest` keeps its answers: $HELDER_LLM_CACHE, else `[llm] cache_file`, else a
    hidden file beside the output — so a rerun into the same folder pays nothing, and unrelated
    jobs in other folders never see each other's answers."""
    env = os.environ.get("HELDER_LLM_CACHE")
    if env:
        return Path(env)
    configured = (settings or {}).get("cache_file") if isinstance(settings, dict) else getattr(settings, "cache_file", None)
    if configured:
        return Path(configured).expanduser()
    return Path(out_path).resolve().parent / CACHE_FILE_NAME


class FileCache(StoreCache):
    """The cache (and batch jobs) in a SQLite file of its own; made on first use."""

    def __init__(self, path: str | Path | None = None):
        from sqlalchemy import create_engine

        from review_queue.db import session_factory

        self.path = Path(path).expanduser() if path else default_cache_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(message("llm.setup.cache-folder", path=self.path, reason=exc.strerror)) from None
        # a plain engine: the store's foreign-key pragma would demand the `runs` table batch jobs point at
        self.engine = create_engine(f"sqlite:///{self.path}", connect_args={"timeout": 30})
        LLMCacheEntry.metadata.create_all(self.engine, tables=[LLMCacheEntry.__table__, LLMBatchJob.__table__])
        super().__init__(session_factory(self.engine))

    def close(self) -> None:
        self.engine.dispose()
