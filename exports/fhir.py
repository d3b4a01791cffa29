"""FHIR R4 for a release: a CodeSystem supplement of SNOMED CT and a ValueSet over the same codes.

The supplement adds, per concept, the patient-friendly term as display and as a designation in
language `nl-NL-x-patfr` (use display), other approved terms as synonym designations, and the
explanation as a designation with use 900000000000550004 (definition) — the way the Dutch
terminology server shows them. At 380k concepts the concept array is built as JSON text with
polars expressions (each string escaped by polars' JSON encoder), not as Python dicts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from terms import config as C

SNOMED = "http://snomed.info/sct"
PATFR = "nl-NL-x-patfr"
DESIGNATION_USAGE = "http://terminology.hl7.org/CodeSystem/designation-usage"
RESOURCE_ID = "helder-patient-friendly-nl"
_CONCEPTS = "\u0000concepts\u0000"


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    effective_time: str
    date: str
    canonical_base: str
    edition_version: str  # e.g. http://snomed.info/sct/11000146104/version/20260930
    publisher: str = "helder"

    @property
    def resource_id(self) -> str:
        return f"{RESOURCE_ID}-{self.version}"

    @property
    def codesystem_url(self) -> str:
        return f"{self.canonical_base}/CodeSystem/{RESOURCE_ID}"

    @property
    def valueset_url(self) -> str:
        return f"{self.canonical_base}/ValueSet/{RESOURCE_ID}"


def json_string(column: str) -> pl.Expr:
    """The column as a JSON string literal (quotes and escapes included); null stays null."""
    encoded = pl.struct(pl.col(column).alias("v")).struct.json_encode()
    return pl.when(pl.col(column).is_not_null()).then(
        encoded.str.strip_prefix('{"v":').str.strip_suffix("}")
    )


def _designation(use: dict, value: pl.Expr) -> pl.Expr:
    head = json.dumps({"language": PATFR, "use": use}, separators=(",", ":"))[:-1]
    return pl.concat_str([pl.lit(head + ',"value":'), value, pl.lit("}")])


USE_DISPLAY = {"system": DESIGNATION_USAGE, "code": "display"}
USE_SYNONYM = {"system": SNOMED, "code": C.SYNONYM, "display": "Synonym"}
USE_DEFINITION = {"system": SNOMED, "code": C.DEFINITION, "display": "Definition"}


def concept_json(terms: pl.DataFrame) -> pl.Series:
    """One CodeSystem.concept JSON object per concept, ordered by code."""
    enc = terms.with_columns(termJson=json_string("term"), explanationJson=json_string("explanation"))
    synonyms = (
        enc.filter(~pl.col("preferred"))
        .sort("conceptId", "term")
        .group_by("conceptId", maintain_order=True)
        .agg(_designation(USE_SYNONYM, pl.col("termJson")).str.join(",").alias("synonyms"))
    )
    pref = enc.filter(pl.col("preferred")).join(synonyms, on="conceptId", how="left").sort("conceptId")
    designations = pl.concat_str(
        [
            _designation(USE_DISPLAY, pl.col("termJson")),
            pl.when(pl.col("synonyms").is_not_null()).then(pl.lit(",") + pl.col("synonyms")).otherwise(pl.lit("")),
            pl.when(pl.col("explanationJson").is_not_null())
            .then(pl.lit(",") + _designation(USE_DEFINITION, pl.col("explanationJson")))
            .otherwise(pl.lit("")),
        ]
    )
    return pref.select(
        pl.concat_str([
            pl.lit('{"code":"'), pl.col("conceptId"), pl.lit('","display":'), pl.col("termJson"),
            pl.lit(',"designation":['), designations, pl.lit("]}"),
        ]).alias("json")
    )["json"]


def _write_with_concepts(path: Path, resource: dict, concepts: pl.Series) -> None:
    """Write `resource` with the placeholder replaced by the concept array, one concept per line."""
    if not concepts.len():  # FHIR JSON has no empty arrays
        path.write_text(json.dumps(_without_placeholder(resource), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
        return
    head, tail = json.dumps(resource, ensure_ascii=False, indent=2).split(json.dumps(_CONCEPTS))
    body = "[\n" + ",\n".join(concepts.to_list()) + "\n]"
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(head)
        fh.write(body)
        fh.write(tail)
        fh.write("\n")


def _without_placeholder(resource: dict) -> dict:
    """An empty release: a CodeSystem without concepts, a ValueSet whose expansion is empty.

    (A ValueSet include without concepts would mean *all of SNOMED CT*, so the compose goes.)
    """
    out = {k: v for k, v in resource.items() if v != _CONCEPTS}
    if out.get("resourceType") == "ValueSet":
        out.pop("compose", None)
        out["expansion"] = {"timestamp": out["date"], "total": 0}
    return out


def codesystem(info: ReleaseInfo, count: int) -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": info.resource_id,
        "url": info.codesystem_url,
        "version": info.version,
        "name": "HelderPatientFriendlyDutch",
        "title": "Patiëntvriendelijke termen voor SNOMED CT",
        "status": "active",
        "experimental": False,
        "date": info.date,
        "publisher": info.publisher,
        "description": (
            "Patient-friendly Dutch terms and explanations for SNOMED CT concepts, approved by "
            f"terminologists; release {info.version} (effectiveTime {info.effective_time})."
        ),
        "language": "nl-NL",
        "caseSensitive": True,
        "content": "supplement",
        "supplements": f"{SNOMED}|{info.edition_version}",
        "count": count,
        "concept": _CONCEPTS,
    }


def valueset(info: ReleaseInfo) -> dict:
    return {
        "resourceType": "ValueSet",
        "id": info.resource_id,
        "extension": [{
            "url": "http://hl7.org/fhir/StructureDefinition/valueset-supplement",
            "valueCanonical": f"{info.codesystem_url}|{info.version}",
        }],
        "url": info.valueset_url,
        "version": info.version,
        "name": "HelderPatientFriendlyDutchConcepts",
        "title": "SNOMED CT-concepten met een patiëntvriendelijke term",
        "status": "active",
        "experimental": False,
        "date": info.date,
        "publisher": info.publisher,
        "description": f"Every SNOMED CT concept with an approved patient-friendly term in release {info.version}.",
        "language": "nl-NL",
        "compose": {"include": [{"system": SNOMED, "version": info.edition_version, "concept": _CONCEPTS}]},
    }


def write(terms: pl.DataFrame, out_dir: Path, info: ReleaseInfo) -> list[Path]:
    """fhir/CodeSystem-<id>.json and fhir/ValueSet-<id>.json from the release's terms."""
    out_dir.mkdir(parents=True, exist_ok=True)
    concepts = concept_json(terms)
    cs_path = out_dir / f"CodeSystem-{info.resource_id}.json"
    _write_with_concepts(cs_path, codesystem(info, concepts.len()), concepts)
    vs_concepts = (
        terms.filter(pl.col("preferred")).sort("conceptId")
        .select(pl.concat_str([pl.lit('{"code":"'), pl.col("conceptId"), pl.lit('","display":'),
                               json_string("term"), pl.lit("}")]).alias("json"))["json"]
    )
    vs_path = out_dir / f"ValueSet-{info.resource_id}.json"
    _write_with_concepts(vs_path, valueset(info), vs_concepts)
    return [cs_path, vs_path]


def lookup_parameters(code: str, display: str, explanation: str | None, synonyms: list[str],
                      version: str, clinical_term: str | None = None) -> dict:
    """A $lookup answer (FHIR Parameters) with the patient-friendly designations of one concept.

    `version` is the SNOMED CT edition version URI (http://snomed.info/sct/11000146104/version/
    YYYYMMDD, FHIR's "Using SNOMED CT with HL7 FHIR"); `display` the clinical term when given,
    else the patient-friendly one."""
    def designation(use: dict, value: str) -> dict:
        return {"name": "designation", "part": [
            {"name": "language", "valueCode": PATFR},
            {"name": "use", "valueCoding": use},
            {"name": "value", "valueString": value},
        ]}

    params = [
        {"name": "name", "valueString": "SNOMED CT"},
        {"name": "version", "valueString": version},
        {"name": "display", "valueString": clinical_term or display},
        designation(USE_DISPLAY, display),
    ]
    params += [designation(USE_SYNONYM, s) for s in synonyms]
    if explanation:
        params.append(designation(USE_DEFINITION, explanation))
    return {"resourceType": "Parameters", "parameter": params}
