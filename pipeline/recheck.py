"""Checking a reviewer's edited text on save, with the checker `helder run` uses.

`Rechecker(factory, settings)` is the `review_queue.decisions.Recheck` the CLI hands to the web
app and to the review and spreadsheet-import commands (review_queue never imports pipeline). It
keeps one `pipeline.checks.Checker` over the store's TM (`review_queue.store.load_tm`) and
builds it again when the TM changed: approvals add to the TM, an undo takes a term back out, an
ingest or a TM import changes it. Whether it changed is one cheap query (count, sum and maximum
of the active preferred patient-term ids, and the latest ingest), made on every call.

Measured on this machine (2 cores, shared): building a Checker over a 15,000-term TM takes
~0.5 s; checking one text ~65 ms once warm (the first check also loads word frequencies,
~0.8 s). So the checker is built once, rebuilt only when the TM changed, and `tm_changed()` —
called by the web app in a background thread after each approval, and once at start-up — builds
the new one before the next edit needs it.
"""
from __future__ import annotations

import json
import threading
from typing import Sequence

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pipeline.checks import Checker
from review_queue.decisions import CheckedText, TextToCheck
from review_queue.models import Ingest, PatientTerm
from review_queue.store import load_tm


def tm_signature(session: Session) -> tuple:
    """A value that changes whenever the TM the checker is built from changes."""
    count, total, top = session.execute(
        select(func.count(), func.coalesce(func.sum(PatientTerm.id), 0), func.coalesce(func.max(PatientTerm.id), 0))
        .where(PatientTerm.active, PatientTerm.preferred)
    ).one()
    ingest = session.execute(select(func.max(Ingest.id))).scalar_one_or_none()
    return int(count), int(total), int(top), ingest


class Rechecker:
    """Callable: a list of TextToCheck → a list of CheckedText (flags, nearest TM neighbours)."""

    def __init__(self, factory: sessionmaker[Session], settings: dict | None = None) -> None:
        self.factory = factory
        self.settings = dict(settings or {})
        self.builds = 0  # how many times a Checker was built (tests and logs)
        self._checker: Checker | None = None
        self._signature: tuple | None = None
        self._build_lock = threading.Lock()  # one build at a time
        self._use_lock = threading.Lock()  # the Checker caches indexes lazily: one check at a time

    def _current(self, wait: bool = True) -> tuple[Checker | None, bool]:
        """(the checker for the TM as it is now, whether it was built just now). With `wait`
        False, a build already under way elsewhere is left to finish: (None, False)."""
        with self.factory() as s:
            signature = tm_signature(s)
        if self._checker is not None and signature == self._signature:
            return self._checker, False
        if not self._build_lock.acquire(blocking=wait):
            return None, False
        try:
            if self._checker is not None and signature == self._signature:
                return self._checker, False  # built by another thread meanwhile
            with self.factory() as s:
                signature = tm_signature(s)
                tm = load_tm(s)
            checker = Checker(tm, self.settings)
            with self._use_lock:
                self._checker, self._signature = checker, signature
                self.builds += 1
            return checker, True
        finally:
            self._build_lock.release()

    def tm_changed(self) -> None:
        """Build the checker for the current TM now if it changed and nobody is building it
        already (the web app calls this in a thread after each approval; safe from any thread)."""
        checker, built = self._current(wait=False)
        if built:
            with self._use_lock:  # warm the word judge too, so the next real edit is not the slow one
                checker.check(pl.DataFrame({"conceptId": ["0"], "term": ["x"], "suggestion": ["x"]}))

    def __call__(self, texts: Sequence[TextToCheck]) -> list[CheckedText]:
        if not texts:
            return []
        checker, _ = self._current()
        frame = pl.DataFrame({
            "conceptId": [t.concept_id for t in texts],
            "term": [t.clinical_term for t in texts],
            "suggestion": [t.text for t in texts],
            "explanation": [t.explanation or "" for t in texts],
        }, schema={"conceptId": pl.Utf8, "term": pl.Utf8, "suggestion": pl.Utf8, "explanation": pl.Utf8})
        with self._use_lock:
            checked = checker.check(frame)
        return [CheckedText(flags=json.loads(details or "[]"), similar=json.loads(similar or "[]"))
                for details, similar in zip(checked["flagDetails"].to_list(), checked["similar"].to_list())]
