"""Build the bundled RF2 sample from the hand-written source files.

    python -m terms.sample.build            # rewrites terms/sample/snapshot and terms/sample/delta

`source/concepts.tsv` becomes an NL-edition-shaped Snapshot (effectiveTime 20250930):
concepts; English FSN and synonym (US language refset); Dutch FSN, preferred synonym and
acceptable synonyms (Dutch language refset); where the source has one, the patient-friendly term
(preferred in refset 15551000146102) and its explanation as a text definition, both in the
patient-friendly module. `source/delta.tsv` becomes the Delta of a later release (20260331):
new concepts, changed Dutch terms (the old description inactivated, a new one added, or only
the acceptability changed) and inactivated concepts.

Ids are SCTIDs in the test namespace 9999999 (never a real SNOMED id), numbered in source order,
so a rebuild from unchanged sources gives byte-identical files.
"""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import polars as pl

from terms import config as C
from terms.rf2 import write_rf2
from terms.sctid import make

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"
NAMESPACE = "9999999"
FILE_NAMESPACE = "1000146"  # the file names of an NL edition
SNAPSHOT_TIME, DELTA_TIME = "20250930", "20260331"
INTERNATIONAL_MODULE = "900000000000207008"
PRIMITIVE = "900000000000074008"
MEMBER_NS = uuid.uuid5(uuid.NAMESPACE_URL, "helder:sample-language-member")
TAG_NL = {"disorder": "aandoening", "finding": "bevinding", "procedure": "verrichting",
          "body structure": "lichaamsstructuur"}


def read_source(name: str) -> pl.DataFrame:
    return pl.read_csv(SOURCE / name, separator="\t", quote_char=None, infer_schema=False).fill_null("")


def case_significance(term: str) -> str:
    if term[:1].isupper():
        return C.CASE_SENSITIVE
    return C.INITIAL_CHAR_INSENSITIVE if any(ch.isupper() for ch in term[1:]) else C.CASE_INSENSITIVE


def wanted(row: dict) -> list[tuple]:
    """The descriptions a concept should have: (module, language, type, term, refset, acceptability)."""
    out = [
        (INTERNATIONAL_MODULE, "en", C.FSN, row["fsnEn"], C.US_LANGUAGE_REFSET, C.PREFERRED),
        (INTERNATIONAL_MODULE, "en", C.SYNONYM, row["synonymEn"], C.US_LANGUAGE_REFSET, C.PREFERRED),
        (C.NL_MODULE, "nl", C.FSN, row["fsnNl"], C.NL_LANGUAGE_REFSET, C.PREFERRED),
        (C.NL_MODULE, "nl", C.SYNONYM, row["termNl"], C.NL_LANGUAGE_REFSET, C.PREFERRED),
    ]
    for synonym in filter(None, row["synonymsNl"].split("|")):
        out.append((C.NL_MODULE, "nl", C.SYNONYM, synonym, C.NL_LANGUAGE_REFSET, C.ACCEPTABLE))
    if row["patientTerm"]:
        out.append((C.PATIENT_FRIENDLY_MODULE, "nl", C.SYNONYM, row["patientTerm"], C.PATIENT_FRIENDLY_REFSET,
                    C.PREFERRED))
    if row["explanation"]:
        out.append((C.PATIENT_FRIENDLY_MODULE, "nl", C.DEFINITION, row["explanation"], None, None))
    return out


class Builder:
    """Keeps the ids stable between the Snapshot and the Delta: same description, same id."""

    def __init__(self) -> None:
        self.next_concept = 1
        self.next_description = 1
        self.concept_ids: dict[str, str] = {}
        self.description_ids: dict[tuple, str] = {}

    def concept_id(self, key: str) -> str:
        if key not in self.concept_ids:
            self.concept_ids[key] = make(self.next_concept, "10", NAMESPACE)
            self.next_concept += 1
        return self.concept_ids[key]

    def description_id(self, key: str, module: str, language: str, type_id: str, term: str) -> str:
        ident = (key, module, language, type_id, term)
        if ident not in self.description_ids:
            self.description_ids[ident] = make(self.next_description, "11", NAMESPACE)
            self.next_description += 1
        return self.description_ids[ident]

    def state(self, rows: list[dict]) -> tuple[dict, dict, dict]:
        """concepts {id: row}, descriptions {id: row}, members {(refset, description): acceptability}."""
        concepts, descriptions, members = {}, {}, {}
        for row in rows:
            cid = self.concept_id(row["key"])
            concepts[cid] = {"id": cid, "moduleId": C.NL_MODULE, "definitionStatusId": PRIMITIVE}
            for module, language, type_id, term, refset, acceptability in wanted(row):
                did = self.description_id(row["key"], module, language, type_id, term)
                descriptions[did] = {"id": did, "moduleId": module, "conceptId": cid, "languageCode": language,
                                     "typeId": type_id, "term": term, "caseSignificanceId": case_significance(term)}
                if refset:
                    members[(refset, did)] = (acceptability, module)
        return concepts, descriptions, members


def _frames(concepts: list[dict], descriptions: list[dict], members: list[dict]) -> dict[str, pl.DataFrame]:
    by_type = {"Description": [d for d in descriptions if d["typeId"] != C.DEFINITION],
               "TextDefinition": [d for d in descriptions if d["typeId"] == C.DEFINITION]}
    out = {"Concept": pl.DataFrame(concepts, schema={k: pl.Utf8 for k in
                                                     ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"]})}
    desc_schema = {k: pl.Utf8 for k in ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode",
                                        "typeId", "term", "caseSignificanceId"]}
    for name, rows in by_type.items():
        out[name] = pl.DataFrame(rows, schema=desc_schema)
    out["Language"] = pl.DataFrame(members, schema={k: pl.Utf8 for k in [
        "id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "acceptabilityId"]})
    return {k: v.sort("id") for k, v in out.items()}


def _member(refset: str, did: str, acceptability: str, module: str, time: str, active: str) -> dict:
    return {"id": str(uuid.uuid5(MEMBER_NS, f"{refset}|{did}")), "effectiveTime": time, "active": active,
            "moduleId": module, "refsetId": refset, "referencedComponentId": did, "acceptabilityId": acceptability}


def _write(frames: dict[str, pl.DataFrame], folder: Path, kind: str, time: str) -> None:
    places = {"Concept": "Terminology", "Description": "Terminology", "TextDefinition": "Terminology",
              "Language": "Refset/Language"}
    for component, frame in frames.items():
        language = "" if component == "Concept" else "-nl"
        prefix = "der2_cRefset_" if component == "Language" else "sct2_"
        sep = "" if component == "Language" else "_"
        name = f"{prefix}{component}{sep}{kind}{language}_NL{FILE_NAMESPACE}_{time}.txt"
        write_rf2(frame, folder / kind / places[component] / name, component)


def build(out: Path = HERE) -> tuple[Path, Path]:
    """Write out/snapshot and out/delta; returns their paths."""
    source = read_source("concepts.tsv")
    delta = read_source("delta.tsv")
    builder = Builder()
    before_rows = source.to_dicts()
    concepts, descriptions, members = builder.state(before_rows)
    snapshot = _frames(
        [{**c, "effectiveTime": SNAPSHOT_TIME, "active": "1"} for c in concepts.values()],
        [{**d, "effectiveTime": SNAPSHOT_TIME, "active": "1"} for d in descriptions.values()],
        [_member(r, d, a, m, SNAPSHOT_TIME, "1") for (r, d), (a, m) in members.items()],
    )

    # The later release: apply the delta to the source rows, then write only what differs.
    after = {r["key"]: r for r in before_rows}
    inactivated = set()
    for row in delta.to_dicts():
        change = row.pop("change")
        if change == "inactivated":
            inactivated.add(row["key"])
        else:
            after[row["key"]] = row
    c2, d2, m2 = builder.state([r for r in after.values()])
    changed_concepts = [{**c, "effectiveTime": DELTA_TIME, "active": "1"} for cid, c in c2.items() if cid not in concepts]
    changed_concepts += [{**concepts[builder.concept_ids[k]], "effectiveTime": DELTA_TIME, "active": "0"}
                         for k in sorted(inactivated)]
    changed_desc = [{**d, "effectiveTime": DELTA_TIME, "active": "1"} for did, d in d2.items() if did not in descriptions]
    changed_desc += [{**d, "effectiveTime": DELTA_TIME, "active": "0"} for did, d in descriptions.items() if did not in d2]
    changed_members = [_member(r, d, a, m, DELTA_TIME, "1") for (r, d), (a, m) in m2.items()
                       if members.get((r, d)) != (a, m)]
    changed_members += [_member(r, d, a, m, DELTA_TIME, "0") for (r, d), (a, m) in members.items()
                        if (r, d) not in m2]
    delta_frames = _frames(changed_concepts, changed_desc, changed_members)

    paths = (out / "snapshot", out / "delta")
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
    _write(snapshot, paths[0], "Snapshot", SNAPSHOT_TIME)
    _write(delta_frames, paths[1], "Delta", DELTA_TIME)
    return paths


if __name__ == "__main__":
    for p in build():
        print(f"wrote {p}")
