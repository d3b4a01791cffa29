"""Dutch words for the codes the review workspace stores: states, actions, flags, severities,
origins, times. Codes stay in the data and the API; people read these (terms/messages:
`review.*`, and `flags.*` for what the checks own).

Times on web pages are shown in Europe/Amsterdam with the zone's abbreviation (CET/CEST), since
reviewers compare them with their own clock; stored times are UTC. The command line and log lines
print UTC with its offset instead (models.iso_utc), as `helder release list` and `status` do.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from terms.messages import has, message

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Words that occur in English sentences and not in Dutch ones: a stored flag reason containing
# them was written before the checks spoke Dutch, and its code's Dutch description is shown instead.
_ENGLISH = re.compile(
    r"\b(the|and|with|should|cannot|which|been|will|does|from|another|proposal|changed|equals|nearly|"
    r"reader|know|words|after|before|made|rendered|differently|same|spacing|markup|unsafe|output|"
    r"says|clinical|lay|repeats|batch|got)\b", re.IGNORECASE)


# A term a reason quotes ('oedeem van been': Dutch 'been' is a leg) says nothing about the
# reason's own language.
_QUOTED = re.compile(r"'[^']*'|‘[^’]*’|“[^”]*”")


def looks_english(text: str | None) -> bool:
    return bool(text) and bool(_ENGLISH.search(_QUOTED.sub(" ", text)))


def _or_code(key: str, code: str) -> str:
    return message(key) if has(key) else code


def state(code: str | None) -> str:
    """'approved' → 'goedgekeurd'; the queue views too ('needs-wording' → 'formulering nodig')."""
    return _or_code(f"review.state.{code}", code or "—")


def item_state(item) -> str:
    """An item's state as a reviewer reads it: needs wording and a pending second look included."""
    from review_queue.decisions import awaiting_second, needs_wording

    if needs_wording(item):
        return state("needs-wording") + (" · " + state("deferred") if item.state == "deferred" else "")
    if awaiting_second(item):
        return state("second-review")
    return state(item.state)


def run_status(code: str | None) -> str:
    """A batch run's status: 'completed' → 'klaar'."""
    return _or_code(f"run.status.{code}", code or "—")


def queue_counts(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    """(code, Dutch label, count) per review state, in the order of the workflow (models.STATES),
    states the code does not know last: what `helder status` prints as its queue line."""
    from review_queue.models import STATES

    order = {code: i for i, code in enumerate(STATES)}
    return [(code, state(code), n) for code, n in sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]


def action(code: str | None) -> str:
    return _or_code(f"review.action.{code}", code or "—")


def severity(code: str | None) -> str:
    return _or_code(f"flags.severity.{code}", code or "—")


def origin(code: str | None) -> str:
    return _or_code(f"flags.origin.{code}", code or "—")


def flag_name(code: str | None) -> str:
    return _or_code(f"flags.{code}.name", code or "—")


def flag_reason(detail: dict) -> str:
    """The reason beside a flag: as stored when it is Dutch; for a reason stored in English (before
    the checks spoke Dutch) or none at all, the Dutch description of its code."""
    reason = str(detail.get("reason") or "")
    code = str(detail.get("code") or "")
    if reason and not looks_english(reason):
        return reason
    key = f"flags.{code}.description"
    return message(key) if has(key) else message("review.item.flag_unknown")


def flags_line(codes: str | None) -> str:
    """'jargon;too-long' → 'vakjargon, te lang'."""
    return ", ".join(flag_name(c) for c in (codes or "").split(";") if c)


def decimal(value: float | None, places: int = 2) -> str:
    """A number as Dutch writes it: decimal comma (0.9 → '0,90'); None → '—'."""
    if value is None:
        return "—"
    return f"{value:.{places}f}".replace(".", ",")


def when(value: datetime | None, seconds: bool = False) -> str:
    """'24-11-2026 14:05 CET': a stored (UTC) time in Europe/Amsterdam with its zone."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        value = value.replace(tzinfo=timezone.utc)
    local = value.astimezone(AMSTERDAM)
    return local.strftime("%d-%m-%Y %H:%M:%S %Z" if seconds else "%d-%m-%Y %H:%M %Z")


def history_reason(decision) -> str:
    """The reason column of a decision in the history, in Dutch (an undo names what it undid)."""
    if decision.action == "undo":
        undone = decision.undoes
        if undone is None and decision.reason:  # older rows: "undo of decision 13 (approve)"
            m = re.match(r"undo of decision (\d+)", decision.reason)
            undone = int(m.group(1)) if m else None
        return message("review.history.undo_of", decision=undone) if undone else ""
    return decision.reason or ""


def neighbours_text(similar: list | None, limit: int = 5) -> str:
    """Nearest TM neighbours as lines 'concept: klinische term → patiëntvriendelijke term (score)'."""
    lines = []
    for n in (similar or [])[:limit]:
        lines.append(message("review.xlsx.neighbour", concept=n.get("conceptId", ""), term=n.get("term", ""),
                             patient_term=n.get("patientTerm", ""), score=n.get("score", "")))
    return "\n".join(lines)


def reasons_text(flag_details: list | None) -> str:
    """Flags as lines 'naam (ernst): reden'."""
    return "\n".join(message("review.xlsx.flag_line", name=flag_name(f.get("code")), severity=severity(f.get("severity")),
                             reason=flag_reason(f)) for f in (flag_details or []))
