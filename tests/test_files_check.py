"""pipeline.files: check_file and suggest_file on real TSV, CSV and XLSX files."""
from __future__ import annotations

import json
import sys
import types

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook

from pipeline.files import FileError, check_file, suggest_file

TM_ROWS = [("38341003", "hypertensie", "hoge bloeddruk"), ("45007003", "hypotensie", "lage bloeddruk"),
           ("74400008", "appendicitis", "blindedarmontsteking")]
INPUT_ROWS = [("28651003", "orthostatische hypotensie", "hoge bloeddruk", "agency A"),
              ("85189001", "acute appendicitis", "acute blindedarmontsteking", "agency A"),
              ("27836007", "pertussis", "kinkhoest", "agency B")]
OUT_COLUMNS = ["conceptId", "term", "suggestion", "source", "explanation", "confidence", "origin", "flags", "flagReasons", "similar"]


def write_delimited(path, header, rows, sep):
    path.write_text("\n".join(sep.join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def write_xlsx(path, header, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for r in rows:
        sheet.append(list(r))
    book.save(path)


@pytest.fixture
def tm_tsv(tmp_path):
    path = tmp_path / "tm.tsv"
    write_delimited(path, ("conceptId", "term", "patientTerm"), TM_ROWS, "\t")
    return path


@pytest.mark.parametrize("ext", ["tsv", "csv", "xlsx"])
def test_check_file_writes_contract_columns_and_flags(tmp_path, tm_tsv, ext):
    src, out = tmp_path / f"in.{ext}", tmp_path / f"out.{ext}"
    header = ("conceptId", "term", "suggestion", "source")
    if ext == "xlsx":
        write_xlsx(src, header, INPUT_ROWS)
    else:
        write_delimited(src, header, INPUT_ROWS, "\t" if ext == "tsv" else ",")
    check_file(src, tm_tsv, out, settings={})
    if ext == "xlsx":
        rows = list(load_workbook(out).active.iter_rows(values_only=True))
        frame = pl.DataFrame([list(r) for r in rows[1:]], schema=list(rows[0]), orient="row")
    else:
        frame = pl.read_csv(out, separator="\t" if ext == "tsv" else ",", infer_schema=False)
    assert frame.columns == OUT_COLUMNS
    assert frame["conceptId"].to_list() == ["28651003", "85189001", "27836007"]
    assert "tm-conflict" in frame["flags"][0]
    assert not (frame["flags"][2] or "")
    # the reader of the file sees why, in Dutch, one reason per flag in the order of the codes
    reasons = frame["flagReasons"][0].split(" | ")
    assert len(reasons) == len(frame["flags"][0].split(";"))
    assert reasons[frame["flags"][0].split(";").index("tm-conflict")].startswith("Dezelfde of bijna dezelfde")
    assert not (frame["flagReasons"][2] or "")
    assert json.loads(frame["similar"][0])[0]["conceptId"] == "38341003"
    assert frame["source"].to_list() == ["agency A", "agency A", "agency B"]
    assert list(tmp_path.glob("*.part")) == []


def test_check_file_keeps_input_origin(tmp_path, tm_tsv):
    src, out = tmp_path / "in.tsv", tmp_path / "out.tsv"
    write_delimited(src, ("conceptId", "term", "suggestion", "origin"), [("27836007", "pertussis", "kinkhoest", "agency")], "\t")
    frame = check_file(src, tm_tsv, out, settings={})
    assert frame["origin"].to_list() == ["agency"] and frame["confidence"].to_list() == [None]


def test_missing_column_names_file_and_column(tmp_path, tm_tsv):
    src = tmp_path / "in.tsv"
    write_delimited(src, ("conceptId", "term"), [("27836007", "pertussis")], "\t")
    with pytest.raises(FileError, match=r"in\.tsv: kolom 'suggestion' ontbreekt") as refused:
        check_file(src, tm_tsv, tmp_path / "out.tsv")
    assert refused.value.code == "files.table.missing-column"


def test_empty_value_names_the_line(tmp_path, tm_tsv):
    src = tmp_path / "in.csv"
    write_delimited(src, ("conceptId", "term", "suggestion"), [("27836007", "a", "b"), ("85189001", "", "c")], ",")
    with pytest.raises(FileError, match=r"in\.csv:3: term is leeg"):
        check_file(src, tm_tsv, tmp_path / "out.csv")


def test_failure_leaves_existing_output_untouched(tmp_path, tm_tsv):
    src, out = tmp_path / "in.tsv", tmp_path / "out.tsv"
    out.write_text("old\n", encoding="utf-8")
    write_delimited(src, ("conceptId", "term", "suggestion"), [("27836007", "a", "b")], "\t")
    bad_tm = tmp_path / "tm.tsv"
    write_delimited(bad_tm, ("conceptId", "term"), [("27836007", "a")], "\t")
    with pytest.raises(FileError, match="patientTerm"):
        check_file(src, bad_tm, out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.glob("*.part")) == []


def test_unknown_extension_is_refused(tmp_path, tm_tsv):
    src = tmp_path / "in.json"
    src.write_text("{}", encoding="utf-8")
    with pytest.raises(FileError, match="onbekend bestandstype '.json'"):
        check_file(src, tm_tsv, tmp_path / "out.tsv")


def test_suggest_file_runs_the_suggester_then_the_checks(tmp_path, tm_tsv, monkeypatch):
    """The suggester is swapped for a fixed one here; the real offline suggester is exercised below."""
    def fake_offline(work, tm, **opts):
        return work.with_columns(pl.lit("hoge bloeddruk").alias("suggestion"), pl.lit("uitleg").alias("explanation"),
                                 pl.lit(0.5).alias("confidence"), pl.lit("lexicon").alias("origin"))
    monkeypatch.setitem(sys.modules, "pipeline.offline", types.SimpleNamespace(suggest_offline=fake_offline))
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_delimited(src, ("conceptId", "term", "fsn"), [("45007003", "hypotensie", "Hypotension (disorder)")], ",")
    suggest_file(src, tm_tsv, out, settings={})
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.columns == ["conceptId", "term", "fsn", "suggestion", "explanation", "confidence", "origin", "flags", "flagReasons", "similar"]
    assert frame["origin"][0] == "lexicon" and "tm-conflict" in frame["flags"][0]


def test_suggest_file_with_the_real_offline_suggester(tmp_path, tm_tsv):
    pytest.importorskip("pipeline.offline")
    src, out = tmp_path / "in.tsv", tmp_path / "out.tsv"
    write_delimited(src, ("conceptId", "term"), [("38341003", "hypertensie"), ("27836007", "pertussis")], "\t")
    frame = suggest_file(src, tm_tsv, out, settings={})
    assert frame.columns[:2] == ["conceptId", "term"] and {"suggestion", "flags", "similar"} <= set(frame.columns)
    assert frame["suggestion"][0] == "hoge bloeddruk"
