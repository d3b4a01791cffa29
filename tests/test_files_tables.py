"""Spreadsheets as people's tools save them, and files helder writes that a spreadsheet can open
safely (issue 12, points 8–12).

Files are made the way the tools make them: a Dutch Excel "CSV (gescheiden door
lijstscheidingsteken)" is `;`-separated Windows-1252 (with a BOM when saved as "CSV UTF-8"),
Excel's "Unicode-tekst" is tab-separated UTF-16 with a BOM, and an XLSX keeps every number as a
floating-point number (openpyxl writes them the same way).
"""
from __future__ import annotations

import csv
import json

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cli import app
from pipeline.files import check_file, suggest_file
from terms.tm import TableError, read_table, read_tm_file, write_table

runner = CliRunner()
TM = [("38341003", "hypertensie", "hoge bloeddruk", "Uw bloeddruk is te hoog."),
      ("45007003", "hypotensie", "lage bloeddruk", "Een te lage druk, één keer gemeten."),
      ("74400008", "appendicitis", "blindedarmontsteking", "")]
HEADER = ("conceptId", "term", "patientTerm", "explanation")


def _dutch_csv(rows, empty_rows=True) -> str:
    lines = [";".join(HEADER)] + [";".join(r) for r in rows[:2]]
    if empty_rows:
        lines.append(";;;")  # an empty row between data
    lines += [";".join(r) for r in rows[2:]]
    if empty_rows:
        lines += [";;;", ";;;"]  # what Excel leaves at the end of a sheet it once used
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding,bom", [("cp1252", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-8", b"")])
def test_a_dutch_excel_csv_reads_with_its_separator_encoding_and_empty_rows(tmp_path, encoding, bom):
    path = tmp_path / "tm.csv"
    path.write_bytes(bom + _dutch_csv(TM).encode(encoding))
    notes: list[str] = []
    frame = read_tm_file(path, notes)
    assert frame.select("conceptId", "patientTerm").rows() == [(c, p) for c, _, p, _ in TM]
    assert frame["explanation"].to_list() == ["Uw bloeddruk is te hoog.", "Een te lage druk, één keer gemeten.", None]
    assert any("puntkomma" in n for n in notes) and any("3 lege regel" in n for n in notes)
    assert any("Windows-1252" in n for n in notes) == (encoding == "cp1252")


def test_excels_unicode_text_and_its_separator_line_read_too(tmp_path):
    unicode_text = tmp_path / "tm.txt"
    unicode_text.write_bytes(("\r\n".join("\t".join(r) for r in [HEADER, *TM]) + "\r\n").encode("utf-16"))
    assert read_tm_file(unicode_text)["patientTerm"].to_list() == [p for _, _, p, _ in TM]
    with_sep = tmp_path / "sep.csv"
    with_sep.write_text("sep=;\r\n" + _dutch_csv(TM, empty_rows=False), encoding="utf-8")
    assert read_tm_file(with_sep).height == 3


def test_bytes_that_are_no_text_encoding_are_named(tmp_path):
    path = tmp_path / "tm.csv"  # a PNG saved under a .csv name: NUL bytes here and there, not UTF-16
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
                     + bytes(range(32, 127)) * 4)
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.table.encoding" and "CSV UTF-8" in str(refused.value)


# Dutch words with the letters old code pages put on different bytes (ë ï é ö ü è ç), with
# Word's curly quotes and dashes where a Windows-1252 text has them.
DUTCH = [("396230008", "thyreoïditis", "ontsteking van de schildklier", "Eén ontsteking, geëerd, coördinatie."),
         ("38341003", "hypertensie", "hoge bloeddruk", "Reünie van naïeve crème-brûlée-eters, à la carte.")]


@pytest.mark.parametrize("encoding,name", [("cp1252", "Windows-1252"), ("cp850", "CP850"),
                                           ("mac_roman", "Mac OS Roman")])
def test_each_code_page_a_dutch_desktop_saves_is_read_as_itself_and_named(tmp_path, encoding, name):
    # Excel's "CSV (gescheiden door lijstscheidingsteken)", "CSV (MS-DOS)" and "CSV (Macintosh)":
    # every byte decodes in CP850 and Mac Roman, so a wrong guess would store "thyreo‹ditis".
    path = tmp_path / "tm.csv"
    line_end = "\r" if encoding == "mac_roman" else "\r\n"
    path.write_bytes(line_end.join(";".join(r) for r in [HEADER, *DUTCH]).encode(encoding) + line_end.encode())
    notes: list[str] = []
    frame = read_tm_file(path, notes)
    assert frame.select("term", "explanation").rows() == [(t, e) for _, t, _, e in DUTCH]
    assert any(name in n for n in notes)


def test_windows_1252_quotes_dashes_and_apostrophes_stay_windows_1252(tmp_path):
    rows = [("38341003", "hypertensie", "‘hoge’ bloeddruk – “te hoog”", "De baby’s bloeddruk, €5, 37°C.")]
    path = tmp_path / "tm.csv"
    path.write_bytes("\r\n".join(";".join(r) for r in [HEADER, *rows]).encode("cp1252") + b"\r\n")
    assert read_tm_file(path).select("patientTerm", "explanation").rows() == [rows[0][2:]]


def test_utf16_without_a_byte_order_mark_reads(tmp_path):
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"tm-{encoding}.txt"
        path.write_bytes(("\r\n".join("\t".join(r) for r in [HEADER, *DUTCH]) + "\r\n").encode(encoding))
        notes: list[str] = []
        assert read_tm_file(path, notes)["term"].to_list() == ["thyreoïditis", "hypertensie"]
        assert any("UTF-16" in n for n in notes)


def test_a_workbook_under_a_text_name_is_named_as_a_workbook(tmp_path):
    book = Workbook()
    book.active.append(list(HEADER))
    book.save(tmp_path / "tm.xlsx")
    path = tmp_path / "tm.csv"
    path.write_bytes((tmp_path / "tm.xlsx").read_bytes())
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.table.workbook" and ".xlsx" in str(refused.value)


def test_dutch_excel_csv_through_helder_tm_import(helder_env):
    (helder_env / "pairs.csv").write_bytes(_dutch_csv(TM).encode("cp1252"))
    result = runner.invoke(app, ["tm", "import", "pairs.csv"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3 toegevoegd" in result.output and "Windows-1252" in result.output


# ---------------------------------------------------------------- ids (point 9)


def _xlsx(path, rows, header=HEADER[:3]):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


@pytest.mark.parametrize("cell", [4.502299810001321e17, 450229981000132104, 22298006, 1049999999107.0])
def test_an_xlsx_id_stored_as_a_number_is_refused_with_row_and_hint(tmp_path, cell):
    path = _xlsx(tmp_path / "tm.xlsx", [("38341003", "hypertensie", "hoge bloeddruk"), (cell, "x", "y")])
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    message = str(refused.value)
    assert refused.value.code == "files.sctid.number"
    assert message.startswith(f"{path}:3: conceptId") and "Tekst" in message and "\n" not in message


def test_an_xlsx_with_ids_as_text_reads(tmp_path):
    path = _xlsx(tmp_path / "tm.xlsx", [("450229981000132104", "x", "y"), ("38341003", "hypertensie", "hoge bloeddruk")])
    assert read_tm_file(path)["conceptId"].to_list() == ["450229981000132104", "38341003"]


@pytest.mark.parametrize("value,code", [
    ("1.23457E+14", "files.sctid.float"), ("1049999999107.0", "files.sctid.float"),
    ("4,50229981000132E+17", "files.sctid.float"), ("450.229.981.000.132.104", "files.sctid.float"),
    ("450229981000132100", "files.sctid.invalid"),   # 15 digits kept, the rest zeros: check digit fails
    ("38341004", "files.sctid.invalid"), ("038341003", "files.sctid.invalid"), ("abc", "files.sctid.invalid"),
    ("1234", "files.sctid.invalid"),
    ("11000146115", "files.sctid.not-a-concept"),  # a description id (partition 11)
])
def test_a_csv_id_that_is_no_concept_sctid_is_refused_naming_file_and_line(tmp_path, value, code):
    path = tmp_path / "in.csv"
    path.write_text(f"conceptId,term\r\n38341003,hypertensie\r\n\"{value}\",x\r\n", encoding="utf-8")
    with pytest.raises(TableError) as refused:
        read_table(path, ["conceptId", "term"])
    assert refused.value.code == code and str(refused.value).startswith(f"{path}:3: conceptId")


def test_suggest_and_check_refuse_float_ids_too(tmp_path):
    tm = tmp_path / "tm.tsv"
    tm.write_text("conceptId\tterm\tpatientTerm\n38341003\thypertensie\thoge bloeddruk\n", encoding="utf-8")
    src = tmp_path / "in.csv"
    src.write_text("conceptId,term,suggestion\n1.23457E+14,pertussis,kinkhoest\n", encoding="utf-8")
    for run in (lambda: check_file(src, tm, tmp_path / "out.tsv"), lambda: suggest_file(src, tm, tmp_path / "o.tsv")):
        with pytest.raises(TableError, match="in.csv:2: conceptId"):
            run()
    assert not (tmp_path / "out.tsv").exists() and not (tmp_path / "o.tsv").exists()


# ---------------------------------------------------------------- one concept, one term (point 10)


def test_the_same_concept_twice_with_different_terms_is_one_line_naming_both_rows(helder_env):
    (helder_env / "dup.csv").write_text(
        "conceptId,term,patientTerm\r\n38341003,hypertensie,hoge bloeddruk\r\n45007003,hypotensie,lage bloeddruk\r\n"
        "38341003,hypertensie,te hoge bloeddruk\r\n", encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", "dup.csv"], catch_exceptions=False)
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.count("\n") == 0 and "38341003" in line and "regel 2" in line and "regel 4" in line
    assert "Traceback" not in result.output and "UNIQUE" not in result.output


def test_an_exact_repeat_is_taken_once(helder_env):
    (helder_env / "rep.csv").write_text(
        "conceptId,term,patientTerm\r\n38341003,hypertensie,hoge bloeddruk\r\n38341003,hypertensie,hoge bloeddruk\r\n",
        encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", "rep.csv"], catch_exceptions=False)
    assert result.exit_code == 0 and "TM-import uit rep.csv: 1 toegevoegd" in result.output


def test_the_store_refuses_a_frame_with_one_concept_twice(store):
    from review_queue.store import import_tm_pairs

    _, factory = store
    frame = pl.DataFrame({"conceptId": ["38341003", "38341003"], "term": ["hypertensie"] * 2,
                          "patientTerm": ["hoge bloeddruk", "te hoge bloeddruk"], "explanation": [None, None]})
    with pytest.raises(ValueError, match="web: concept 38341003 staat twee keer .*: rij 2 .* en rij 3 .*; houd er één"):
        import_tm_pairs(factory, frame, "web")


def test_the_store_refuses_a_frame_with_a_bad_concept_id_in_dutch(store):
    from review_queue.store import import_tm_pairs

    _, factory = store
    frame = pl.DataFrame({"conceptId": ["38341004"], "term": ["hypertensie"], "patientTerm": ["hoge bloeddruk"],
                          "explanation": [None]})
    with pytest.raises(ValueError) as refused:
        import_tm_pairs(factory, frame, "web")
    assert str(refused.value) == "web:2: conceptId '38341004' is geen SNOMED CT-concept-id (controlecijfer klopt niet)"


# ---------------------------------------------------------------- TSV (point 11)


QUOTED = [("38341003", '"droog" oog', 'verwonding van 5" lengte')]


def test_tsv_is_read_verbatim_quotes_and_all(tmp_path):
    path = tmp_path / "tm.tsv"
    path.write_text("conceptId\tterm\tpatientTerm\n" + "\n".join("\t".join(r) for r in QUOTED) + "\n", encoding="utf-8")
    assert read_tm_file(path).select("term", "patientTerm").rows() == [('"droog" oog', 'verwonding van 5" lengte')]


def test_suggest_check_and_tm_import_take_quotes_in_tsv(helder_env):
    (helder_env / "tm.tsv").write_text("conceptId\tterm\tpatientTerm\n38341003\t\"droog\" oog\tdroge ogen\n",
                                       encoding="utf-8")
    (helder_env / "in.tsv").write_text(
        "conceptId\tterm\tsuggestion\n27836007\tverwonding van 5\" lengte\t\"kinkhoest\"\n", encoding="utf-8")
    for args in (["suggest", "in.tsv", "--tm", "tm.tsv", "--out", "s.tsv"],
                 ["check", "in.tsv", "--tm", "tm.tsv", "--out", "c.tsv"], ["tm", "import", "tm.tsv"]):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
    checked = (helder_env / "c.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert checked[:3] == ["27836007", 'verwonding van 5" lengte', '"kinkhoest"']


def test_empty_output_cells_are_empty_not_two_quotes(tmp_path):
    frame = pl.DataFrame({"conceptId": ["38341003", "45007003"], "explanation": ["", None], "flags": ["", "jargon"]})
    for name in ("o.tsv", "o.csv"):
        write_table(frame, tmp_path / name)
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert '""' not in text
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8").splitlines()[1] == "38341003\t\t"


def test_a_tsv_cell_that_tsv_cannot_hold_is_refused_not_shifted(tmp_path):
    with pytest.raises(TableError) as refused:
        write_table(pl.DataFrame({"a": ["goed", "met\ttab"]}), tmp_path / "o.tsv")
    assert refused.value.code == "files.table.tab-in-cell" and ":3:" in str(refused.value)
    assert not (tmp_path / "o.tsv").exists()


# ---------------------------------------------------------------- formula injection (point 12)


INJECTIONS = ["=HYPERLINK(\"http://evil.example\",\"klik\")", "=1+2", "@ziekte van Graves", "+31 6 12345678",
              "-2+3", "\t=1+2", "\r=1+2", "\uff1dSUM(1)"]


@pytest.mark.parametrize("ext", ["xlsx", "csv", "tsv"])
def test_check_output_neutralises_every_formula_cell(tmp_path, ext):
    tm = tmp_path / "tm.tsv"
    tm.write_text("conceptId\tterm\tpatientTerm\n38341003\thypertensie\thoge bloeddruk\n", encoding="utf-8")
    src = tmp_path / "agency.csv"
    ids = ["27836007", "85189001", "28651003", "4556007", "195967001", "38341003", "45007003", "74400008"]

    def agency(with_note: bool) -> None:
        with src.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["conceptId", "term", "suggestion"] + (["note"] if with_note else []))
            for i, s in zip(ids, INJECTIONS):
                writer.writerow([i, "term", s.strip()] + ([s] if with_note else []))

    agency(with_note=True)
    out = tmp_path / f"checked.{ext}"
    if ext == "tsv":  # the note column holds a tab and a carriage return: TSV cannot, so it is refused
        with pytest.raises(TableError, match="tab"):
            check_file(src, tm, out)
        agency(with_note=False)
    check_file(src, tm, out)
    if ext == "xlsx":
        rows = list(load_workbook(out).active.iter_rows(min_row=2))
        cells = [c for row in rows for c in row if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in cells)  # text, never a formula
        values = [row[2].value for row in rows]
        notes = [row[3].value for row in rows]
    else:
        frame = pl.read_csv(out, separator="," if ext == "csv" else "\t", infer_schema=False,
                            quote_char='"' if ext == "csv" else None)
        values = frame["suggestion"].to_list()
        notes = frame["note"].to_list() if "note" in frame.columns else []
    assert values == ["'" + s.strip() for s in INJECTIONS]
    expected_notes = ["'" + (s.replace("\r", "\n") if ext == "xlsx" else s) for s in INJECTIONS]  # XML: CR → LF
    assert notes == (expected_notes if notes else [])


def test_a_formula_cell_in_an_xlsx_is_read_as_its_formula_and_refused_by_name(tmp_path):
    path = _xlsx(tmp_path / "tm.xlsx", [("38341003", "hypertensie", "=HYPERLINK(\"http://x\",\"klik\")")])
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.table.bad-text" and "formule" in str(refused.value)


def test_terms_that_start_like_a_formula_are_refused_at_entry(helder_env):
    for i, term in enumerate(["=1+2", "@ziekte van Graves", "+hoge bloeddruk", "-lage bloeddruk"]):
        (helder_env / f"t{i}.csv").write_text(f"conceptId,term,patientTerm\r\n38341003,hypertensie,\"{term}\"\r\n",
                                              encoding="utf-8")
        result = runner.invoke(app, ["tm", "import", f"t{i}.csv"], catch_exceptions=False)
        assert result.exit_code == 1 and "formule" in result.output and f"t{i}.csv:2" in result.output


def test_the_release_csv_neutralises_text_from_the_store(store, tmp_path, pf_terms):
    from exports.release import create_release

    _, factory = store
    pf_terms.approve(factory, 1, "suikerziekte", clinical="=cmd|' /C calc'!A0")
    pf_terms.approve(factory, 2, "hoge bloeddruk", clinical="@SUM(1+1)")
    release = create_release(factory, root=tmp_path / "releases")
    rows = pl.read_csv(release / "csv" / "patient-friendly-terms.csv", infer_schema=False)
    assert rows["clinicalTerm"].to_list() == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)"]
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["counts"]["leftOut"] == 0


def test_classic_mac_line_ends_and_header_spelling_are_read(tmp_path):
    """Excel's "CSV (Macintosh)" ends lines with CR only; people write "Concept ID" for conceptId."""
    path = tmp_path / "mac.csv"
    path.write_bytes("Concept ID;Term;Patient term\r38341003;hypertensie;hoge bloeddruk\r".encode("cp1252"))
    assert read_tm_file(path).select("conceptId", "patientTerm").rows() == [("38341003", "hoge bloeddruk")]
    book = _xlsx(tmp_path / "tm.xlsx", [(22298006, "x", "y")], header=("Concept ID", "term", "patientTerm"))
    with pytest.raises(TableError, match="als getal opgeslagen"):
        read_tm_file(book)


@pytest.mark.parametrize("term", ["=1+2", "@ziekte van Graves", "\uff1dSUM(1)"])
def test_a_review_edit_that_starts_like_a_formula_is_refused(store, seed_items, term):
    """The same rule as every entry (terms.text): review edits through the web, CLI, API and review
    spreadsheets all go through review_queue.decisions.edit."""
    from review_queue.decisions import DecisionError, edit

    _, factory = store
    (item_id,) = seed_items(factory, n=1)
    with pytest.raises(DecisionError, match="formule"):
        with factory() as s, s.begin():
            edit(s, item_id, "anna", term)


# ---------------------------------------------------------------- one concept, one term, as stored


def test_the_same_term_typed_two_ways_is_one_term_not_two(tmp_path):
    # 'thyreoïditis' composed (Windows) and decomposed (pasted from a Mac), and a doubled space:
    # stored alike (NFC, single spaces), so the file holds one term for the concept, not two.
    path = tmp_path / "tm.csv"
    path.write_text("conceptId;term;patientTerm\r\n"
                    "396230008;thyreoïditis;ontsteking van de schildklier\r\n"
                    "396230008;thyreoi\u0308ditis;ontsteking van  de schildklier \r\n", encoding="utf-8")
    frame = read_tm_file(path)
    assert frame.select("conceptId", "term", "patientTerm").rows() == [
        ("396230008", "thyreoïditis", "ontsteking van de schildklier")]


def test_the_same_term_with_two_explanations_names_both_lines(tmp_path):
    path = tmp_path / "tm.csv"
    path.write_text("conceptId;term;patientTerm;explanation\r\n"
                    "38341003;hypertensie;hoge bloeddruk;Uw bloeddruk is te hoog.\r\n"
                    "45007003;hypotensie;lage bloeddruk;\r\n"
                    "38341003;hypertensie;hoge bloeddruk;De druk in uw bloedvaten is te hoog.\r\n", encoding="utf-8")
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    line = str(refused.value)
    assert refused.value.code == "files.table.duplicate-explanation"
    assert "38341003" in line and "regel 2" in line and "regel 4" in line and "\n" not in line


@pytest.mark.parametrize("value,found", [("38341003\u200b", "U+200B"), ("3834\u00ad1003", "U+00AD"),
                                         ("\u206038341003", "U+2060"), ("'38341003", "'''"),
                                         ('="38341003"', "'='")])
def test_an_id_with_a_character_that_is_no_digit_names_it_even_when_invisible(tmp_path, value, found):
    # A zero-width space or word joiner pasted from a web page, a no-break space inside the id:
    # the cell looks like digits, so the line says which character is there.
    path = tmp_path / "tm.csv"
    path.write_text(f"conceptId,term,patientTerm\r\n{value},hypertensie,hoge bloeddruk\r\n", encoding="utf-8")
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.sctid.invalid" and ":2:" in str(refused.value)
    assert found in str(refused.value)


# ---------------------------------------------------------------- rows above the header


def test_empty_rows_and_a_title_above_the_header_are_passed_over_in_csv(tmp_path):
    # A sheet that starts with an empty row, or with a title and an empty row, saved as Dutch CSV:
    # the empty rows are ';;;' lines like the ones Excel leaves at the end.
    for top in (";;;\r\n", "TM bureau Klaartaal, november 2026;;;\r\n;;;\r\n"):
        path = tmp_path / "tm.csv"
        path.write_bytes((top + _dutch_csv(TM, empty_rows=False)).encode("cp1252"))
        notes: list[str] = []
        frame = read_tm_file(path, notes)
        assert frame["patientTerm"].to_list() == [p for _, _, p, _ in TM]
        header_line = top.count("\n") + 1
        assert any(f"regel {header_line}" in n for n in notes)
    # a bad row is still named by its line in the file
    path.write_bytes((top + _dutch_csv(TM, empty_rows=False) + "45007003x;a;b;\r\n").encode("cp1252"))
    with pytest.raises(TableError, match=r"tm\.csv:7: conceptId"):
        read_tm_file(path)


def test_a_title_above_the_header_is_passed_over_in_xlsx(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Patiëntvriendelijke termen, aangeleverd door bureau Klaartaal"])
    sheet.append([])
    sheet.append(list(HEADER))
    for row in TM:
        sheet.append(list(row))
    sheet.append(["45007003x", "hypotensie", "lage bloeddruk", None])
    book.save(tmp_path / "tm.xlsx")
    with pytest.raises(TableError, match=r"tm\.xlsx:7: conceptId"):
        read_tm_file(tmp_path / "tm.xlsx")
    sheet.delete_rows(7)
    book.save(tmp_path / "tm.xlsx")
    notes: list[str] = []
    assert read_tm_file(tmp_path / "tm.xlsx", notes)["patientTerm"].to_list() == [p for _, _, p, _ in TM]
    assert any("regel 3" in n for n in notes)


def test_a_sheet_without_the_columns_anywhere_still_names_the_first_row(tmp_path):
    path = tmp_path / "tm.csv"
    path.write_text("Titel;;\r\nid;naam;lekenterm\r\n38341003;hypertensie;hoge bloeddruk\r\n", encoding="utf-8")
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.table.missing-column" and "Titel" in str(refused.value)


def test_tm_import_counts_each_pair_once(helder_env):
    (helder_env / "one.csv").write_text("conceptId,term,patientTerm\r\n38341003,hypertensie,hoge bloeddruk\r\n"
                                        "45007003,hypotensie,lage bloeddruk\r\n", encoding="utf-8")
    assert "2 toegevoegd, 0 vervangen, 0 ongewijzigd" in runner.invoke(app, ["tm", "import", "one.csv"]).output
    (helder_env / "two.csv").write_text("conceptId,term,patientTerm\r\n38341003,hypertensie,te hoge bloeddruk\r\n"
                                        "45007003,hypotensie,lage bloeddruk\r\n74400008,appendicitis,"
                                        "blindedarmontsteking\r\n", encoding="utf-8")
    # three pairs: one new, one replacing another term, one as it was
    assert "1 toegevoegd, 1 vervangen, 1 ongewijzigd" in runner.invoke(app, ["tm", "import", "two.csv"]).output


def test_a_new_explanation_for_the_same_term_is_stored_not_dropped(helder_env, store):
    from review_queue.models import PatientTerm

    _, factory = store
    (helder_env / "one.csv").write_text("conceptId,term,patientTerm,explanation\r\n"
                                        "38341003,hypertensie,hoge bloeddruk,\r\n", encoding="utf-8")
    runner.invoke(app, ["tm", "import", "one.csv"])
    (helder_env / "two.csv").write_text("conceptId,term,patientTerm,explanation\r\n"
                                        "38341003,hypertensie,hoge bloeddruk,De druk in de bloedvaten is te hoog.\r\n",
                                        encoding="utf-8")
    out = runner.invoke(app, ["tm", "import", "two.csv"]).output
    assert "0 toegevoegd, 0 vervangen, 0 ongewijzigd, 1 met nieuwe uitleg" in out
    (helder_env / "three.csv").write_text("conceptId,term,patientTerm,explanation\r\n"
                                          "38341003,hypertensie,hoge bloeddruk,\r\n", encoding="utf-8")
    assert "1 ongewijzigd" in runner.invoke(app, ["tm", "import", "three.csv"]).output  # a blank cell keeps it
    with factory() as s:
        kept = s.query(PatientTerm.explanation).filter(PatientTerm.concept_id == "38341003", PatientTerm.active).all()
    assert kept == [("De druk in de bloedvaten is te hoog.",)]


def test_a_tm_term_for_a_concept_no_release_holds_is_not_published(helder_env, store):
    """A TM import may name a concept the edition does not have (a typo'd id that passes Verhoeff,
    a concept from another edition): its term waits, and the release says why."""
    import json

    from terms.sample import sample_path

    runner.invoke(app, ["ingest", str(sample_path("snapshot"))])
    (helder_env / "pairs.csv").write_text("conceptId;term;patientTerm\r\n73211009;diabetes mellitus;suikerziekte\r\n",
                                          encoding="cp1252")
    out = runner.invoke(app, ["tm", "import", "pairs.csv"]).output
    assert "1 toegevoegd" in out and "1 daarvan horen bij concepten die in geen ingelezen release staan" in out
    result = runner.invoke(app, ["export"])
    assert result.exit_code == 0, result.output
    manifest = json.loads(next((helder_env / "releases").glob("*/manifest.json")).read_text(encoding="utf-8"))
    left = [x for x in manifest["leftOut"] if x["conceptId"] == "73211009"]
    assert left and "geen ingelezen SNOMED-release" in left[0]["reason"]
    published = next((helder_env / "releases").glob("*/csv/*.csv")).read_text(encoding="utf-8")
    rows = published.splitlines()
    assert not [r for r in rows if r.startswith("73211009,")] and not [r for r in rows if ",suikerziekte," in r]


# ---------------------------------------------------------------- cells that are no text


@pytest.mark.parametrize("column, cell, kind, shown", [
    ("patientTerm", __import__("datetime").datetime(2026, 3, 1), "datumcel", "2026-03-01"),
    ("patientTerm", __import__("datetime").datetime(2026, 3, 1, 14, 30), "datumcel", "2026-03-01 14:30"),
    ("term", __import__("datetime").date(2026, 3, 1), "datumcel", "2026-03-01"),
    ("patientTerm", __import__("datetime").time(14, 30), "tijdcel", "14:30"),
    ("patientTerm", 12, "getalcel", "12"),
    ("patientTerm", 12.0, "getalcel", "12"),
    ("explanation", 1.5, "getalcel", "1,5"),
    ("patientTerm", True, "WAAR/ONWAAR-cel", "WAAR"),
    ("explanation", False, "WAAR/ONWAAR-cel", "ONWAAR"),
])
def test_an_xlsx_date_number_or_boolean_cell_in_a_text_column_is_refused(tmp_path, column, cell, kind, shown):
    row = {"conceptId": "38341003", "term": "hypertensie", "patientTerm": "hoge bloeddruk", "explanation": None}
    row[column] = cell
    path = _xlsx(tmp_path / "tm.xlsx", [("45007003", "hypotensie", "lage bloeddruk", None), tuple(row.values())],
                 header=HEADER)
    with pytest.raises(TableError) as refused:
        read_tm_file(path)
    assert refused.value.code == "files.xlsx.not-text"
    assert str(refused.value) == (f"{path}:3: {column} is een {kind} ({shown}); zet de kolom in Excel op 'Tekst' "
                                  "en typ de tekst opnieuw")


def test_an_xlsx_error_cell_in_a_text_column_is_refused(tmp_path):
    book = Workbook()
    book.active.append(list(HEADER[:3]))
    book.active.append(["38341003", "hypertensie", "x"])
    book.active.cell(row=2, column=3, value="#N/A").data_type = "e"
    book.save(tmp_path / "tm.xlsx")
    with pytest.raises(TableError, match=r"tm\.xlsx:2: patientTerm is een foutcel \(#N/A\)"):
        read_tm_file(tmp_path / "tm.xlsx")


def test_suggest_input_refuses_a_number_cell_as_a_term(tmp_path):
    path = _xlsx(tmp_path / "in.xlsx", [("38341003", 12)], header=("conceptId", "term"))
    with pytest.raises(TableError, match=r"in\.xlsx:2: term is een getalcel \(12\)"):
        read_table(path, ["conceptId", "term"])


def test_tm_import_of_a_date_cell_imports_nothing(helder_env):
    import datetime

    book = Workbook()
    book.active.append(list(HEADER))
    book.active.append(["38341003", "hypertensie", "hoge bloeddruk", None])
    book.active.append(["45007003", "hypotensie", datetime.datetime(2026, 3, 1), None])
    book.save(helder_env / "date.xlsx")
    result = runner.invoke(app, ["tm", "import", "date.xlsx"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "date.xlsx:3: patientTerm is een datumcel (2026-03-01); zet de kolom in Excel op 'Tekst'" in result.output
    assert "toegevoegd" not in result.output


def test_helders_own_apostrophe_is_taken_off_and_a_words_apostrophe_is_kept(tmp_path):
    # helder's writers put ' before a cell that reads as a formula; read back, the text is the
    # formula again and the term rules refuse it by name (it is not imported as "'=1+2").
    path = tmp_path / "tm.csv"
    path.write_text("conceptId,term,patientTerm\r\n38341003,hypertensie,'=1+2\r\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"tm\.csv:2: patientTerm: begint met '='"):
        read_tm_file(path)
    path.write_text("conceptId,term,patientTerm,explanation\r\n"
                    "38341003,hypertensie,'s nachts hoge bloeddruk,'t Is vaak erfelijk\r\n", encoding="utf-8")
    frame = read_tm_file(path)
    assert frame.row(0)[2:] == ("'s nachts hoge bloeddruk", "'t Is vaak erfelijk")
    tsv = tmp_path / "tm.tsv"
    tsv.write_text("conceptId\tterm\tpatientTerm\n38341003\thypertensie\t'@ziekte\n", encoding="utf-8")
    with pytest.raises(TableError, match="formule"):
        read_tm_file(tsv)


def test_a_pair_for_an_inactivated_concept_is_taken_with_a_note(helder_env, store):
    """A release inactivated the concept: its pair still teaches the suggester, but no release
    publishes it — the operator is told so, not left to find out from an export."""
    from review_queue.models import Concept

    _, factory = store
    with factory() as s, s.begin():
        s.add(Concept(id="38341003", active=False, effective_time="20250930", module_id="11000146104",
                      term_nl="hypertensie"))
        s.add(Concept(id="45007003", active=True, effective_time="20250930", module_id="11000146104",
                      term_nl="hypotensie"))
    (helder_env / "tm.csv").write_text("conceptId,term,patientTerm\r\n38341003,hypertensie,hoge bloeddruk\r\n"
                                       "45007003,hypotensie,lage bloeddruk\r\n", encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", "tm.csv"])
    assert result.exit_code == 0 and "2 toegevoegd" in result.output
    assert "1 daarvan horen bij concepten die de ingelezen release inactief heeft gemaakt" in result.output
