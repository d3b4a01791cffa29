"""What an LLM sent back, read as untrusted input: parse the JSON, then judge every item.

The wire contract (DESIGN.md): one JSON object `{"items": [{"conceptId", "patientTerm",
"explanation"}]}`. Servers that ignore `response_format` wrap it in chatter or a code fence, or
send the bare list; those are read too. Anything else is "not JSON" and the caller retries or
splits. An item that parses but is not a safe Dutch term is refused with a reason, never repaired.
The judgements are the checker's own (pipeline/checks.py patterns, jargon.is_english), so an
answer the LLM suggester accepts is one the checker would not call unsafe.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.dutch import words as jargon
from pipeline.checks import CONTROL, ENGLISH_MARKERS, INSTRUCTION, MARKUP, URL
from terms.text import MAX_EXPLANATION_LENGTH, MAX_TERM_LENGTH

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)
_INSTRUCTION = re.compile(INSTRUCTION)
_UNSAFE = [(re.compile(CONTROL), "control characters"), (re.compile(MARKUP), "markup"),
           (re.compile(URL), "a link or address"), (_INSTRUCTION, "instructions or chat text")]
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


def _problem(text: str, label: str, max_length: int) -> str | None:
    if not text:
        return f"{label} is empty"
    if len(text) > max_length:
        return f"{label} has {len(text)} characters, at most {max_length}"
    lower = text.lower()
    words = _WORDS.findall(lower)
    may_instruct = _may_instruct(lower, words)
    for pattern, what in _UNSAFE:
        if pattern is _INSTRUCTION and not may_instruct:
            continue
        if pattern.search(text):
            return f"{label} contains {what}"
    if _english(words):
        return f"{label} is not Dutch (English words)"
    return None


def judge(item: dict) -> Verdict:
    """Accept an answered item only when the term and explanation are safe, bounded Dutch text."""
    term = item.get("patientTerm")
    expl = item.get("explanation")
    if not isinstance(term, str):
        return Verdict(False, reason="patientTerm is missing or not text")
    if expl is not None and not isinstance(expl, str):
        return Verdict(False, reason="explanation is not text")
    term = " ".join(term.split()) if not re.search(CONTROL, term) else term.strip()
    expl = (expl or "").strip()
    reason = _problem(term, "patientTerm", MAX_TERM_LENGTH)
    if reason is None and expl:
        reason = _problem(expl, "explanation", MAX_EXPLANATION_LENGTH)
        if reason is None and len(re.findall(r"[.!?](\s|$)", expl)) > MAX_EXPLANATION_SENTENCES:
            reason = "explanation is longer than a few sentences"
    if reason:
        return Verdict(False, reason=reason)
    return Verdict(True, patient_term=term, explanation=" ".join(expl.split()))


def shown(text: object, limit: int = 120) -> str:
    """A refused answer as a reviewer may see it: printable, short (never rendered as markup)."""
    if not isinstance(text, str):
        return ""
    clean = re.sub(CONTROL, "?", text)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"
