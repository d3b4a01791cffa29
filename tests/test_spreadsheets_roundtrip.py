"""XLSX export and import of decisions: round trip, refusals with row numbers, nothing half-applied."""
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from review_queue import decisions
from review_queue.models import Decision, ReviewItem
from review_queue.queue import QueueFilter
from review_queue.spreadsheets import COLUMNS, MAX_PROBLEMS, ImportRefused, export_xlsx, import_xlsx


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


def _import(factory, data, user="agency", **kw):
    with factory() as s, s.begin():
        return import_xlsx(s, data, user, **kw)


class FlagAll:
    """A stand-in checker: every text containing `word` gets an error flag."""

    def __init__(self, word):
        self.word, self.seen = word, []

    def __call__(self, texts):
        self.seen += [t.text for t in texts]
        return [decisions.CheckedText(flags=[{"code": "unsafe-output", "severity": "error", "reason": "Onveilig",
                                              "related": []}] if self.word in t.text else []) for t in texts]


def test_export_has_dutch_columns_reasons_neighbours_and_safe_cells(store, seed_items):
    _, factory = store
    seed_items(factory, 3, semantic_tag="disorder")
    seed_items(factory, 2, start=10, semantic_tag="procedure", proposal="=HYPERLINK(\"x\") {i}",
               explanation="-{i} uitleg", flags="jargon", severity="warning",
               flag_details=[{"code": "jargon", "severity": "warning", "reason": "Een leek kent 'cholecystitis' niet",
                              "related": []}, {"code": "too-long", "severity": "warning",
                                               "reason": "The proposal is longer than it should be", "related": []}],
               similar=[{"conceptId": "100099", "term": "galblaasontsteking", "patientTerm": "ontstoken galblaas",
                         "score": 88}])
    ws = load_workbook(BytesIO(_export(factory, semantic_tag="procedure"))).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == COLUMNS and "besluit" in COLUMNS and "redenen van de vlaggen" in COLUMNS
    col = {name: i for i, name in enumerate(rows[0])}
    assert [r[col["concept-id"]] for r in rows[1:]] == ["100010", "100011"]
    first = rows[1]
    assert first[col["Engelse FSN"]] == "Clinical finding 10 (disorder)"
    assert first[col["te beslissen term"]].startswith("'=")  # a formula stays text
    assert first[col["uitleg"]] == "'-10 uitleg"
    assert first[col["vlaggen"]] == "vakjargon, te lang"
    assert first[col["redenen van de vlaggen"]].splitlines() == [
        "vakjargon (waarschuwing): Een leek kent 'cholecystitis' niet",
        # an English reason stored before the checks spoke Dutch: the Dutch description instead
        "te lang (waarschuwing): Het voorstel is langer dan een patiëntvriendelijke term mag zijn."]
    assert first[col["dichtstbijzijnde termen in het vertaalgeheugen"]] == \
        "100099: galblaasontsteking → ontstoken galblaas (88)"
    assert first[col["status"]] == "voorgesteld"


def test_round_trip_applies_every_decision(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 5)
    (wording,) = seed_items(factory, 1, start=20, origin="none", term="griep")
    data = _edit(_export(factory), {2: {"besluit": "goedkeuren"}, 3: {"besluit": "edit", "eindterm": "nieuwe term"},
                                    4: {"besluit": "afwijzen", "reden": "te vaag"}, 5: {"besluit": "uitstellen"},
                                    7: {"besluit": "overnemen", "reden": "griep is al begrijpelijk"}})
    result = _import(factory, data)
    assert (result.applied, result.skipped) == (5, 1)
    with factory() as s:
        got = [(s.get(ReviewItem, i).state, s.get(ReviewItem, i).final_term) for i in ids + [wording]]
    assert got == [("approved", "voorstel 1"), ("edited", "nieuwe term"), ("rejected", None),
                   ("deferred", None), ("proposed", None), ("approved", "griep")]


def test_an_older_export_with_english_headers_still_imports(store, seed_items):
    _, factory = store
    (item_id,) = seed_items(factory, 1)
    wb = Workbook()
    wb.active.append(["item id", "version", "clinical term", "decision", "final term", "reason"])
    wb.active.append([item_id, 1, "klinische term 1", "reject", "", "onduidelijk"])
    buf = BytesIO()
    wb.save(buf)
    assert _import(factory, buf.getvalue()).applied == 1


def test_bad_rows_are_refused_with_row_numbers_and_nothing_applied(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 7)
    with factory() as s, s.begin():  # a proposal with markup, as a broken suggester might leave it
        s.get(ReviewItem, ids[6]).proposal = "<script>alert(1)</script>"
    data = _export(factory)
    with factory() as s, s.begin():  # a newer decision after export
        decisions.reject(s, ids[3], "anna", "nee", expected_version=1)
    bad = _edit(data, {
        2: {"besluit": "approve"},  # fine on its own
        3: {"besluit": "approve", "item": 999999},
        4: {"besluit": "approve", "klinische term": "iets anders"},
        5: {"besluit": "approve"},  # ids[3] was rejected since: version moved
        6: {"besluit": "edit"},  # no final term
        7: {"besluit": "approve", "item": "99999999999999999999999"},  # no such id, however big
        8: {"besluit": "approve"},  # the proposal is markup: a row problem, not a crash
    })
    with pytest.raises(ImportRefused) as err:
        _import(factory, bad)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == ["regel 3", "regel 4", "regel 5", "regel 6", "regel 7", "regel 8"]
    assert "bestaat niet" in problems[0] and "klinische term is veranderd" in problems[1]
    assert "gewijzigd sinds de export" in problems[2] and "eindterm" in problems[3]
    assert "getallen" in problems[4] and "opmaakcode" in problems[5]
    with factory() as s:
        assert s.get(ReviewItem, ids[0]).state == "proposed"  # the good row was not applied either
        assert s.execute(select(func.count()).select_from(Decision)).scalar() == 1


def test_failure_while_applying_rolls_back_everything(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 2)
    with factory() as s, s.begin():
        s.get(ReviewItem, ids[1]).max_severity = "error"  # approval needs a reason: fails at apply time
        s.get(ReviewItem, ids[1]).flags = "tm-conflict"
    data = _edit(_export(factory), {2: {"besluit": "approve"}, 3: {"besluit": "approve"}})
    with pytest.raises(ImportRefused, match="regel 3") as err:
        _import(factory, data)
    assert "foutvlag" in err.value.problems[0]
    with factory() as s:
        assert s.get(ReviewItem, ids[0]).state == "proposed"


def test_edited_terms_are_checked_again_and_error_flags_need_a_reason(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 3)
    checker = FlagAll("shoulder")
    data = _edit(_export(factory), {2: {"besluit": "aanpassen", "eindterm": "frozen shoulder"},
                                    3: {"besluit": "aanpassen", "eindterm": "stijve schouder"}})
    with pytest.raises(ImportRefused) as err:
        _import(factory, data, recheck=checker)
    assert err.value.problems == ["regel 2: De tekst van item 1 heeft een foutvlag (onveilige uitvoer). "
                                  "Geef een reden om toch goed te keuren."]
    assert checker.seen == ["frozen shoulder", "stijve schouder"]  # one batch, before anything is applied
    with_reason = _edit(data, {2: {"reden": "gangbare term bij fysiotherapeuten"}})
    assert _import(factory, with_reason, recheck=checker).applied == 2
    with factory() as s:
        assert [s.get(ReviewItem, i).final_term for i in ids[:2]] == ["frozen shoulder", "stijve schouder"]
        decided = s.execute(select(Decision).where(Decision.item_id == ids[0])).scalar_one()
        assert decided.flags == "unsafe-output" and decided.reason == "gangbare term bij fysiotherapeuten"


def test_problems_are_a_bounded_list(store, seed_items):
    _, factory = store
    wb = Workbook()
    wb.active.append(COLUMNS)
    for i in range(MAX_PROBLEMS + 500):
        wb.active.append([i + 1, 1, "", "x", "", "", "", "", "", "", "", "bogus", "", ""])
    buf = BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused) as err:
        _import(factory, buf.getvalue())
    assert len(err.value.problems) == MAX_PROBLEMS and err.value.total == MAX_PROBLEMS + 500


def test_not_a_workbook_or_missing_columns(store):
    _, factory = store
    with pytest.raises(ImportRefused, match="geen XLSX-werkmap"):
        _import(factory, b"hello")
    wb = Workbook()
    wb.active.append(["item", "besluit"])
    buf = BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused, match="regel 1: kolommen ontbreken: versie, klinische term, eindterm, reden"):
        _import(factory, buf.getvalue())


def _problems(factory, data, **kw):
    with pytest.raises(ImportRefused) as err:
        _import(factory, data, **kw)
    return err.value.problems


def _states(factory, ids):
    with factory() as s:
        return [(s.get(ReviewItem, i).state, s.get(ReviewItem, i).final_term) for i in ids]


def test_a_date_number_or_boolean_cell_in_a_text_column_is_refused_and_nothing_applied(store, seed_items):
    import datetime

    _, factory = store
    ids = seed_items(factory, 5)
    data = _edit(_export(factory), {
        2: {"besluit": "goedkeuren"},  # fine on its own
        3: {"besluit": "aanpassen", "eindterm": datetime.datetime(2026, 3, 1)},
        4: {"besluit": "aanpassen", "eindterm": 12},
        5: {"besluit": "afwijzen", "reden": True},
        6: {"besluit": "aanpassen", "eindterm": "hoge bloeddruk", "reden": datetime.time(9, 15)},
    })
    assert _problems(factory, data, recheck=FlagAll("nooit")) == [
        "regel 3: eindterm is een datumcel (2026-03-01); zet de kolom in Excel op 'Tekst' en typ de tekst opnieuw",
        "regel 4: eindterm is een getalcel (12); zet de kolom in Excel op 'Tekst' en typ de tekst opnieuw",
        "regel 5: reden is een WAAR/ONWAAR-cel (WAAR); zet de kolom in Excel op 'Tekst' en typ de tekst opnieuw",
        "regel 6: reden is een tijdcel (09:15); zet de kolom in Excel op 'Tekst' en typ de tekst opnieuw"]
    assert _states(factory, ids[:1]) == [("proposed", None)]


def test_a_formula_in_eindterm_is_named_as_a_formula_not_as_an_empty_cell(store, seed_items):
    _, factory = store
    seed_items(factory, 1)
    data = _edit(_export(factory), {2: {"besluit": "aanpassen", "eindterm": '=HYPERLINK("http://x","klik")'}})
    assert _problems(factory, data) == [
        "regel 2: eindterm: begint met '='; een spreadsheet leest dat als formule en geen patiëntvriendelijke "
        "term begint zo"]


def test_words_without_a_decision_are_a_problem_not_a_skipped_row(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 3)
    data = _edit(_export(factory), {2: {"besluit": "goedkeuren"}, 3: {"eindterm": "hoge bloeddruk"},
                                    4: {"reden": "te vaag"}})
    assert _problems(factory, data) == [
        "regel 3: eindterm ingevuld maar geen besluit; kies goedkeuren, aanpassen, overnemen, afwijzen of "
        "uitstellen, of maak eindterm leeg",
        "regel 4: reden ingevuld maar geen besluit; kies goedkeuren, aanpassen, overnemen, afwijzen of "
        "uitstellen, of maak reden leeg"]
    assert _states(factory, ids[:1]) == [("proposed", None)]


def test_an_edited_term_to_decide_is_refused_not_ignored(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 3)
    data = _edit(_export(factory), {2: {"besluit": "goedkeuren", "te beslissen term": "mijn term"},
                                    3: {"besluit": "aanpassen", "te beslissen term": "mijn term",
                                        "eindterm": "een andere term"}})
    assert _problems(factory, data) == [
        f"regel {n}: item {i}: 'te beslissen term' is gewijzigd, maar die kolom wordt niet ingelezen; zet hem terug "
        "en zet je eigen term in 'eindterm' met besluit 'aanpassen'" for n, i in ((2, ids[0]), (3, ids[1]))]
    # The same text in both columns with 'aanpassen' says plainly what is meant.
    data = _edit(_export(factory), {2: {"besluit": "aanpassen", "te beslissen term": "mijn term",
                                        "eindterm": "mijn term"}})
    assert _import(factory, data).applied == 1
    assert _states(factory, ids[:1]) == [("edited", "mijn term")]


def test_the_explanation_column_is_saved_with_aanpassen_and_refused_otherwise(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 4, explanation="-{i} uitleg")  # exported neutralised: "'-1 uitleg"
    data = _edit(_export(factory), {2: {"besluit": "goedkeuren", "uitleg": "nieuwe uitleg"},
                                    3: {"besluit": "aanpassen", "eindterm": "term", "uitleg": ""},
                                    4: {"besluit": "goedkeuren"}})
    assert _problems(factory, data) == [
        f"regel 2: item {ids[0]}: 'uitleg' is gewijzigd, maar alleen besluit 'aanpassen' slaat een nieuwe uitleg op; "
        "kies 'aanpassen' (met je term in 'eindterm') of zet de uitleg terug",
        f"regel 3: item {ids[1]}: 'uitleg' is leeggemaakt, maar een import haalt geen uitleg weg; zet de uitleg terug"]
    data = _edit(_export(factory), {2: {"besluit": "aanpassen", "eindterm": "'s nachts benauwd",
                                        "uitleg": "'s Nachts moeilijk ademen."},
                                    3: {"besluit": "goedkeuren"}})  # unchanged "'-2 uitleg": not a change
    assert _import(factory, data).applied == 2
    with factory() as s:
        got = [(s.get(ReviewItem, i).final_term, s.get(ReviewItem, i).final_explanation) for i in ids[:2]]
    assert got == [("'s nachts benauwd", "'s Nachts moeilijk ademen."), ("voorstel 2", "-2 uitleg")]


def test_refusals_in_an_import_use_the_sheets_words_not_the_web_apps_keys(store, seed_items):
    """A decision the store refuses read '… (e), of … met een reden (o)' in the import's problem
    list: keys of the web app. A sheet's reader gets the sheet's own words (besluit 'aanpassen',
    'overnemen')."""
    _, factory = store
    (wording,) = seed_items(factory, 1, start=6, origin="none", term="griep", confidence=0.05)
    data = _edit(_export(factory), {2: {"besluit": "goedkeuren"}})
    with pytest.raises(ImportRefused) as err:
        _import(factory, data)
    assert err.value.problems == [
        f"regel 2: item {wording} heeft geen voorstel om goed te keuren; kies als besluit 'aanpassen' met je eigen "
        "eindterm, of 'overnemen' met een reden om de klinische term bewust over te nemen"]
    data = _edit(_export(factory), {2: {"besluit": "aanpassen", "eindterm": "griep"}})
    with pytest.raises(ImportRefused) as err:
        _import(factory, data)
    assert "kies 'overnemen' en geef een reden" in err.value.problems[0] and "(o)" not in err.value.problems[0]
    (item_id,) = seed_items(factory, 1, start=7, term="schouderklachten", proposal="last van de schouder",
                           confidence=0.3)  # below four_eyes_below_confidence: needs a second
    four = decisions.ReviewPolicy(four_eyes=True)
    exported = _export(factory)
    row = 2 + [r[0] for r in load_workbook(BytesIO(exported)).active.iter_rows(min_row=2, values_only=True)].index(item_id)
    _import(factory, _edit(exported, {row: {"besluit": "goedkeuren"}}), policy=four)
    data = _edit(_export(factory, state="second-review"), {2: {"besluit": "goedkeuren"}})
    with pytest.raises(ImportRefused) as err:
        _import(factory, data, policy=four)
    (problem,) = err.value.problems
    assert problem.startswith(f"regel 2: je hebt item {item_id} al goedgekeurd") and "(u)" not in problem
    assert "Laat het besluit in deze regel leeg" in problem


def test_a_version_the_item_never_had_is_not_called_a_change_since_the_export(store, seed_items):
    _, factory = store
    (item_id,) = seed_items(factory, 1)
    data = _edit(_export(factory), {2: {"versie": 9, "besluit": "goedkeuren"}})
    with pytest.raises(ImportRefused) as err:
        _import(factory, data)
    assert err.value.problems == [f"regel 2: item {item_id} heeft geen versie 9 (de huidige is 1); is de versie "
                                  "overgetypt? Exporteer opnieuw"]
