"""The RF2 reader: the bundled sample, Full/Snapshot/Delta, zips, and one clear line per malformed file."""
from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terms import config as C
from terms import messages, rf2
from terms.rf2 import RF2Error, read_release, rf2_filename, write_descriptions
from terms.sample import sample_path
from terms.sctid import is_valid, make
from terms.tm import dutch_terms, tm_from_release

DESC_HEADER = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId"


def _copy_sample(tmp_path: Path) -> Path:
    target = tmp_path / "release"
    shutil.copytree(sample_path("snapshot"), target)
    return target


def _file(root: Path, pattern: str) -> Path:
    return next(root.rglob(pattern))


def test_the_sample_is_an_nl_edition_with_half_translated(tmp_path):
    release = read_release(sample_path("snapshot"))
    assert release.kind == "Snapshot" and release.effective_time == "20250930"
    active = release.concepts.filter(pl.col("active"))
    assert active.height >= 400
    assert all(is_valid(i) for i in release.concepts["id"])
    terms = dutch_terms(release)
    assert terms.height == release.concepts.height  # every concept has one Dutch preferred term
    tm = tm_from_release(release)
    assert 0.4 <= tm.height / active.height <= 0.6
    assert tm["term"].null_count() == 0 and tm["explanation"].null_count() < tm.height
    # English FSN with a semantic tag for each of the four hierarchies
    fsn = release.descriptions.filter((pl.col("typeId") == C.FSN) & (pl.col("languageCode") == "en"))
    tags = set(fsn["term"].str.extract(r"\(([^()]+)\)$"))
    assert {"disorder", "finding", "procedure", "body structure"} <= tags
    refsets = set(release.language_members["refsetId"])
    assert {C.US_LANGUAGE_REFSET, C.NL_LANGUAGE_REFSET, C.PATIENT_FRIENDLY_REFSET} <= refsets


def test_the_delta_adds_changes_and_inactivates():
    snapshot = read_release(sample_path("snapshot"))
    delta = read_release(sample_path("delta"))
    assert delta.kind == "Delta" and delta.effective_time == "20260331"
    new = delta.concepts.filter(pl.col("active")).join(snapshot.concepts, on="id", how="anti")
    inactivated = delta.concepts.filter(~pl.col("active"))
    assert new.height >= 20 and inactivated.height >= 1
    before = dict(dutch_terms(snapshot).iter_rows())
    changed = dutch_terms(delta).filter(pl.col("conceptId").is_in(list(before)))
    assert any(before[c] != t for c, t in changed.iter_rows())


def test_full_collapses_to_the_newest_row_per_id(tmp_path):
    folder = tmp_path / "full"
    d1 = make(1, "11", "9999999")
    rows = pl.DataFrame({
        "id": [d1, d1], "effectiveTime": ["20240101", "20250101"], "active": ["1", "0"],
        "moduleId": [C.NL_MODULE] * 2, "conceptId": [make(1, "10", "9999999")] * 2, "languageCode": ["nl"] * 2,
        "typeId": [C.SYNONYM] * 2, "term": ["oud", "oud"], "caseSignificanceId": [C.CASE_INSENSITIVE] * 2,
    })
    write_descriptions(rows, folder / rf2_filename("Description", "Full", "1000146", "20250101"))
    release = read_release(folder)
    assert release.kind == "Full"
    assert release.descriptions.select("id", "active").rows() == [(d1, False)]


def test_a_zip_reads_like_its_folder(tmp_path):
    archive = tmp_path / "sample.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in sample_path("snapshot").rglob("*.txt"):
            z.write(f, f"SnomedCT_Sample/{f.relative_to(sample_path('snapshot'))}")
    zipped, folder = read_release(archive), read_release(sample_path("snapshot"))
    assert zipped.counts() == folder.counts()
    assert tm_from_release(zipped).equals(tm_from_release(folder))


def test_written_files_are_crlf_utf8_without_bom(tmp_path):
    path = write_descriptions(read_release(sample_path("snapshot")).descriptions.head(3),
                              tmp_path / rf2_filename("Description", "Snapshot", "1000146", "20250930"))
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 4 and raw.count(b"\n") == 4
    assert raw.split(b"\r\n")[0].decode() == DESC_HEADER


def _corrupt(tmp_path, pattern, edit) -> tuple[Path, Path]:
    root = _copy_sample(tmp_path)
    path = _file(root, pattern)
    lines = path.read_bytes().split(b"\r\n")
    edit(lines)
    path.write_bytes(b"\r\n".join(lines))
    return root, path


def _replace_field(lines, line_no, field, value):
    fields = lines[line_no - 1].split(b"\t")
    fields[field] = value
    lines[line_no - 1] = b"\t".join(fields)


@pytest.mark.parametrize("pattern,edit,message,line", [
    ("sct2_Description_*", lambda ls: ls.__setitem__(0, ls[0].replace(b"term", b"text")), "kopregel is", 1),
    ("sct2_Description_*", lambda ls: ls.__setitem__(6, ls[6] + b"\textra"), "9 velden gescheiden door tabs verwacht", 7),
    ("sct2_Description_*", lambda ls: ls.__setitem__(9, b"\t".join(ls[9].split(b"\t")[:5])), "5 gevonden", 10),
    ("sct2_Description_*", lambda ls: ls.__setitem__(4, ls[4].replace(b"\t1\t", b"\t\xff\t", 1)), "UTF-8", 5),
    ("sct2_Concept_*", lambda ls: _replace_field(ls, 12, 0, str(int(ls[11].split(b"\t")[0]) + 1).encode()),
     "is geen geldig SCTID", 12),
    ("sct2_Description_*", lambda ls: _replace_field(ls, 3, 1, b"20251340"), "effectiveTime", 3),
    ("sct2_Description_*", lambda ls: _replace_field(ls, 8, 2, b"yes"), "active moet 0 of 1 zijn", 8),
    ("der2_cRefset_Language*", lambda ls: _replace_field(ls, 20, 5, make(987654, "11", "9999999").encode()),
     "verwijst naar beschrijving", 20),
    ("sct2_Description_*", lambda ls: _replace_field(ls, 15, 4, make(987654, "10", "9999999").encode()),
     "beschrijving verwijst naar concept", 15),
    ("der2_cRefset_Language*", lambda ls: _replace_field(ls, 5, 0, b"not-a-uuid"), "is geen UUID", 5),
])
def test_malformed_input_names_file_and_line(tmp_path, pattern, edit, message, line):
    root, path = _corrupt(tmp_path, pattern, edit)
    with pytest.raises(RF2Error) as caught:
        read_release(root)
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"{path}:{line}: "), text
    assert message in text


def test_a_byte_order_mark_is_refused(tmp_path):
    root = _copy_sample(tmp_path)
    path = _file(root, "sct2_Concept_*")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(RF2Error, match=r":1: begint met een byte-order-mark"):
        read_release(root)


def test_duplicate_ids_in_a_snapshot_are_refused(tmp_path):
    root, path = _corrupt(tmp_path, "sct2_Concept_*", lambda ls: ls.insert(5, ls[3]))
    with pytest.raises(RF2Error, match=r"concept-id \d+ komt meer dan één keer voor"):
        read_release(root)


def test_an_empty_or_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(RF2Error, match="geen RF2-bestanden"):
        read_release(tmp_path)
    with pytest.raises(RF2Error, match="bestand of map bestaat niet"):
        read_release(tmp_path / "missing")
    with pytest.raises(RF2Error, match=r"geen Full-bestanden \(wel: Snapshot\)"):
        read_release(sample_path("snapshot"), kind="Full")


# Terms as RF2 may carry them: any printable text without tab or line break, including quotes,
# diacritics and characters outside the BMP. (Clinical terms of the NL module: patient-friendly
# ones also pass the term rules of terms.text, tested in test_terms_rf2_names.py.)
_terms = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60).filter(
    lambda t: t.strip() != "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(1, 10**6), _terms, st.booleans()), min_size=1, max_size=30,
                     unique_by=lambda r: r[0]))
def test_descriptions_round_trip_through_write_and_read(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("rt")
    frame = pl.DataFrame({
        "id": [make(i, "11", "1000146") for i, _, _ in rows],
        "effectiveTime": ["20261124"] * len(rows),
        "active": [a for _, _, a in rows],
        "moduleId": [C.NL_MODULE] * len(rows),
        "conceptId": [make(i, "10", "1000146") for i, _, _ in rows],
        "languageCode": ["nl"] * len(rows),
        "typeId": [C.SYNONYM] * len(rows),
        "term": [t for _, t, _ in rows],
        "caseSignificanceId": [C.CASE_INSENSITIVE] * len(rows),
    })
    write_descriptions(frame, folder / rf2_filename("Description", "Delta", "1000146", "20261124"))
    back = read_release(folder).descriptions.sort("id")
    assert back.to_dicts() == frame.sort("id").to_dicts()


def test_a_truncated_row_is_refused_in_dutch_in_one_line_naming_file_and_line(tmp_path):
    root, path = _corrupt(tmp_path, "sct2_Description_*", lambda ls: ls.__setitem__(9, b"\t".join(ls[9].split(b"\t")[:5])))
    with pytest.raises(RF2Error) as caught:
        read_release(root)
    assert str(caught.value) == f"{path}:10: 9 velden gescheiden door tabs verwacht, 5 gevonden"
    assert caught.value.message == messages.message("files.rf2.field-count", expected=9, found=5)


def test_an_unknown_kind_is_refused_in_dutch():
    with pytest.raises(RF2Error, match="onbekende soort release 'Weekly'; kies Snapshot, Full of Delta"):
        read_release(sample_path("snapshot"), kind="weekly")


def test_every_rf2_refusal_comes_from_the_catalogue():
    """A newcomer found RF2 errors in English: every RF2Error text is a files.rf2 message, and each is used."""
    source = Path(rf2.__file__).read_text(encoding="utf-8")
    assert not re.findall(r'RF2Error\([^()]*?,\s*[^,()]*?,\s*f?"', source)  # no literal text as the message
    named = set(re.findall(r'"(files\.rf2\.[a-z0-9-]+)"', source))
    unused = {k for k in messages.keys("files.rf2.") if not k.startswith("files.rf2.component.")} - named
    assert named and unused == set()
