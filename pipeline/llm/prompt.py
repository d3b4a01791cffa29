"""Requests to the LLM: items, few-shot examples from the TM, the messages and the JSON schema.

Few-shot policy (numbers in prompts/<name>.toml, [few_shot]): per request, the TM pairs most
similar to the request's clinical terms (one rapidfuzz `cdist` of the request's terms against the
TM, run in a worker thread while other requests wait on the network; the best pairs per item
taken round robin so every item gets its closest neighbour in), topped up with TM
pairs of the same semantic tag when the TM carries `semanticTag` (the hierarchy). Examples carry
no conceptId: only the items asked for have ids in the messages, so an answer cannot confuse them.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from prompts import Prompt
from terms.text import normalise

ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {
        "type": "object",
        "properties": {"conceptId": {"type": "string"}, "patientTerm": {"type": "string"},
                       "explanation": {"type": "string"}},
        "required": ["conceptId", "patientTerm", "explanation"],
        "additionalProperties": False}}},
    "required": ["items"],
    "additionalProperties": False,
}
RESPONSE_SCHEMA = {"type": "json_schema", "json_schema": {"name": "patient_terms", "strict": True, "schema": ANSWER_SCHEMA}}

# How a request asks for the contract's JSON, best first; an endpoint that refuses one level is asked
# at the next (client.Endpoint), learned once per endpoint and model.
STRUCTURED_LEVELS = ("json_schema", "json_object_schema", "json_object", "none")


def answer_schema(ids: list[str], one_each: bool = False) -> dict:
    """The contract's JSON schema for one request, `conceptId` limited to the ids asked, so a
    constrained decoder cannot invent or garble one. With `one_each`, `items` is a tuple
    (`prefixItems`): position i is the i-th id asked, as a constant, so the answer holds every id
    exactly once and in order — for llama.cpp's grammar builder, which honours prefixItems
    (llama_cpp/llama_grammar.py, SchemaConverter.visit); OpenAI's strict mode does not take it."""
    entry = ANSWER_SCHEMA["properties"]["items"]["items"]
    unique = list(dict.fromkeys(ids))
    if one_each:
        tuple_items = [{**entry, "properties": {**entry["properties"], "conceptId": {"type": "string", "const": cid}}}
                       for cid in unique]
        items = {"type": "array", "prefixItems": tuple_items}
    else:
        items = {"type": "array", "items": {**entry, "properties": {**entry["properties"],
                                                                     "conceptId": {"type": "string", "enum": unique}}}}
    return {**ANSWER_SCHEMA, "properties": {"items": items}}


def response_format(level: str, ids: list[str]) -> dict | None:
    """`response_format` for one request at a structured-output level (None: not sent).

    - "json_schema": OpenAI structured outputs, `{"type": "json_schema", "json_schema": {name,
      strict, schema}}` (OpenAI API reference, Chat Completions, response_format).
    - "json_object_schema": `{"type": "json_object", "schema": …}`, the form llama-cpp-python's
      server accepts (llama_cpp/llama_types.py ChatCompletionRequestResponseFormat: type "text" or
      "json_object" with an optional schema; llama_chat_format._grammar_for_response_format turns
      the schema into a grammar). Its server answers `json_schema` with a 500 validation error.
    - "json_object": JSON mode without a schema (OpenAI's older models, many gateways).
    - "none": nothing; the system text alone asks for the JSON (prompts/patient_terms.toml).
    """
    if level == "json_schema":
        return {"type": "json_schema", "json_schema": {**RESPONSE_SCHEMA["json_schema"], "schema": answer_schema(ids)}}
    if level == "json_object_schema":
        return {"type": "json_object", "schema": answer_schema(ids, one_each=True)}
    if level == "json_object":
        return {"type": "json_object"}
    if level == "none":
        return None
    raise ValueError(f"unknown structured-output level {level!r}")


CHUNK = 2000  # work rows per cdist block (x TM size uint8 scores)


@dataclass(frozen=True)
class Item:
    """One thing to ask: a row's clinical term, keyed for the cache by its normalised input."""
    concept_id: str
    term: str
    context: str      # the English FSN, else the semantic tag, else ""
    tag: str
    input_text: str   # normalised input: what the cache key is made of
    line: str         # the item as it appears in the request

    def key(self, model: str, prompt_version: str) -> str:
        return cache_key(model, prompt_version, self.input_text)


def cache_key(model: str, prompt_version: str, input_text: str) -> str:
    return hashlib.sha256(f"{model}\x1f{prompt_version}\x1f{input_text}".encode("utf-8")).hexdigest()


def _col(work: pl.DataFrame, name: str) -> list[str]:
    if name not in work.columns:
        return [""] * work.height
    return work[name].cast(pl.Utf8).fill_null("").str.strip_chars().to_list()


def items_from(work: pl.DataFrame) -> list[Item]:
    ids, terms, fsns, tags = (_col(work, c) for c in ("conceptId", "term", "fsn", "semanticTag"))
    out = []
    for cid, term, fsn, tag in zip(ids, terms, fsns, tags):
        context = fsn or tag
        payload = {"conceptId": cid, "term": term}
        if fsn:
            payload["fsn"] = fsn
        elif tag:
            payload["tag"] = tag
        out.append(Item(cid, term, context, tag, f"{normalise(term)}\t{normalise(context)}",
                        json.dumps(payload, ensure_ascii=False)))
    return out


def _sorted_tokens(text: str) -> str:
    return " ".join(sorted(text.split()))


class FewShot:
    """TM examples for each work item, chosen once per suggest call."""

    def __init__(self, tm: pl.DataFrame | None, prompt: Prompt, workers: int = 1):
        self.workers = workers
        policy = prompt.few_shot
        self.count = int(policy.get("examples", 8))
        self.with_explanation = int(policy.get("with_explanation", 2))
        self.min_score = float(policy.get("min_score", 40))
        tm = tm if tm is not None else pl.DataFrame(schema={"term": pl.Utf8, "patientTerm": pl.Utf8})
        # a pair whose patient term is the clinical term itself teaches the model only to copy
        tm = tm.filter(pl.col("patientTerm").is_not_null() & (pl.col("patientTerm").str.strip_chars() != "")
                       & pl.col("term").is_not_null()
                       & (pl.col("patientTerm").str.to_lowercase().str.strip_chars()
                          != pl.col("term").str.to_lowercase().str.strip_chars()))
        self.terms = tm["term"].to_list()
        self.patient = tm["patientTerm"].to_list()
        self.expl = _col(tm, "explanation")
        self.norm = [normalise(t) for t in self.terms]
        self.sorted = [_sorted_tokens(t) for t in self.norm]
        self.tags = _col(tm, "semanticTag")
        by_tag: dict[str, list[int]] = {}
        for i, tag in enumerate(self.tags):
            if tag:
                by_tag.setdefault(tag, []).append(i)
        self.by_tag = by_tag

    def nearest(self, items: list[Item], per_item: int = 3) -> list[list[int]]:
        """For each item, the TM rows most like its clinical term (best first)."""
        if not self.terms or not items or self.count <= 0:
            return [[] for _ in items]
        out: list[list[int]] = []
        queries = [_sorted_tokens(normalise(i.term)) for i in items]
        k = min(per_item, len(self.terms))
        for start in range(0, len(queries), CHUNK):
            # ratio of word-sorted strings = token_sort_ratio (word order does not matter: "linker pols
            # fractuur"), with the TM side sorted once; ~10x cheaper than WRatio over a 15k TM
            scores = process.cdist(queries[start:start + CHUNK], self.sorted, scorer=fuzz.ratio,
                                   dtype=np.uint8, score_cutoff=self.min_score, workers=self.workers)
            top = np.argpartition(scores, -k, axis=1)[:, -k:] if k < scores.shape[1] else \
                np.tile(np.arange(scores.shape[1]), (scores.shape[0], 1))
            for row, cand in zip(scores, top):
                best = cand[np.argsort(-row[cand].astype(np.int16), kind="stable")]
                out.append([int(j) for j in best if row[j] > 0])
        return out

    def for_request(self, items: list[Item]) -> str:
        return self.examples(items, self.nearest(items))

    def examples(self, items: list[Item], nearest: list[list[int]]) -> str:
        chosen: list[int] = []
        for rank in range(max((len(n) for n in nearest), default=0)):
            for near in nearest:
                if rank < len(near) and near[rank] not in chosen:
                    chosen.append(near[rank])
        chosen = chosen[: self.count]
        for tag in dict.fromkeys(i.tag for i in items if i.tag):
            for j in self.by_tag.get(tag, [])[: self.count]:
                if len(chosen) >= self.count:
                    break
                if j not in chosen:
                    chosen.append(j)
        lines = []
        for n, j in enumerate(chosen):
            line = f"{self.terms[j]} => {self.patient[j]}"
            if n < self.with_explanation and self.expl[j]:
                line += f" ({self.expl[j]})"
            lines.append(line)
        return "\n".join(lines) if lines else "(geen)"


def messages(prompt: Prompt, items: list[Item], examples: str) -> list[dict]:
    user = prompt.render_user(examples, "\n".join(i.line for i in items))
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def estimate_tokens(messages_: list[dict], with_schema: bool = True) -> int:
    """Prompt tokens as characters / 4 (no tokenizer needed; close enough for pacing and budgets)."""
    chars = sum(len(m["content"]) for m in messages_)
    if with_schema:
        chars += len(json.dumps(RESPONSE_SCHEMA))
    return chars // 4 + 4 * len(messages_)
