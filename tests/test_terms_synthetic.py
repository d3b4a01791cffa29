"""The synthetic RF2 generator: NL-edition shape, valid ids, counts as asked, deterministic, readable."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from rapidfuzz import fuzz, process

from terms import config as C
from terms.rf2 import read_release
from terms.sctid import is_valid, make, namespace, partition
from terms.synthetic import sctids, synthetic_concepts, write_synthetic_release
from terms.tm import tm_from_release

N_CONCEPTS, N_TM = 600, 80


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.txt"))}


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    return write_synthetic_release(tmp_path_factory.mktemp("syn") / "rel", N_CONCEPTS, N_TM, seed=3)


@pytest.fixture(scope="module")
def release(release_dir):
    return read_release(release_dir)


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", quote_char=None, infer_schema=False)


def test_files_have_nl_edition_names_and_layout(release_dir):
    names = sorted(str(p.relative_to(release_dir)) for p in release_dir.rglob("*.txt"))
    assert names == [
        "Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nl_NL1000146_20260930.txt",
        "Snapshot/Terminology/sct2_Concept_Snapshot_NL1000146_20260930.txt",
        "Snapshot/Terminology/sct2_Description_Snapshot-nl_NL1000146_20260930.txt",
        "Snapshot/Terminology/sct2_TextDefinition_Snapshot-nl_NL1000146_20260930.txt",
    ]
    raw = (release_dir / names[2]).read_bytes()
    assert raw.startswith(b"id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n")
    assert raw.count(b"\r\n") == raw.count(b"\n")


def test_same_seed_same_bytes_other_seed_other_terms(tmp_path):
    a = write_synthetic_release(tmp_path / "a", 300, 40, seed=9)
    b = write_synthetic_release(tmp_path / "b", 300, 40, seed=9)
    c = write_synthetic_release(tmp_path / "c", 300, 40, seed=10)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_counts_as_asked(release):
    assert release.concepts.height == N_CONCEPTS
    assert release.concepts["id"].n_unique() == N_CONCEPTS
    d = release.descriptions
    per_concept = d.group_by("conceptId").len()["len"]
    assert per_concept.len() == N_CONCEPTS and per_concept.min() >= 4 and per_concept.max() <= 16
    assert 6 <= d.height / N_CONCEPTS <= 11
    # every concept: an English and a Dutch FSN, an English and a Dutch preferred synonym
    fsn = d.filter(pl.col("typeId") == C.FSN).group_by("conceptId").agg(pl.col("languageCode").sort())
    assert fsn.height == N_CONCEPTS and fsn["languageCode"].to_list() == [["en", "nl"]] * N_CONCEPTS
    pf = d.filter(pl.col("moduleId") == C.PATIENT_FRIENDLY_MODULE)
    assert set(pf["languageCode"]) == {"nl"}
    assert release.text_definitions.filter(pl.col("moduleId") == C.PATIENT_FRIENDLY_MODULE).height > 0


def test_ids_are_valid_sctids_in_the_test_namespace(release):
    ids = {"10": release.concepts["id"],
           "11": pl.concat([release.descriptions["id"], release.text_definitions["id"]])}
    for part, column in ids.items():
        values = column.to_list()
        assert all(is_valid(v) for v in values)
        assert {partition(v) for v in values} == {part} and {namespace(v) for v in values} == {"9999999"}
    assert ids["11"].n_unique() == ids["11"].len()


def test_vectorised_ids_equal_terms_sctid_make():
    items = [1, 2, 9, 10, 99, 12345, 380_000, 3_999_999]
    assert sctids(items, "11").to_list() == [make(i, "11", "9999999") for i in items]
    assert sctids(items, "10", "1000146").to_list() == [make(i, "10", "1000146") for i in items]


def test_language_members_point_to_existing_descriptions_of_each_refset(release):
    members = release.language_members
    described = pl.concat([release.descriptions.select("id", "languageCode", "moduleId"),
                           release.text_definitions.select("id", "languageCode", "moduleId")])
    joined = members.join(described, left_on="referencedComponentId", right_on="id", how="left")
    assert joined["languageCode"].null_count() == 0
    assert set(members["refsetId"]) == {C.US_LANGUAGE_REFSET, C.NL_LANGUAGE_REFSET, C.PATIENT_FRIENDLY_REFSET}
    by_refset = dict(joined.group_by("refsetId").agg(pl.col("languageCode").unique().sort()).iter_rows())
    assert by_refset[C.US_LANGUAGE_REFSET] == ["en"] and by_refset[C.NL_LANGUAGE_REFSET] == ["nl"]
    assert by_refset[C.PATIENT_FRIENDLY_REFSET] == ["nl"]
    assert members["id"].n_unique() == members.height
    assert members["id"].str.contains(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$").all()
    # inactive descriptions carry no membership
    inactive = release.descriptions.filter(~pl.col("active"))
    assert inactive.height > 0
    assert members.join(inactive, left_on="referencedComponentId", right_on="id", how="semi").height == 0


def test_tm_from_release_has_n_tm_rows_with_dutch_terms(release):
    tm = tm_from_release(release)
    assert tm.height == N_TM
    assert tm["term"].null_count() == 0 and tm["patientTerm"].null_count() == 0
    assert 0 < tm["explanation"].drop_nulls().len() < N_TM
    assert (tm["term"] != tm["patientTerm"]).sum() > N_TM * 0.8


def test_terms_are_dutch_clinical_with_many_near_neighbours():
    concepts = synthetic_concepts(3000, seed=1)
    assert concepts["term"].n_unique() == 3000
    assert concepts["term"].str.contains(r"itis|ectomie|fractuur|oscopie").mean() > 0.1
    assert concepts["patientTerm"].str.contains(r"ontsteking|gebroken|kijkonderzoek").mean() > 0.1
    # SNOMED-like: most terms have a near neighbour (another qualifier, side, number or organ), so
    # fuzzy matching meets real competition instead of random strings.
    terms = concepts["term"].to_list()
    scores = process.cdist(terms[:300], terms, scorer=fuzz.ratio, workers=-1)
    np.fill_diagonal(scores, 0)
    assert (scores.max(axis=1) >= 80).mean() > 0.5


def test_bad_sizes_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_tm"):
        write_synthetic_release(tmp_path, 10, 11)


def test_module_entry_point_writes_a_release(tmp_path):
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "terms.synthetic", str(tmp_path / "out"), "--concepts", "200", "--tm", "20"],
                          capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    assert tm_from_release(read_release(tmp_path / "out")).height == 20


# --- families mode: large groups of near-identical terms ------------------------------------------

def test_families_mode_same_seed_same_bytes_other_seed_other_terms(tmp_path):
    a = write_synthetic_release(tmp_path / "a", 400, 50, seed=4, families=True)
    b = write_synthetic_release(tmp_path / "b", 400, 50, seed=4, families=True)
    c = write_synthetic_release(tmp_path / "c", 400, 50, seed=5, families=True)
    plain = write_synthetic_release(tmp_path / "d", 400, 50, seed=4)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)
    assert sorted(_digest(a)) == sorted(_digest(plain))  # the same files, other terms
    assert _digest(a) != _digest(plain)


def test_families_release_has_the_rf2_shape_valid_ids_and_tm(tmp_path):
    release = read_release(write_synthetic_release(tmp_path / "f", N_CONCEPTS, N_TM, seed=3, families=True))
    assert release.concepts.height == N_CONCEPTS
    ids = pl.concat([release.descriptions["id"], release.text_definitions["id"]]).to_list()
    assert all(is_valid(v) for v in ids + release.concepts["id"].to_list())
    assert len(set(ids)) == len(ids)
    per_concept = release.descriptions.group_by("conceptId").len()["len"]
    assert per_concept.len() == N_CONCEPTS and per_concept.min() >= 4
    tm = tm_from_release(release)
    assert tm.height == N_TM and (tm["term"] != tm["patientTerm"]).sum() > N_TM * 0.8


def test_families_are_large_and_their_members_differ_in_a_slot_or_two():
    n = 60_000  # ~9% of the families' space (a 380k release fills ~60%)
    fam = synthetic_concepts(n, seed=2, families=True)
    assert fam["term"].n_unique() == n and fam["patientTerm"].null_count() == 0
    assert fam["term"].str.contains(r"fractuur van .*(linker|rechter) ").sum() > 1000
    assert fam["term"].str.contains(r" door \p{Lu}\w+ \w+").sum() > 1000  # organisms
    assert set(fam["tag"]) == {"disorder", "finding", "procedure"}

    def neighbours(terms: list[str]) -> np.ndarray:
        """Per term of the first 300: other terms within ratio 90 (one slot changed, mostly)."""
        scores = process.cdist(terms[:300], terms, scorer=fuzz.ratio, score_cutoff=90, workers=-1)
        return (scores > 0).sum(axis=1) - 1
    near = neighbours(fam["term"].to_list())
    plain = neighbours(synthetic_concepts(n, seed=2)["term"].to_list())
    assert (near >= 1).mean() > 0.85 and np.median(near) >= 3
    assert np.median(near) >= 2 * max(1.0, np.median(plain))  # denser families than the default vocabulary


def test_families_mode_refuses_more_concepts_than_its_families_hold():
    with pytest.raises(ValueError, match="families mode"):
        synthetic_concepts(10_000_000, seed=0, families=True)


def test_module_entry_point_writes_a_families_release(tmp_path):
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-m", "terms.synthetic", str(tmp_path / "out"), "--concepts", "200", "--tm", "20",
                           "--families"], capture_output=True, text=True, cwd=root)
    assert done.returncode == 0, done.stderr
    tm = tm_from_release(read_release(tmp_path / "out"))
    assert tm.height == 20 and tm["term"].str.contains(r" van | door | met ").all()
