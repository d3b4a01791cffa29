"""The hand-written sample terminology (terms/sample/source) is well-formed reference data.

The builder turns these files into RF2; these checks catch content mistakes
(a stray tab, a duplicate key, a patient term without an explanation) before it does.
"""

from pathlib import Path

import polars as pl
import pytest

SOURCE = Path(__file__).resolve().parent.parent / "terms" / "sample" / "source"
COLUMNS = ["key", "hierarchy", "fsnEn", "synonymEn", "fsnNl", "termNl", "synonymsNl", "patientTerm", "explanation"]
TAGS = {"disorder": ("disorder", "aandoening"), "finding": ("finding", "bevinding"),
        "procedure": ("procedure", "verrichting"), "body structure": ("body structure", "lichaamsstructuur")}
MINIMUM_PER_HIERARCHY = {"disorder": 200, "finding": 80, "procedure": 80, "body structure": 50}


def _read(name: str, columns: list[str]) -> pl.DataFrame:
    path = SOURCE / name
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", f"{name}: must end with a newline"
    assert lines[0].split("\t") == columns, f"{name}: header is {lines[0]!r}"
    for number, line in enumerate(lines[1:-1], start=2):
        assert line.count("\t") == len(columns) - 1, f"{name}:{number}: {line.count(chr(9)) + 1} fields"
        assert '"' not in line, f"{name}:{number}: no quoting allowed"
        assert line == line.strip(" "), f"{name}:{number}: stray space at line edge"
    return pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False).fill_null("")


@pytest.fixture(scope="module")
def concepts() -> pl.DataFrame:
    return _read("concepts.tsv", COLUMNS)


@pytest.fixture(scope="module")
def delta() -> pl.DataFrame:
    return _read("delta.tsv", ["change", *COLUMNS])


def _check_rows(frame: pl.DataFrame, where: str) -> None:
    for row in frame.iter_rows(named=True):
        key = row["key"]
        assert key.isascii() and key == key.lower() and " " not in key, f"{where} {key}: key not an ascii slug"
        assert row["hierarchy"] in TAGS, f"{where} {key}: hierarchy {row['hierarchy']!r}"
        tag_en, tag_nl = TAGS[row["hierarchy"]]
        assert row["fsnEn"] == f"{row['synonymEn']} ({tag_en})", f"{where} {key}: fsnEn"
        assert row["fsnNl"].endswith(f" ({tag_nl})"), f"{where} {key}: fsnNl tag"
        assert row["termNl"], f"{where} {key}: empty termNl"
        for field in COLUMNS:
            assert row[field] == row[field].strip() and "  " not in row[field], f"{where} {key}: spacing in {field}"
        synonyms = [s for s in row["synonymsNl"].split("|") if row["synonymsNl"]]
        assert all(synonyms), f"{where} {key}: empty synonym in {row['synonymsNl']!r}"
        assert row["termNl"] not in synonyms, f"{where} {key}: synonym repeats termNl"
        assert bool(row["patientTerm"]) == bool(row["explanation"]), f"{where} {key}: patientTerm without explanation or vice versa"
        if row["explanation"]:
            assert row["explanation"][0].isupper() and row["explanation"].endswith("."), f"{where} {key}: explanation sentence"
            assert row["explanation"].count(".") <= 3, f"{where} {key}: explanation longer than two sentences"


def test_concepts_are_well_formed(concepts: pl.DataFrame) -> None:
    assert concepts.height >= 460
    assert concepts["key"].is_unique().all(), concepts.filter(pl.col("key").is_duplicated())["key"].to_list()
    assert concepts["fsnEn"].is_unique().all()
    assert concepts["fsnNl"].is_unique().all()
    _check_rows(concepts, "concepts.tsv")


def test_concepts_spread_over_hierarchies(concepts: pl.DataFrame) -> None:
    counts = dict(concepts.group_by("hierarchy").len().iter_rows())
    for hierarchy, minimum in MINIMUM_PER_HIERARCHY.items():
        assert counts.get(hierarchy, 0) >= minimum, (hierarchy, counts)


def test_about_half_have_a_patient_term_in_every_hierarchy(concepts: pl.DataFrame) -> None:
    with_term = concepts.with_columns(has=pl.col("patientTerm") != "")
    assert 0.4 <= with_term["has"].mean() <= 0.6
    shares = with_term.group_by("hierarchy").agg(pl.col("has").mean())
    assert shares["has"].min() >= 0.3, shares
    # Mixed through the file, not one block: both halves of the file carry patient terms.
    half = with_term.height // 2
    assert 0.3 <= with_term["has"][:half].mean() <= 0.7
    assert 0.3 <= with_term["has"][half:].mean() <= 0.7


def test_some_rows_have_dutch_synonyms(concepts: pl.DataFrame) -> None:
    share = (concepts["synonymsNl"] != "").mean()
    assert 0.25 <= share <= 0.5


def test_delta_refers_to_keys_correctly(concepts: pl.DataFrame, delta: pl.DataFrame) -> None:
    known = set(concepts["key"])
    with_term = set(concepts.filter(pl.col("patientTerm") != "")["key"])
    assert set(delta["change"]) <= {"new", "changed-term", "inactivated"}
    assert delta["key"].is_unique().all()
    new = delta.filter(pl.col("change") == "new")
    changed = delta.filter(pl.col("change") == "changed-term")
    inactivated = delta.filter(pl.col("change") == "inactivated")
    assert new.height >= 20 and changed.height >= 5 and inactivated.height >= 3
    assert not set(new["key"]) & known, "new keys must not exist yet"
    assert set(changed["key"]) <= known and set(inactivated["key"]) <= known
    assert not set(inactivated["key"]) & set(changed["key"])
    _check_rows(new, "delta.tsv new")
    _check_rows(changed, "delta.tsv changed-term")
    assert 0.2 <= (new["patientTerm"] != "").mean() <= 0.5
    old_terms = dict(concepts.select("key", "termNl").iter_rows())
    for key, term in changed.select("key", "termNl").iter_rows():
        assert term != old_terms[key], f"changed-term {key}: termNl did not change"
    for keys in (set(changed["key"]), set(inactivated["key"])):
        assert keys & with_term and keys - with_term, "mix concepts with and without a patient term"
