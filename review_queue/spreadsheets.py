"""XLSX round trip for agencies and offline review: export a filtered batch, import decisions.

Import validates every row first and applies all of them in one transaction, so a file with a
bad row changes nothing. Refused: unknown item ids, a source term that changed since export, a
version that moved on (someone decided in between), an unknown decision or a missing term/reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue import decisions
from review_queue.models import ReviewItem, Suggestion
from review_queue.queue import QueueFilter, sql_conditions
from terms.text import neutralise_cell

COLUMNS = ["item id", "version", "concept id", "clinical term", "English FSN", "proposal",
           "explanation", "flags", "decision", "final term", "reason"]
DECISIONS = ("approve", "edit", "reject", "defer")
MAX_EXPORT = 50_000


class ImportRefused(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _cell(value) -> str:
    # terms.text.neutralise_cell: the one rule every table writer uses (OWASP CSV injection).
    return neutralise_cell("" if value is None else str(value))


def export_xlsx(session: Session, filters: QueueFilter, limit: int = MAX_EXPORT) -> bytes:
    from review_queue.models import Concept

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("review")
    ws.append(COLUMNS)
    stmt = (select(ReviewItem, Concept.fsn_en, Suggestion.explanation)
            .join(Concept, Concept.id == ReviewItem.concept_id, isouter=True)
            .join(Suggestion, (Suggestion.item_id == ReviewItem.id) & Suggestion.is_primary, isouter=True)
            .where(*sql_conditions(filters.conditions(), session.get_bind().dialect.name))
            .order_by(ReviewItem.id).limit(limit))
    seen = set()
    for item, fsn, explanation in session.execute(stmt):
        if item.id in seen:  # more than one primary suggestion: the first one
            continue
        seen.add(item.id)
        ws.append([item.id, item.version, item.concept_id, _cell(item.source_term), _cell(fsn),
                   _cell(item.proposal), _cell(explanation), item.flags, "", "", ""])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class ImportResult:
    applied: int
    skipped: int  # rows with an empty decision


def _text(v) -> str:
    s = "" if v is None else str(v).strip()
    return s[1:] if s.startswith("'") and s[1:2] in ("=", "+", "-", "@") else s


def import_xlsx(session: Session, data: bytes, user: str,
                policy: decisions.ReviewPolicy = decisions.ReviewPolicy()) -> ImportResult:
    """Apply the decisions in an exported workbook, all or nothing; ImportRefused lists every bad row."""
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a non-XLSX file
        raise ImportRefused([f"not an XLSX workbook ({type(exc).__name__})"]) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [(_text(h)).lower() for h in next(rows, [])]
    missing = [c for c in ("item id", "version", "clinical term", "decision", "final term", "reason")
               if c not in header]
    if missing:
        raise ImportRefused([f"row 1: missing columns {', '.join(missing)}"])
    col = {name: header.index(name) for name in header}
    problems: list[str] = []
    planned: list[tuple[int, int, str, dict]] = []
    skipped = 0
    for rownum, row in enumerate(rows, start=2):
        get = lambda name: row[col[name]] if col[name] < len(row) else None  # noqa: E731
        action = _text(get("decision")).lower()
        if not action:
            skipped += 1
            continue
        try:
            item_id, version = int(get("item id")), int(get("version"))
        except (TypeError, ValueError):
            problems.append(f"row {rownum}: item id and version must be numbers")
            continue
        if action not in DECISIONS:
            problems.append(f"row {rownum}: decision {action[:20]!r} is not one of {', '.join(DECISIONS)}")
            continue
        item = session.get(ReviewItem, item_id)
        if item is None:
            problems.append(f"row {rownum}: item {item_id} does not exist")
            continue
        if _text(get("clinical term")) != item.source_term:
            problems.append(f"row {rownum}: item {item_id}: the clinical term changed since export")
            continue
        if item.version != version:
            problems.append(f"row {rownum}: item {item_id} changed since export (version {version}, now "
                            f"{item.version}, {item.state}); export again")
            continue
        term, reason = _text(get("final term")), _text(get("reason"))
        if action == "edit" and not term:
            problems.append(f"row {rownum}: edit needs a final term")
            continue
        if action == "reject" and not reason:
            problems.append(f"row {rownum}: reject needs a reason")
            continue
        planned.append((rownum, item_id, action, {"term": term, "reason": reason, "version": version}))
    if problems:
        raise ImportRefused(problems)
    # All rows valid: apply them; any DecisionError aborts the caller's transaction.
    for rownum, item_id, action, v in planned:
        try:
            if action == "approve":
                decisions.approve(session, item_id, user, expected_version=v["version"],
                                  override_reason=v["reason"] or None, policy=policy)
            elif action == "edit":
                decisions.edit(session, item_id, user, v["term"], expected_version=v["version"], policy=policy)
            elif action == "reject":
                decisions.reject(session, item_id, user, v["reason"], expected_version=v["version"])
            else:
                decisions.defer(session, item_id, user, v["reason"] or None, expected_version=v["version"])
        except decisions.DecisionError as exc:
            raise ImportRefused([f"row {rownum}: {exc}"]) from None
    return ImportResult(applied=len(planned), skipped=skipped)
