"""What an LLM sent back, read as untrusted input: parse the JSON, then judge every item.

The wire contract (DESIGN.md): one JSON object `{"items": [{"conceptId", "patientTerm",
"explanation"}]}`. Servers that ignore `response_format` wrap it in chatter or a code fence, or
send the bare list; those are read too. Anything else is "not JSON" and the caller retries or
splits. An item that parses but is not a safe Dutch term is refused with a reason, never repaired.
The judgements are the checker's own (pipeline/checks/safety.py patterns, pipeline.dutch.words.is_english), so an
answer the LLM suggester accepts is one the checker would not call unsafe.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pipeline.dutch import words as jargon
from pipeline.checks import CONTROL, ENGLISH_MARKERS, INSTRUCTION, MARKUP, URL
from terms.messages import message
from terms.text import MAX_EXPLANATION_LENGTH, MAX_TERM_LENGTH, TermError, validate_explanation, validate_term

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)
_INSTRUCTION = re.compile(INSTRUCTION)
_UNSAFE = [(re.compile(CONTROL), "control"), (re.compile(MARKUP), "markup"),
           (re.compile(URL), "url"), (_INSTRUCTION, "instruction")]  # llm.what.<name>
_WORDS = re.compile(r"[^\W\d_]+")
MAX_EXPLANATION_SENTENCES = 3  # "one or two B1 sentences"; three is tolerated, a paragraph is not
_is_english = lru_cache(maxsize=100_000)(jargon.is_english)  # answers repeat their words a lot


@dataclass(frozen=True)
class Verdict:
    ok: bool
    patient_term: str = ""
    explanation: str = ""
    reason: str = ""


def parse_items(content: str | None) -> list[dict] | None:
    """The answer's items, or None when the content is not the JSON the contract asks for."""
    if not content or not content.strip():
        return None
    text = content.strip()
    candidates = [text]
    candidates += _FENCE.findall(text)
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            obj = json.loads(candidate)
        except ValueError:
            continue
        items = obj.get("items") if isinstance(obj, dict) else obj
        if isinstance(items, list):
            return [i for i in items if isinstance(i, dict)]
    return None


# Every alternative of the checker's INSTRUCTION pattern contains one of these words (or, for
# "systemprompt", "systeemprompt", "language model", "taalmodel", "<|...|>", these pieces), so a
# text with none of them cannot match and skips that regex — the costliest check per answer.
_INSTRUCTION_WORDS = frozenset("ignore negeer vergeet disregard forget prompt you as als assistant system user "
                               "jailbreak i ik sorry here instruction instructions".split())
_INSTRUCTION_PIECES = ("system", "systeemprompt", "language", "taalmodel", "<|")
_ENGLISH_MARKERS = frozenset(ENGLISH_MARKERS) - {"is"}


def _may_instruct(lower: str, words: list[str]) -> bool:
    return not _INSTRUCTION_WORDS.isdisjoint(words) or any(p in lower for p in _INSTRUCTION_PIECES)


def _english(words: list[str]) -> bool:
    """As the checker's not-Dutch rule: at least two words and half of them English."""
    if len(words) < 2:
        return False
    english = sum(1 for w in words if w in _ENGLISH_MARKERS or _is_english(w))
    return english >= 2 and english * 2 >= len(words)


ECHO_MIN_CHARS = 10  # a shorter piece of the instructions can be an honest answer ("kort", "type")
ECHO_RUN = 5         # words in a row shared with the instructions: copied, not written


def instruction_text(*texts: str) -> str:
    """The prompt's own words (system text, user template without its placeholders) in compare
    form, for `judge(..., instructions=)`: an answer found in them echoes the prompt. The quoted
    values of the prompt (its example answer) follow a tab, each between tabs."""
    joined = " ".join(re.sub(r"\{[a-z_]+\}", " ", t) for t in texts)
    quoted = {_compare(q) for q in re.findall(r'"([^"]+)"', joined)} - {""}
    return " ".join(_compare(joined).split()) + "\t" + "\t".join(sorted(quoted)) + "\t"


def _compare(text: str) -> str:
    """Words only, lower case, accents dropped ("Eén" at a sentence start is "één" elsewhere)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(_WORDS.findall(plain))


CONTRACT_KEYS = {"conceptid", "patientterm", "explanation", "items"}


def _echoes(said: str, instructions: str, clinical: str) -> bool:
    """`said` (compare form) repeats the prompt: the contract's key names, or three words or more
    found together in its instructions — unless the clinical term itself says them (a term such
    as "beide kanten" may be answered with the words the rules happen to use)."""
    if said in CONTRACT_KEYS:
        return True
    words, _, quoted = instructions.partition("\t")
    if f"\t{said}\t" in f"\t{quoted}" and f" {said} " not in f" {clinical} ":
        return True  # the prompt's example answer ("astma") given for another term
    instructions = words
    if len(said) < ECHO_MIN_CHARS or len(said.split()) < 3:
        return False
    if f" {said} " in f" {instructions} ":
        return f" {said} " not in f" {clinical} "
    # a near copy: the prompt's example explanation with a word changed ("Een infectie van de longen
    # waardoor u moeilijk ademt." for appendicitis) still carries ECHO_RUN of its words in a row
    tokens = said.split()
    for i in range(len(tokens) - ECHO_RUN + 1):
        run = " ".join(tokens[i:i + ECHO_RUN])
        if f" {run} " in f" {instructions} " and f" {run} " not in f" {clinical} ":
            return True
    return False


def _problem(text: str, label: str, max_length: int, instructions: str = "", clinical: str = "") -> str | None:
    """Why `text` (the answer's field `label`) is not safe, bounded Dutch; None when it is."""
    field = message(f"llm.field.{label}")
    if not text:
        return message("llm.reason.empty", field=field)
    if len(text) > max_length:
        return message("llm.reason.length", field=field, n=len(text), max=max_length)
    lower = text.lower()
    words = _WORDS.findall(lower)
    if not words:
        # "...", "-", "?": a placeholder (the 270M model copies the "..." of the prompt's JSON shape)
        return message("llm.reason.no-words", field=field, text=shown(text, 20))
    said = _compare(text)
    if instructions and _echoes(said, instructions, clinical):
        return message("llm.reason.echo", field=field)
    may_instruct = _may_instruct(lower, words)
    for pattern, what in _UNSAFE:
        if pattern is _INSTRUCTION and not may_instruct:
            continue
        if pattern.search(text):
            return message("llm.reason.unsafe", field=field, what=message(f"llm.what.{what}"))
    if _english(words):
        return message("llm.reason.english", field=field)
    return None


def judge(item: dict, clinical_term: str = "", instructions: str = "") -> Verdict:
    """Accept an answered item only when the term and explanation are safe, bounded Dutch text.

    `item`: one entry of the answer's `items` (untrusted). `clinical_term`: the term that was
    asked, for the checks that compare the answer with it. `instructions`: the prompt's own words
    (`instruction_text`), which an answer must not repeat. Returns a Verdict whose `reason` (Dutch,
    terms/messages/llm.toml) says why it was refused; an accepted term and explanation come back
    as `terms.text.validate_term` / `validate_explanation` return them (NFC, single spaces)."""
    term = item.get("patientTerm")
    expl = item.get("explanation")
    if not isinstance(term, str):
        return Verdict(False, reason=message("llm.reason.term-type"))
    if expl is not None and not isinstance(expl, str):
        return Verdict(False, reason=message("llm.reason.explanation-type"))
    term = " ".join(term.split()) if not re.search(CONTROL, term) else term.strip()
    expl = (expl or "").strip()
    clinical = _compare(clinical_term)
    reason = _problem(term, "patientTerm", MAX_TERM_LENGTH, instructions, clinical)
    if reason is None and expl:
        reason = _problem(expl, "explanation", MAX_EXPLANATION_LENGTH, instructions, clinical)
        if reason is None and len(re.findall(r"[.!?](\s|$)", expl)) > MAX_EXPLANATION_SENTENCES:
            reason = message("llm.reason.sentences")
    if reason:
        return Verdict(False, reason=reason)
    try:  # the store's own rules for any term text (NFC, trimmed, single spaces); _problem covered the rest
        term = validate_term(term, "patientTerm")
        expl = validate_explanation(expl) or ""
    except TermError as exc:  # pragma: no cover - _problem refuses everything validate_term does
        return Verdict(False, reason=str(exc))
    return Verdict(True, patient_term=term, explanation=expl)


SHARED_MIN_WORDS = 4  # "Een ziekte." may honestly explain two terms; a whole sentence may not


def judge_all(answers: list[tuple[dict, str]], instructions: str = "") -> list[Verdict]:
    """`judge` for each (answer item, clinical term asked) of one reply, and one rule across them:
    an explanation of SHARED_MIN_WORDS words or more given for two different clinical terms is
    copied, not written for either (the 270M model gave three terms the same made-up sentence), so
    both are refused."""
    verdicts = [judge(a, term, instructions) for a, term in answers]
    by_text: dict[str, set[str]] = {}
    for (a, term), v in zip(answers, verdicts):
        said = _compare(v.explanation if v.ok else str(a.get("explanation") or ""))
        if len(said.split()) >= SHARED_MIN_WORDS:
            by_text.setdefault(said, set()).add(_compare(term))
    out = []
    for (a, term), v in zip(answers, verdicts):
        said = _compare(v.explanation) if v.ok else ""
        if v.ok and len(by_text.get(said, ())) > 1:
            v = Verdict(False, reason=message("llm.reason.shared-explanation"))
        out.append(v)
    return out


def shown(text: object, limit: int = 120) -> str:
    """A refused answer as a reviewer may see it: printable, short (never rendered as markup)."""
    if not isinstance(text, str):
        return ""
    clean = re.sub(CONTROL, "?", text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
