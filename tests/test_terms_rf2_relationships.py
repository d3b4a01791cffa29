"""Relationship files in the RF2 reader: IS-A rows only, inferred before stated, checked like the rest.

Packages are written as real releases name their files (sct2_Relationship_Snapshot_INT_…,
sct2_StatedRelationship_…, content sub-types); the full header has the ten RF2 columns
(`id effectiveTime active moduleId sourceId destinationId relationshipGroup typeId
characteristicTypeId modifierId`).
"""
from __future__ import annotations

import zipfile

import polars as pl
import pytest

from terms import config as C
from terms.rf2 import IS_A, RELATIONSHIP_COLUMNS, RF2Error, read_release
from terms.sctid import make

from tests.test_terms_rf2_names import CONCEPT, nl_release

NS = "1000146"
PARENT, OTHER_PARENT, FINDING_SITE = make(1002, "10", NS), make(1003, "10", NS), make(1004, "10", NS)
INFERRED, STATED = "900000000000011006", "900000000000010007"
FINDING_SITE_TYPE = "363698007"
BROKEN_PARENT = PARENT[:-1] + str((int(PARENT[-1]) + 1) % 10)  # another check digit: not an SCTID


def rel(item, source=CONCEPT, destination=PARENT, type_id=IS_A, active=True, effective="20260331",
        characteristic=INFERRED):
    """One relationship row (all ten RF2 columns) with a valid relationship id in the NL namespace."""
    return {"id": make(item, "12", NS), "effectiveTime": effective, "active": active, "moduleId": C.NL_MODULE,
            "sourceId": source, "destinationId": destination, "relationshipGroup": "0", "typeId": type_id,
            "characteristicTypeId": characteristic, "modifierId": "900000000000451002"}


def package(tmp_path, rf2_package, relationships: dict, kind="Snapshot", date="20260331"):
    """A one-concept Dutch release plus the given {file name: relationship rows}."""
    rows = nl_release(kind=kind, date=date)
    files = {
        f"{kind}/Terminology/sct2_Concept_{kind}_NL1000146_{date}.txt": rows["Concept"],
        f"{kind}/Terminology/sct2_Description_{kind}-nl_NL1000146_{date}.txt": rows["Description"],
        f"{kind}/Refset/Language/der2_cRefset_Language{kind}-nl_NL1000146_{date}.txt": rows["Language"],
    }
    files.update({f"{kind}/Terminology/{name}": r for name, r in relationships.items()})
    return rf2_package(tmp_path / "SnomedCT_ManagedServiceNL_PRODUCTION_NL1000146_20260331T120000Z", files)


def test_relationship_rows_are_read_is_a_only_with_six_columns(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [
        rel(1), rel(2, destination=OTHER_PARENT, active=False, effective="20250930"),
        rel(3, destination=FINDING_SITE, type_id=FINDING_SITE_TYPE)]})
    release = read_release(root)
    assert release.relationships.columns == RELATIONSHIP_COLUMNS
    assert release.relationships.select("sourceId", "destinationId", "active").sort("destinationId").rows() == [
        (CONCEPT, PARENT, True), (CONCEPT, OTHER_PARENT, False)]
    assert release.counts()["relationships"] == 2
    assert any("sct2_Relationship_Snapshot" in f for f in release.files)


def test_a_release_without_relationship_files_has_an_empty_frame(tmp_path, rf2_package):
    release = read_release(package(tmp_path, rf2_package, {}))
    assert release.relationships.is_empty() and release.relationships.columns == RELATIONSHIP_COLUMNS
    assert release.relationships.schema["active"] == pl.Boolean


def test_stated_relationships_stand_in_only_when_there_is_no_inferred_file(tmp_path, rf2_package):
    stated = {"sct2_StatedRelationship_Snapshot_NL1000146_20260331.txt": [
        rel(5, destination=OTHER_PARENT, characteristic=STATED)]}
    only_stated = read_release(package(tmp_path / "a", rf2_package, stated))
    assert only_stated.relationships["destinationId"].to_list() == [OTHER_PARENT]

    both = read_release(package(tmp_path / "b", rf2_package, {
        **stated, "sct2_Relationship_Snapshot_NL1000146_20260331.txt": [rel(1)]}))
    assert both.relationships["destinationId"].to_list() == [PARENT]
    assert any("sct2_StatedRelationship" in f for f in both.skipped)

    # An inferred file with no rows (as recent releases ship the stated file) still wins.
    header_only = read_release(package(tmp_path / "c", rf2_package, {
        **stated, "sct2_Relationship_Snapshot_NL1000146_20260331.txt": []}))
    assert header_only.relationships.is_empty()


def test_a_full_collapses_relationships_to_the_newest_row_per_id(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Full_NL1000146_20260331.txt": [
        rel(1, effective="20240930"), rel(1, active=False, effective="20260331"),
        rel(2, destination=OTHER_PARENT, active=False, effective="20240930"),
        rel(2, destination=OTHER_PARENT, effective="20250930")]}, kind="Full")
    release = read_release(root)
    assert release.kind == "Full"
    assert release.relationships.select("destinationId", "active", "effectiveTime").sort("destinationId").rows() == [
        (PARENT, False, "20260331"), (OTHER_PARENT, True, "20250930")]


def test_a_delta_reads_its_relationships_and_a_content_sub_type_is_read_too(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {
        "sct2_Relationship_Delta_NL1000146_20260331.txt": [rel(1, active=False)],
        "sct2_Relationship_MedicalDevicesDelta_NL1000146_20260331.txt": [rel(7, destination=OTHER_PARENT)]},
        kind="Delta")
    release = read_release(root)
    assert sorted(release.relationships.select("destinationId", "active").rows()) == sorted(
        [(PARENT, False), (OTHER_PARENT, True)])


def test_relationships_of_another_kind_in_the_package_are_not_read(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [rel(1)]})
    rf2_package(root, {"Delta/Terminology/sct2_Relationship_Delta_NL1000146_20260331.txt": [rel(1, active=False)]})
    release = read_release(root)
    assert release.kind == "Snapshot" and release.relationships["active"].to_list() == [True]


def test_relationship_files_alone_are_no_release(tmp_path, rf2_package):
    root = rf2_package(tmp_path / "r", {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [rel(1)]})
    with pytest.raises(RF2Error, match="geen RF2-bestanden met concepten, beschrijvingen"):
        read_release(root)


def test_a_zip_reads_relationships_like_its_folder(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [
        rel(1), rel(3, destination=FINDING_SITE, type_id=FINDING_SITE_TYPE)]})
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in root.rglob("*.txt"):
            z.write(f, f.relative_to(tmp_path).as_posix())
    zipped, folder = read_release(archive), read_release(root)
    assert zipped.relationships.equals(folder.relationships) and zipped.counts() == folder.counts()


def test_blank_lines_in_a_relationship_file_are_ignored(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [rel(1), rel(2)]})
    path = next(root.rglob("sct2_Relationship_*"))
    head, first, second = path.read_bytes().split(b"\r\n")[:3]
    path.write_bytes(b"\r\n".join([head, first, b"", b"  \t ", second, b"", b""]))
    assert read_release(root).relationships.height == 2


def _replace_line(path, line_no, edit):
    lines = path.read_bytes().split(b"\r\n")
    lines[line_no - 1] = edit(lines[line_no - 1])
    path.write_bytes(b"\r\n".join(lines))


@pytest.mark.parametrize("edit,line,message", [
    (lambda b: b.rsplit(b"\t", 1)[0], 3, "10 velden gescheiden door tabs verwacht, 9 gevonden"),
    (lambda b: b + b"\textra", 3, "10 velden gescheiden door tabs verwacht, 11 gevonden"),
    (lambda b: b.replace(b"\t0\t116680003", b"\t\t116680003"), 3, "relationshipGroup is leeg"),
    (lambda b: b.replace(PARENT.encode(), BROKEN_PARENT.encode()), 3,
     f"destinationId '{BROKEN_PARENT}' is geen geldig SCTID"),
    (lambda b: b.replace(b"20260331", b"2026-03-31"), 3, "effectiveTime '2026-03-31' is geen datum JJJJMMDD"),
    (lambda b: b.replace(b"\t1\t" + C.NL_MODULE.encode(), b"\tyes\t" + C.NL_MODULE.encode()), 3,
     "active moet 0 of 1 zijn"),
    (lambda b: b.replace(b"116680003", b"11668OOO3"), 3, "typeId '11668OOO3' is geen geldig SCTID"),
    (lambda b: b.replace(b"\t0\t", "\t\u00e9\t".encode("latin-1")), 3, "geen geldige UTF-8"),
])
def test_a_malformed_relationship_row_is_refused_naming_file_and_line(tmp_path, rf2_package, edit, line, message):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [
        rel(1), rel(2), rel(3, destination=FINDING_SITE, type_id=FINDING_SITE_TYPE)]})
    path = next(root.rglob("sct2_Relationship_*"))
    _replace_line(path, line, edit)
    with pytest.raises(RF2Error) as refused:
        read_release(root)
    text = str(refused.value)
    assert f"sct2_Relationship_Snapshot_NL1000146_20260331.txt:{line}:" in text and message in text
    assert "\n" not in text


def test_a_malformed_row_of_another_type_is_refused_too(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [
        rel(1), rel(3, destination=FINDING_SITE, type_id=FINDING_SITE_TYPE)]})
    path = next(root.rglob("sct2_Relationship_*"))
    _replace_line(path, 3, lambda b: b.rsplit(b"\t", 2)[0])
    with pytest.raises(RF2Error, match=r"_20260331\.txt:3: 10 velden gescheiden door tabs verwacht, 8 gevonden"):
        read_release(root)


def test_a_wrong_relationship_header_and_a_duplicate_id_are_refused(tmp_path, rf2_package):
    root = package(tmp_path, rf2_package, {"sct2_Relationship_Snapshot_NL1000146_20260331.txt": [rel(1), rel(1)]})
    with pytest.raises(RF2Error, match=r"_20260331\.txt:3: relatie-id \d+ komt meer dan één keer voor"):
        read_release(root)
    path = next(root.rglob("sct2_Relationship_*"))
    path.write_bytes(path.read_bytes().replace(b"\tmodifierId", b"", 1))
    with pytest.raises(RF2Error, match=r"_20260331\.txt:1: kopregel is"):
        read_release(root)
