"""XLSX round trip for agencies and offline review: export a filtered batch, import decisions.

The export carries, per item, what a reviewer needs to decide offline: the clinical term, the
English FSN, the term to decide on, its explanation, the flags with their Dutch reasons and the
nearest TM neighbours. Every text cell passes `terms.text.neutralise_cell` (a leading = + - @
stays text in a spreadsheet program). Headers are Dutch (`review.xlsx.*`); the import also reads
the English headers of older exports.

Import validates every row first and applies all of them in one transaction, so a file with a
bad row changes nothing. Refused: unknown item ids, a source term that changed since export, a
version that moved on (someone decided in between), an unknown decision, a missing term or
reason, a text terms.text refuses, an edited text whose re-check finds an error flag without
a reason, a date, number, TRUE/FALSE, error or formula cell in a text column, a changed read-only
`te beslissen term`, a changed `uitleg` without `aanpassen` (with it, `uitleg` is the new
explanation), and an `eindterm` or `reden` without a decision (docs/files.md, the review
workbook). Problems are Dutch, one line each, numbered by row; at most `MAX_PROBLEMS` are kept
(with the total), so a bad 200,000-row file gives a bounded list.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from io import BytesIO
from typing import Callable

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue import decisions, labels
from review_queue.models import Concept, Decision, ReviewItem, Suggestion
from review_queue.queue import QueueFilter, parse_id, sql_conditions
from terms.messages import message
from terms.text import neutralise_cell, unneutralise_cell
from terms.tm import not_text_cell

# Column codes, in order; the header a person reads is review.xlsx.col_<code>.
COLUMN_CODES = ["item", "version", "concept", "clinical", "fsn", "proposal", "explanation", "state", "flags",
                "reasons", "neighbours", "decision", "final", "reason"]
COLUMNS = [message(f"review.xlsx.col_{c}") for c in COLUMN_CODES]
# Headers of exports made before the workspace spoke Dutch.
ENGLISH_COLUMNS = {"item id": "item", "version": "version", "concept id": "concept", "clinical term": "clinical",
                   "english fsn": "fsn", "proposal": "proposal", "explanation": "explanation", "flags": "flags",
                   "decision": "decision", "final term": "final", "reason": "reason"}
REQUIRED = ("item", "version", "clinical", "decision", "final", "reason")
# Columns of words: only a text cell (or an empty one) is read there, never a date, number,
# TRUE/FALSE, error or formula cell.
TEXT_CODES = ("clinical", "proposal", "explanation", "decision", "final", "reason")
# A decision cell: the code or the Dutch verb.
DECISIONS = {"approve": "approve", "goedkeuren": "approve", "edit": "edit", "aanpassen": "edit",
             "keep": "keep", "overnemen": "keep", "reject": "reject", "afwijzen": "reject",
             "defer": "defer", "uitstellen": "defer"}
MAX_EXPORT = 50_000
MAX_ROWS = 100_000  # rows read from one import; more is refused (an export holds at most MAX_EXPORT)
MAX_PROBLEMS = 1_000
LOAD_CHUNK = 1_000

Progress = Callable[[str, int, int], None]  # (stage: read|check|apply, done, total)


class ImportRefused(ValueError):
    """Nothing was applied. `problems`: Dutch lines (at most MAX_PROBLEMS); `total`: how many there were."""

    def __init__(self, problems: list[str], total: int | None = None):
        self.problems = problems[:MAX_PROBLEMS]
        self.total = total if total is not None else len(problems)
        super().__init__("; ".join(self.problems[:20]))


class _Problems:
    """The MAX_PROBLEMS problems of the lowest rows (and the total), in row order, whatever the
    order they were found in (a heap of the largest kept row on top)."""

    def __init__(self) -> None:
        self.kept: list[tuple[int, int, str]] = []  # (-row, -n, line): heapq keeps the smallest on top
        self.total = 0

    def add(self, row: int, code: str, **params) -> None:
        self.add_text(row, message(f"review.import.{code}", **params))

    def add_text(self, row: int, text: str) -> None:
        self.total += 1
        entry = (-row, -self.total, message("review.import.row", row=row, problem=text))
        if len(self.kept) < MAX_PROBLEMS:
            heapq.heappush(self.kept, entry)
        elif entry > self.kept[0]:  # a lower row than the highest kept
            heapq.heapreplace(self.kept, entry)

    @property
    def lines(self) -> list[str]:
        return [line for _, _, line in sorted(self.kept, reverse=True)]


def _cell(value) -> object:
    return neutralise_cell("" if value is None else value)


def export_xlsx(session: Session, filters: QueueFilter, limit: int = MAX_EXPORT) -> bytes:
    """A workbook (bytes) with the items matching `filters`, oldest first, at most `limit`."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(message("review.xlsx.sheet"))
    ws.append(COLUMNS)
    stmt = (select(ReviewItem, Concept.fsn_en, Suggestion.explanation, Suggestion.flag_details, Suggestion.similar)
            .join(Concept, Concept.id == ReviewItem.concept_id, isouter=True)
            .join(Suggestion, (Suggestion.item_id == ReviewItem.id) & Suggestion.is_primary, isouter=True)
            .where(*sql_conditions(filters.conditions(), session.get_bind().dialect.name))
            .order_by(ReviewItem.id).limit(limit))
    rows = []
    seen = set()
    for item, fsn, explanation, details, similar in session.execute(stmt):
        if item.id in seen:  # more than one primary suggestion: the first one
            continue
        seen.add(item.id)
        rows.append((item, fsn, explanation, details, similar))
    # Items waiting for a second look are decided on the first reviewer's text and its checks.
    pending = [item.id for item, *_ in rows if decisions.awaiting_second(item)]
    first_flags = {}
    for start in range(0, len(pending), LOAD_CHUNK):
        for d in session.execute(select(Decision).where(Decision.item_id.in_(pending[start:start + LOAD_CHUNK]),
                                                        Decision.action.startswith("first-"))
                                 .order_by(Decision.id)).scalars():
            first_flags[d.item_id] = d.flag_details or []
    for item, fsn, explanation, details, similar in rows:
        waiting = decisions.awaiting_second(item)
        text = decisions.text_to_decide(item)
        expl = item.final_explanation if waiting else explanation
        flags = first_flags.get(item.id, []) if waiting else (details or [])
        ws.append([item.id, item.version, _cell(item.concept_id), _cell(item.source_term), _cell(fsn), _cell(text),
                   _cell(expl), _cell(labels.item_state(item)), _cell(labels.flags_line(";".join(
                       str(f.get("code")) for f in flags)) if flags else labels.flags_line(item.flags)),
                   _cell(labels.reasons_text(flags)), _cell(labels.neighbours_text(similar)), "", "", ""])
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class ImportResult:
    applied: int
    skipped: int  # rows with an empty decision
    flagged: list[str] = field(default_factory=list)  # rows saved with (non-error) flags, Dutch lines


def _text(v) -> str:
    # Undo the export's neutralise_cell (an apostrophe before a formula character), nothing more:
    # the apostrophe of "'s nachts" is the text's own.
    return "" if v is None else str(unneutralise_cell(v)).strip()


def _cell_problem(cell, column: str) -> str | None:
    """Why a cell in a text column cannot be read as the reviewer's words, or None."""
    if getattr(cell, "data_type", None) == "f":
        return message("files.text.formula", field=column, found=str(cell.value)[:1] or "=")
    problem = not_text_cell(cell)
    return message("review.import.not_text", column=column, problem=problem) if problem else None


def _header(raw) -> str | None:
    name = _text(raw).lower()
    for code in COLUMN_CODES:
        if name == message(f"review.xlsx.col_{code}").lower():
            return code
    return ENGLISH_COLUMNS.get(name)


@dataclass
class _Row:
    rownum: int
    item_id: int
    version: int
    action: str
    term: str
    explanation: str
    reason: str
    clinical: str
    proposal: str | None = None  # the read-only columns as the file has them (None: no such column)
    shown_explanation: str | None = None


def import_xlsx(session: Session, data: bytes, user: str,
                policy: decisions.ReviewPolicy = decisions.ReviewPolicy(),
                recheck: decisions.Recheck | None = None, progress: Progress | None = None) -> ImportResult:
    """Apply the decisions in an exported workbook, all or nothing; ImportRefused lists the bad rows.

    Edited texts are checked again in one batch (`recheck`) before anything is applied.
    `progress(stage, done, total)` is called now and then (stage read, check or apply)."""
    report = progress or (lambda stage, done, total: None)
    try:
        # Formulas as formulas (data_only=False): a formula is no term, and its cached value may be
        # missing (a file written by a program) or stale.
        wb = load_workbook(BytesIO(data), read_only=True, data_only=False)
        ws = wb.worksheets[0]
        rows = ws.iter_rows()
        header = [_header(c.value) for c in next(rows, [])]
    except Exception as exc:  # openpyxl raises many kinds for a non-XLSX file
        raise ImportRefused([message("review.import.not_xlsx", kind=type(exc).__name__)]) from None
    missing = [message(f"review.xlsx.col_{c}") for c in REQUIRED if c not in header]
    if missing:
        raise ImportRefused([message("review.import.row", row=1,
                                     problem=message("review.import.missing_columns", columns=", ".join(missing)))])
    col = {name: header.index(name) for name in header if name}
    problems = _Problems()
    planned: list[_Row] = []
    skipped = 0
    for rownum, row in enumerate(rows, start=2):
        if rownum - 1 > MAX_ROWS:
            problems.add(rownum, "too_many_rows", max=MAX_ROWS)
            break
        if rownum % 2000 == 0:
            report("read", rownum - 1, 0)
        cells = lambda name: row[col[name]] if name in col and col[name] < len(row) else None  # noqa: E731
        get = lambda name: getattr(cells(name), "value", None)  # noqa: E731
        raw_action = _text(get("decision")).lower()
        if not raw_action:
            # A row without a decision is skipped — unless the reviewer wrote in it: then a
            # decision was forgotten, and skipping it would lose their words without a word.
            filled = [c for c in ("final", "reason") if _text(get(c))]
            if filled:
                problems.add(rownum, "no_decision", column=_column_name(filled[0]))
            else:
                skipped += 1
            continue
        bad_cell = next((p for p in (_cell_problem(cells(c), _column_name(c)) for c in TEXT_CODES if c in col)
                         if p), None)
        if bad_cell:
            problems.add_text(rownum, bad_cell)
            continue
        item_id, version = parse_id(_text(get("item"))), parse_id(_text(get("version")))
        if item_id is None or version is None:
            problems.add(rownum, "not_numbers")
            continue
        action = DECISIONS.get(raw_action)
        if action is None:
            problems.add(rownum, "unknown_decision", value=raw_action[:20])
            continue
        planned.append(_Row(rownum, item_id, version, action, _text(get("final")), _text(get("explanation")),
                            _text(get("reason")), _text(get("clinical")),
                            _text(get("proposal")) if "proposal" in col else None,
                            _text(get("explanation")) if "explanation" in col else None))
    # A workbook a script made may carry the read-only columns empty throughout: not given, not
    # changed. One emptied cell in a filled column is a change, and is checked below.
    for attr in ("proposal", "shown_explanation"):
        if all(not getattr(r, attr) for r in planned):
            for r in planned:
                setattr(r, attr, None)
    items = _load_items(session, [r.item_id for r in planned])
    explanations = _shown_explanations(session, items)
    ready: list[_Row] = []
    for r in planned:
        item = items.get(r.item_id)
        if item is None:
            problems.add(r.rownum, "no_such_item", item=r.item_id)
        elif r.clinical != item.source_term:
            problems.add(r.rownum, "clinical_changed", item=r.item_id)
        elif not 1 <= r.version <= item.version:  # never existed: not "changed since the export"
            problems.add(r.rownum, "no_such_version", item=r.item_id, version=r.version, now=item.version)
        elif item.version != r.version:
            problems.add(r.rownum, "changed", item=r.item_id, version=r.version, now=item.version,
                         state=labels.item_state(item))
        elif r.proposal is not None and not _same_text(r.proposal, decisions.text_to_decide(item)) \
                and not (r.action == "edit" and _same_text(r.proposal, r.term)):
            # 'te beslissen term' is read-only: the term applied is the item's (approve) or the
            # eindterm (edit). A changed cell would be ignored; an edit whose eindterm is that
            # same text says clearly what is meant.
            problems.add(r.rownum, "proposal_changed", item=r.item_id)
        elif r.shown_explanation is not None and not _same_text(r.shown_explanation, explanations.get(r.item_id)):
            if r.action != "edit":
                problems.add(r.rownum, "explanation_changed", item=r.item_id)
            elif not r.shown_explanation:
                problems.add(r.rownum, "explanation_cleared", item=r.item_id)
            elif not r.term:
                problems.add(r.rownum, "edit_needs_term")
            else:
                ready.append(r)  # aanpassen: the uitleg column is the new explanation
        elif r.action == "edit" and not r.term:
            problems.add(r.rownum, "edit_needs_term")
        elif r.action in ("reject", "keep") and not r.reason:
            problems.add(r.rownum, f"{r.action}_needs_reason")
        elif r.action == "approve" and r.term and not _same_text(r.term, decisions.text_to_decide(item)):
            # Approving applies the term being decided; a different eindterm would be dropped
            # without a word. The reviewer meant an edit (or typed in the wrong row).
            problems.add(r.rownum, "approve_other_term", item=r.item_id)
        elif r.action == "keep" and r.term and not _same_text(r.term, item.source_term):
            problems.add(r.rownum, "keep_other_term", item=r.item_id)
        else:
            ready.append(r)
    report("read", len(planned), len(planned))
    checked = _recheck_edits(ready, items, recheck, report)
    flagged: list[str] = []
    # Applied even when some rows were refused already: the caller rolls everything back on
    # ImportRefused, and the reviewer gets every problem of the file at once, not one per try.
    for n, r in enumerate(ready, start=1):
        if n % 500 == 0:
            report("apply", n, len(ready))
        try:
            # A refused decision raises before it writes anything, so the rest can go on and the
            # file's every problem is listed; any problem rolls the whole file back.
            _apply(session, r, user, policy, checked.get(r.rownum))
        except decisions.DecisionError as exc:
            problems.add_text(r.rownum, exc.text("sheet"))
            continue
        found = checked.get(r.rownum)
        if found is not None and found.flags:
            flagged.append(message("review.import.row", row=r.rownum, problem=message(
                "review.import.saved_with_flags", flags=labels.flags_line(decisions.flag_codes(found.flags)))))
    report("apply", len(ready), len(ready))
    if problems.total:
        raise ImportRefused(problems.lines, problems.total)
    return ImportResult(applied=len(ready), skipped=skipped, flagged=flagged[:MAX_PROBLEMS])


def _same_text(a: str | None, b: str | None) -> bool:
    """The same text but for spacing and Unicode form (what validate_term evens out)."""
    import unicodedata

    def plain(t):
        return " ".join(unicodedata.normalize("NFC", t or "").split())
    return plain(a) == plain(b)


def _column_name(code: str) -> str:
    return message(f"review.xlsx.col_{code}")


def _shown_explanations(session: Session, items: dict[int, ReviewItem]) -> dict[int, str | None]:
    """The explanation the export shows per item (column 'uitleg'): the first reviewer's while one
    waits for a second look, else the primary suggestion's (the first by id, as decisions does)."""
    out: dict[int, str | None] = {i: item.final_explanation for i, item in items.items()
                                  if decisions.awaiting_second(item)}
    rest = sorted(i for i in items if i not in out)
    for start in range(0, len(rest), LOAD_CHUNK):
        for item_id, explanation in session.execute(
                select(Suggestion.item_id, Suggestion.explanation)
                .where(Suggestion.item_id.in_(rest[start:start + LOAD_CHUNK]), Suggestion.is_primary)
                .order_by(Suggestion.id)):
            out.setdefault(item_id, explanation)
    return out


def _load_items(session: Session, ids: list[int]) -> dict[int, ReviewItem]:
    out: dict[int, ReviewItem] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), LOAD_CHUNK):
        for item in session.execute(select(ReviewItem).where(ReviewItem.id.in_(unique[start:start + LOAD_CHUNK]))).scalars():
            out[item.id] = item
    return out


def _recheck_edits(rows: list[_Row], items: dict[int, ReviewItem], recheck, report) -> dict[int, decisions.CheckedText]:
    """Every edited text checked in one batch (the checker is vectorised), by row number."""
    edits = [r for r in rows if r.action == "edit"]
    if not edits or recheck is None:
        return {}
    report("check", 0, len(edits))
    found = recheck([decisions.TextToCheck(items[r.item_id].concept_id, items[r.item_id].source_term, r.term,
                                           r.explanation or None) for r in edits])
    report("check", len(edits), len(edits))
    return {r.rownum: f for r, f in zip(edits, found)}


def _apply(session: Session, r: _Row, user: str, policy, checked) -> None:
    if r.action == "approve":
        decisions.approve(session, r.item_id, user, expected_version=r.version,
                          override_reason=r.reason or None, policy=policy)
    elif r.action == "edit":
        decisions.edit(session, r.item_id, user, r.term, explanation=r.explanation or None,
                       override_reason=r.reason or None, expected_version=r.version, policy=policy,
                       checked=checked or decisions.CheckedText())
    elif r.action == "keep":
        decisions.keep_source(session, r.item_id, user, r.reason, expected_version=r.version, policy=policy)
    elif r.action == "reject":
        decisions.reject(session, r.item_id, user, r.reason, expected_version=r.version)
    else:
        decisions.defer(session, r.item_id, user, r.reason or None, expected_version=r.version)
