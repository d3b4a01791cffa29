"""What `helder demo` does in place of a terminologist: decide a handful of items realistically.

Clean, confident proposals are approved; proposals a terminologist would reword are edited with
the wording from demo_edits.tsv (written by hand for the bundled sample); one proposal that
lost a qualifier, if any, is rejected with a reason. Items without a proposal (needs wording)
are left for a person: approving an echoed clinical term is never automatic. Every decision goes
through the same state machine and audit log as the web app's.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from review_queue.decisions import approve, edit, needs_wording, reject
from review_queue.models import PROPOSED, ReviewItem

EDITS_FILE = Path(__file__).with_name("demo_edits.tsv")


def _edits() -> dict[str, str]:
    if not EDITS_FILE.exists():
        return {}
    with EDITS_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["term"]: row["edited"] for row in csv.DictReader(fh, delimiter="\t")}


def review_like_a_terminologist(factory: sessionmaker[Session], user: str = "demo",
                                approvals: int = 8, max_edits: int = 4) -> dict[str, int]:
    done = {"approved": 0, "edited": 0, "rejected": 0}
    edits = _edits()
    with factory() as session:
        items = session.execute(
            select(ReviewItem).where(ReviewItem.state == PROPOSED).order_by(ReviewItem.confidence.desc(), ReviewItem.id)
        ).scalars().all()
    for item in items:
        with factory() as session, session.begin():
            if item.source_term in edits and done["edited"] < max_edits and edits[item.source_term] != item.proposal:
                edit(session, item.id, user, edits[item.source_term], expected_version=item.version)
                done["edited"] += 1
            elif "lost-qualifier" in item.flags and done["rejected"] < 1:
                reject(session, item.id, user, "Een kenmerk uit de klinische term (zijde, beloop of type) ontbreekt.",
                       expected_version=item.version)
                done["rejected"] += 1
            elif needs_wording(item):
                continue
            elif item.confidence >= 0.8 and item.max_severity != "error" and done["approved"] < approvals:
                approve(session, item.id, user, expected_version=item.version)
                done["approved"] += 1
    return done
