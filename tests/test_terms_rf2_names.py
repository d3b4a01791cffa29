"""RF2 packages as releases really name and pack their files (issue 12, points 1, 5 and 6).

File names come from real releases and tools: the RF2 specification's examples, Snowstorm's test
resources and exports (github.com/IHTSDO/snowstorm src/test/resources, ExportServiceTest), the
snomed-owl-toolkit, and national editions (UK, Belgium, Sweden, Switzerland).
"""
from __future__ import annotations

import uuid
import zipfile

import polars as pl
import pytest

from terms import config as C
from terms.rf2 import RF2Error, classify, parse_name, read_release
from terms.sctid import make
from terms.tm import tm_from_release

NS = "1000146"
CONCEPT = make(1001, "10", NS)
NL_TERM, PF_TERM, PF_DEF = make(2001, "11", NS), make(2002, "11", NS), make(2003, "11", NS)


def _member(refset, description, acceptability=C.PREFERRED, active=True, effective="20260331"):
    return {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{refset}|{description}")), "effectiveTime": effective,
            "active": active, "moduleId": C.NL_MODULE, "refsetId": refset, "referencedComponentId": description,
            "acceptabilityId": acceptability}


def _description(did, term, module=C.NL_MODULE, type_id=C.SYNONYM, concept=CONCEPT, language="nl", active=True,
                 effective="20260331"):
    return {"id": did, "effectiveTime": effective, "active": active, "moduleId": module, "conceptId": concept,
            "languageCode": language, "typeId": type_id, "term": term, "caseSignificanceId": C.CASE_INSENSITIVE}


def nl_release(pf_term="suikerziekte", pf_explanation="Uw bloed bevat te veel suiker.", kind="Snapshot",
               date="20260331"):
    """{component: rows} of a one-concept Dutch release with a patient-friendly term and explanation."""
    return {
        "Concept": [{"id": CONCEPT, "effectiveTime": date, "active": True, "moduleId": C.NL_MODULE,
                     "definitionStatusId": "900000000000074008"}],
        "Description": [_description(NL_TERM, "diabetes mellitus", effective=date),
                        _description(PF_TERM, pf_term, module=C.PATIENT_FRIENDLY_MODULE, effective=date)],
        "TextDefinition": [_description(PF_DEF, pf_explanation, module=C.PATIENT_FRIENDLY_MODULE,
                                        type_id=C.DEFINITION, effective=date)],
        "Language": [_member(C.NL_LANGUAGE_REFSET, NL_TERM, effective=date),
                     _member(C.PATIENT_FRIENDLY_REFSET, PF_TERM, effective=date)],
    }


@pytest.mark.parametrize("name,expected", [
    # the specification's own examples (Release File Specification §3.3.2)
    ("der2_cRefset_AttributeValueSnapshot_INT_20180131.txt", None),
    ("sct2_Description_Snapshot-en_INT_20180131.txt", ("Description", "Snapshot")),
    ("der2_cRefset_LanguageSnapshot-en_INT_20180131.txt", ("Language", "Snapshot")),
    # content sub-types (a Summary before the release type)
    ("sct2_Concept_MedicalDevicesSnapshot_INT_20140731.txt", ("Concept", "Snapshot")),
    ("sct2_Description_MedicalDevicesSnapshot-en_INT_20140731.txt", ("Description", "Snapshot")),
    ("der2_cRefset_LanguageUKEDSnapshot-en_GB_20210512.txt", ("Language", "Snapshot")),
    ("der2_cRefset_LanguageUKCLDelta-en_GB1000000_20220928.txt", ("Language", "Delta")),
    ("der2_cRefset_Language900000000000508004Delta_INT_20210731.txt", ("Language", "Delta")),  # Snowstorm export
    ("sct2_TextDefinition_Full-en-GB_GB1000000_20220928.txt", ("TextDefinition", "Full")),
    ("sct2_Description_Snapshot-fr_BE1000172_20230315.txt", ("Description", "Snapshot")),
    ("sct2_Description_Delta-de_CH1000195_20231207.txt", ("Description", "Delta")),
    ("sct2_Concept_Snapshot_ExtensionA_20180931.txt", ("Concept", "Snapshot")),  # Snowstorm test resource
    ("xsct2_Description_Snapshot-nl_NL1000146_20260331.txt", ("Description", "Snapshot")),  # beta (provisional)
    ("SCT2_DESCRIPTION_SNAPSHOT-NL_NL1000146_20260331.TXT", ("Description", "Snapshot")),
    ("sct2_Relationship_Snapshot_INT_20250701.txt", ("Relationship", "Snapshot")),
    ("sct2_StatedRelationship_Full_INT_20180731.txt", ("StatedRelationship", "Full")),
    ("sct2_Relationship_MedicalDevicesDelta_INT_20140731.txt", ("Relationship", "Delta")),
    # RF2 files helder does not read
    ("sct2_RelationshipConcreteValues_Snapshot_INT_20250701.txt", None),
    ("sct2_sRefset_OWLExpressionSnapshot_INT_20250701.txt", None),
    ("der2_cissccRefset_MRCMAttributeDomainDelta_INT_20180731.txt", None),
    ("der2_cRefset_AssociationReferenceFull_INT_20180731.txt", None),
    ("zsct2_Description_Snapshot-en_INT_20020131.txt", None),  # archival
    ("sct1_Concepts_Core_INT_20140731.txt", None),  # RF1
    ("doc_IhtsdoGlossary_Current-en-US_INT_20170817.pdf", None),
])
def test_file_names_are_classified_by_the_rf2_naming_rule(name, expected):
    assert classify(name) == expected
    assert classify(f"SnomedCT_X/Snapshot/Terminology/{name}") == expected


def test_name_elements_follow_the_specification():
    n = parse_name("der2_cRefset_LanguageUKEDSnapshot-en_GB_20210512.txt")
    assert (n.file_type, n.format, n.content_type, n.summary, n.release_type, n.language, n.namespace,
            n.version_date) == ("der", "2", "cRefset", "LanguageUKED", "Snapshot", "en", "GB", "20210512")
    assert parse_name("sct2_Description_Full-en-GB_GB1000000_20220928.txt").language == "en-GB"


@pytest.mark.parametrize("folder,names", [
    ("MedicalDevices", {"Concept": "sct2_Concept_MedicalDevicesSnapshot_NL1000146_20260331.txt",
                        "Description": "sct2_Description_MedicalDevicesSnapshot-nl_NL1000146_20260331.txt",
                        "TextDefinition": "sct2_TextDefinition_MedicalDevicesSnapshot-nl_NL1000146_20260331.txt",
                        "Language": "der2_cRefset_LanguageNLEDSnapshot-nl_NL1000146_20260331.txt"}),
    ("UKstyle", {"Concept": "sct2_Concept_Snapshot_NL_20260331.txt",
                 "Description": "sct2_Description_Snapshot-nl_NL_20260331.txt",
                 "TextDefinition": "sct2_TextDefinition_Snapshot-nl_NL_20260331.txt",
                 "Language": "der2_cRefset_LanguagePatientFriendlySnapshot-nl_NL_20260331.txt"}),
])
def test_a_package_with_content_sub_types_reads_whole_and_keeps_acceptability(tmp_path, rf2_package, folder, names):
    rows = nl_release()
    root = rf2_package(tmp_path / folder, {f"Snapshot/{names[c]}": rows[c] for c in names})
    release = read_release(root)
    assert release.kind == "Snapshot" and release.effective_time == "20260331"
    assert release.counts() == {"concepts": 1, "descriptions": 2, "text_definitions": 1, "language_members": 2,
                                "relationships": 0}
    tm = tm_from_release(release)
    assert tm.rows() == [(CONCEPT, "diabetes mellitus", "suikerziekte", "Uw bloed bevat te veel suiker.")]


def test_a_language_refset_named_without_language_is_read_by_its_header(tmp_path, rf2_package):
    rows = nl_release()
    root = rf2_package(tmp_path / "r", {f"Snapshot/{n}": rows[c] for c, n in {
        "Concept": "sct2_Concept_Snapshot_NL1000146_20260331.txt",
        "Description": "sct2_Description_Snapshot-nl_NL1000146_20260331.txt"}.items()})
    header = "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\tacceptabilityId"
    body = ["\t".join(str({True: "1"}.get(v, v)) for v in m.values()) for m in rows["Language"]]
    (root / "Snapshot" / "der2_cRefset_PatientFriendlySnapshot-nl_NL1000146_20260331.txt").write_bytes(
        ("\r\n".join([header, *body]) + "\r\n").encode())
    release = read_release(root)
    assert release.language_members.height == 2
    assert tm_from_release(release)["patientTerm"].to_list() == ["suikerziekte"]


@pytest.mark.parametrize("bad_name", [
    "sct2_Description_Snaphot-nl_NL1000146_20260331.txt",       # a typo in the release type
    "sct2_Description_Snapshot-nl_NL1000146_2026033.txt",       # seven-digit date
    "sct2_Description_Snapshot-nl_NL1000146_20260331 (1).txt",  # a browser's second download
    "Kopie van sct2_Concept_Snapshot_NL1000146_20260331.txt",
    "der2_cRefset_LanguageSnapshot-nl_20260331.txt",            # no CountryNamespace
])
def test_an_rf2_looking_file_that_cannot_be_classified_is_named_never_skipped(tmp_path, rf2_package, bad_name):
    rows = nl_release()
    root = rf2_package(tmp_path / "r", {
        "Snapshot/sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
        "Snapshot/sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"],
        "Snapshot/der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"],
    })
    (root / "Snapshot" / bad_name).write_text("id\teffectiveTime\r\n", encoding="utf-8")
    with pytest.raises(RF2Error) as refused:
        read_release(root)
    message = str(refused.value)
    assert bad_name in message and "volgt de RF2-naamgeving niet" in message and "\n" not in message


def test_other_rf2_files_and_readmes_are_not_errors(tmp_path, rf2_package):
    rows = nl_release()
    root = rf2_package(tmp_path / "SnomedCT_ManagedServiceNL_PRODUCTION_NL1000146_20260331T120000Z", {
        "Snapshot/Terminology/sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
        "Snapshot/Terminology/sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"],
        "Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"],
        "Snapshot/Refset/Content/der2_cRefset_AssociationSnapshot_NL1000146_20260331.txt": [],
        "Snapshot/Terminology/sct2_sRefset_OWLExpressionSnapshot_NL1000146_20260331.txt": [],
    })
    (root / "Readme_nl_20260331.txt").write_text("Lees mij", encoding="utf-8")
    (root / "release_package_information.json").write_text("{}", encoding="utf-8")
    release = read_release(root)
    assert release.counts()["descriptions"] == 2 and len(release.skipped) == 2


def test_a_blank_last_line_and_blank_lines_are_ignored(tmp_path, rf2_package):
    rows = nl_release()
    root = rf2_package(tmp_path / "r", {
        "sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
        "sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"],
        "der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"],
    })
    for path, tail in ((root / "sct2_Description_Snapshot-nl_NL1000146_20260331.txt", b"\r\n"),
                       (root / "sct2_Concept_Snapshot_NL1000146_20260331.txt", b"\r\n\r\n  \r\n"),
                       (root / "der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt", b"\n")):
        path.write_bytes(path.read_bytes() + tail)
    release = read_release(root)
    assert release.counts() == {"concepts": 1, "descriptions": 2, "text_definitions": 0, "language_members": 2,
                                "relationships": 0}


def test_a_zip_written_with_backslashes_reads_like_its_folder(tmp_path, rf2_package):
    rows = nl_release()
    files = {"Snapshot/Terminology/sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
             "Snapshot/Terminology/sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"],
             "Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"]}
    folder = rf2_package(tmp_path / "SnomedCT_NL_20260331", files)
    archive = tmp_path / "SnomedCT_NL_20260331.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in files:
            z.writestr("SnomedCT_NL_20260331\\" + name.replace("/", "\\"), (folder / name).read_bytes())
        z.writestr("__MACOSX/SnomedCT_NL_20260331/._sct2_Concept_Snapshot_NL1000146_20260331.txt", b"\x00\x05")
    zipped = read_release(archive)
    assert zipped.counts() == read_release(folder).counts()
    assert all("\\" not in f for f in zipped.files)


def test_a_zip_of_zips_says_to_unpack_it(tmp_path):
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x.txt", "x")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "SnomedCT_NL_20260331.zip")
    with pytest.raises(RF2Error, match="pak eerst het releasepakket uit"):
        read_release(outer)


@pytest.mark.parametrize("pf_term,pf_explanation,reason", [
    ("x" * 404, "Uitleg.", "404 tekens, ten hoogste 255"),
    ("suikerziekte", "Uitleg " + "heel lang " * 540, "tekens, ten hoogste 1024"),
    ("suiker\u2028ziekte", "Uitleg.", "U+2028"),
    ("=HYPERLINK(\"http://x\")", "Uitleg.", "formule"),
    ("<script>alert(1)</script>", "Uitleg.", "opmaak"),
])
def test_untrusted_patient_friendly_text_is_quarantined_with_file_and_line(tmp_path, rf2_package, pf_term,
                                                                           pf_explanation, reason):
    rows = nl_release(pf_term=pf_term, pf_explanation=pf_explanation)
    root = rf2_package(tmp_path / "r", {
        "sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
        "sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"],
        "sct2_TextDefinition_Snapshot-nl_NL1000146_20260331.txt": rows["TextDefinition"],
        "der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"],
    })
    release = read_release(root)
    (row,) = release.quarantined.iter_rows(named=True)
    assert row["file"].endswith(("sct2_Description_Snapshot-nl_NL1000146_20260331.txt",
                                 "sct2_TextDefinition_Snapshot-nl_NL1000146_20260331.txt"))
    assert row["line"] == 2 + (1 if row["component"] == "Description" else 0)
    assert reason in row["message"] and row["conceptId"] == CONCEPT
    tm = tm_from_release(release)
    if row["component"] == "Description":  # the term stays out of the TM
        assert tm.is_empty()
    else:  # the term stays, without its explanation
        assert tm.rows() == [(CONCEPT, "diabetes mellitus", pf_term, None)]


def test_clinical_terms_keep_their_symbols_but_not_line_breaks(tmp_path, rf2_package):
    rows = nl_release()
    rows["Description"][0]["term"] = "bloeddruk < 90 mmHg & hartslag > 100"
    extra = _description(make(2004, "11", NS), "gebroken\u2028regel")
    root = rf2_package(tmp_path / "r", {
        "sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"],
        "sct2_Description_Snapshot-nl_NL1000146_20260331.txt": rows["Description"] + [extra],
        "der2_cRefset_LanguageSnapshot-nl_NL1000146_20260331.txt": rows["Language"],
    })
    release = read_release(root)
    assert "bloeddruk < 90 mmHg & hartslag > 100" in release.descriptions["term"].to_list()
    assert release.quarantined["id"].to_list() == [extra["id"]]
    assert isinstance(release.quarantined, pl.DataFrame) and "U+2028" in release.quarantined["message"][0]


def test_an_rf2_file_saved_as_csv_is_named(tmp_path, rf2_package):
    rows = nl_release()
    root = rf2_package(tmp_path / "r", {"sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"]})
    (root / "sct2_Description_Snapshot-nl_NL1000146_20260331.csv").write_text("id,term\r\n", encoding="utf-8")
    with pytest.raises(RF2Error, match=r"\.csv: een RF2-bestand moet een tekstbestand \(\.txt\) met tabs zijn, geen \.csv"):
        read_release(root)


def test_a_zip_entry_python_cannot_unpack_is_one_line(tmp_path, rf2_package):
    """Windows' own zip writes Deflate64 (method 9) for big files; Python's zipfile cannot read it."""
    rows = nl_release()
    folder = rf2_package(tmp_path / "r", {"sct2_Concept_Snapshot_NL1000146_20260331.txt": rows["Concept"]})
    archive = tmp_path / "SnomedCT_NL_20260331.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.write(folder / "sct2_Concept_Snapshot_NL1000146_20260331.txt", "sct2_Concept_Snapshot_NL1000146_20260331.txt")
    raw = bytearray(archive.read_bytes())
    # compression method: offset 8 in the local header, 10 in the central directory entry
    raw[8:10] = (9).to_bytes(2, "little")
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 10:central + 12] = (9).to_bytes(2, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(RF2Error) as refused:
        read_release(archive)
    assert "kan niet worden uitgepakt" in str(refused.value) and "\n" not in str(refused.value)
