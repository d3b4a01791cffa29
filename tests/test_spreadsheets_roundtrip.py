"""XLSX export and import of decisions: round trip, refusals with row numbers, nothing half-applied."""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from review_queue import decisions
from review_queue.models import Decision, ReviewItem
from review_queue.queue import QueueFilter
from review_queue.spreadsheets import COLUMNS, ImportRefused, export_xlsx, import_xlsx


def _export(factory, **filters):
    with factory() as s:
        return export_xlsx(s, QueueFilter(**filters))


def _edit(data: bytes, changes: dict[int, dict]) -> bytes:
    wb = load_workbook(BytesIO(data))
    ws = wb.active
    header = [c.value for c in ws[1]]
    for row, values in changes.items():
        for name, value in values.items():
            ws.cell(row=row, column=header.index(name) + 1, value=value)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(factory, data, user="agency"):
    with factory() as s, s.begin():
        return import_xlsx(s, data, user)


def test_export_has_the_columns_and_filtered_rows(store, seed_items):
    _, factory = store
    seed_items(factory, 3, semantic_tag="disorder")
    seed_items(factory, 2, start=10, semantic_tag="procedure", proposal="=HYPERLINK(\"x\") {i}")
    ws = load_workbook(BytesIO(_export(factory, semantic_tag="procedure"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS
    assert [r[2] for r in rows[1:]] == ["100010", "100011"]
    assert rows[1][4] == "Clinical finding 10 (disorder)" and rows[1][6] == "uitleg 10"
    assert rows[1][5].startswith("'=")  # a formula stays text


def test_round_trip_applies_every_decision(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 5)
    data = _edit(_export(factory), {2: {"decision": "approve"}, 3: {"decision": "edit", "final term": "nieuwe term"},
                                    4: {"decision": "reject", "reason": "te vaag"}, 5: {"decision": "defer"}})
    result = _import(factory, data)
    assert (result.applied, result.skipped) == (4, 1)
    with factory() as s:
        got = [(s.get(ReviewItem, i).state, s.get(ReviewItem, i).final_term) for i in ids]
    assert got == [("approved", "voorstel 1"), ("edited", "nieuwe term"), ("rejected", None),
                   ("deferred", None), ("proposed", None)]


def test_bad_rows_are_refused_with_row_numbers_and_nothing_applied(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 5)
    data = _export(factory)
    with factory() as s, s.begin():  # a newer decision after export
        decisions.reject(s, ids[3], "anna", "nee", expected_version=1)
    bad = _edit(data, {
        2: {"decision": "approve"},  # fine on its own
        3: {"decision": "approve", "item id": 999999},
        4: {"decision": "approve", "clinical term": "iets anders"},
        5: {"decision": "approve"},  # ids[3] was rejected since: version moved
        6: {"decision": "edit"},  # no final term
    })
    with pytest.raises(ImportRefused) as err:
        _import(factory, bad)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == ["row 3", "row 4", "row 5", "row 6"]
    assert "does not exist" in problems[0] and "clinical term changed" in problems[1]
    assert "changed since export" in problems[2] and "final term" in problems[3]
    with factory() as s:
        assert s.get(ReviewItem, ids[0]).state == "proposed"  # the good row was not applied either
        assert s.execute(select(func.count()).select_from(Decision)).scalar() == 1


def test_failure_while_applying_rolls_back_everything(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 2)
    with factory() as s, s.begin():
        s.get(ReviewItem, ids[1]).max_severity = "error"  # approval needs a reason: fails at apply time
        s.get(ReviewItem, ids[1]).version = 1
    data = _edit(_export(factory), {2: {"decision": "approve"}, 3: {"decision": "approve"}})
    with pytest.raises(ImportRefused, match="row 3"):
        _import(factory, data)
    with factory() as s:
        assert s.get(ReviewItem, ids[0]).state == "proposed"


def test_not_a_workbook_or_missing_columns(store):
    _, factory = store
    with pytest.raises(ImportRefused, match="not an XLSX"):
        _import(factory, b"hello")
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["item id", "decision"])
    buf = BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused, match="row 1: missing columns"):
        _import(factory, buf.getvalue())


def test_import_through_the_web_page(store, seed_items, web_login):
    from review_queue import users
    from review_queue.web import create_app

    _, factory = store
    with factory() as s, s.begin():
        users.add_user(s, "anna", "wachtwoord-anna")
    ids = seed_items(factory, 2)
    c = web_login(create_app(factory, {"secret": "s"}), "anna", "wachtwoord-anna")
    data = _edit(c.get("/export.xlsx").content, {2: {"decision": "reject", "reason": "nee"}, 3: {"decision": "bogus"}})
    r = c.post("/import", data={"csrf": c.csrf}, files={"file": ("x.xlsx", data)})
    assert r.status_code == 422 and "row 3" in r.text and "Niets is toegepast" in r.text
    data = _edit(c.get("/export.xlsx").content, {2: {"decision": "reject", "reason": "nee"}})
    r = c.post("/import", data={"csrf": c.csrf}, files={"file": ("x.xlsx", data)})
    assert r.status_code == 200 and "1 besluiten toegepast" in r.text
    assert c.post("/import", files={"file": ("x.xlsx", data)}).status_code == 403
    with factory() as s:
        assert s.get(ReviewItem, ids[0]).state == "rejected" and s.get(ReviewItem, ids[0]).decided_by == "anna"
