"""`name-changed`: a proper name or a quoted phrase of the clinical term is lower-cased, misspelt,
half-translated or dropped in the proposal ("ziekte van Hashimoto" → "ziekte van hashimoto",
"positieve Barlow-test" → "positieve test", "'respiratory distress'-syndroom" → "'respiratory
nood'-syndroom").

Names are the capitalised words of a Dutch SNOMED term other than its first word (Dutch terms are
lower case except names), a first word that is a known eponym or joined to a word by a hyphen
("Barlow-test", "Fischer-score"); a term written in capitals has none. A quoted phrase may be
kept exactly or replaced as a whole ("'magnetic resonance imaging'" → "MRI-scan"), not partly.
"""
from __future__ import annotations

import re
import unicodedata

import polars as pl
from rapidfuzz import fuzz

from pipeline.checks.flags import found, judged, reason
from pipeline.dutch import words as dutch_words
from terms.messages import message

FLAGS = {"name-changed": "error"}

_QUOTE = re.compile(r"'([^']+)'|\"([^\"]+)\"|‘([^’]+)’")
_NAME = re.compile(r"(?<![\w'’])([A-Z][a-zà-öø-ÿ]+(?:[-'’][A-Za-zà-öø-ÿ]+)*)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Capitalised first parts of hyphenated words that are ordinary words ("Niet-ingedaalde", "Anti-D").
_NOT_NAMES = {"niet", "non", "anti", "pre", "post", "intra", "extra", "para", "peri", "sub", "co", "zelf", "half"}
_LETTER_NAME = re.compile(r"\b([^\W\d_]{3,})\s+([A-Z])(?![\w])")
_LABELS = {"type", "groep", "bloedgroep", "graad", "stadium", "fase", "klasse", "vitamine", "categorie", "score"}
PREFILTER = r"^\S+\s.*[A-Z]|['\"‘]|^[A-Z][a-z]+-|^[A-Z][a-z]+$|^[A-Z][a-z]+\s"


def names(term: str) -> tuple[list[tuple[str, str]], list[str]]:
    """([(name, the word it is joined to by a hyphen or '')], quoted phrases) of a clinical term."""
    quoted = [next(g for g in m.groups() if g) for m in _QUOTE.finditer(term)]
    letters = [c for c in term if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return [], quoted
    unquoted = _QUOTE.sub(" ", term)
    eponyms = {e.lower() for e in dutch_words.eponyms()}
    out = []
    for m in _NAME.finditer(unquoted):
        word = m.group(1)
        name = re.split(r"[-'’]", word)[0]
        if not unquoted[: m.start()].strip():  # the first word: sentence case unless a known name
            hyphen_name = "-" in word and name.lower() not in _NOT_NAMES and dutch_words.zipf(name.lower()) < 4.0
            if name.lower() not in eponyms and not hyphen_name and name not in dutch_words.proper_words():
                continue
        rest = word[len(name) + 1:] if "-" in word else ""
        out.append((name, rest))
        if rest[:1].isupper():
            out.append((rest, "-"))  # "Guillain-Barré": two names, each must stay
    return list(dict.fromkeys(out)), quoted


def _folded(word: str) -> str:
    """The word lower-cased without accents: "Ménière" → "meniere"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def compare(term: str, proposal: str) -> str | None:
    """A Dutch reason when the proposal changes a name or quoted phrase of the term, else None."""
    found_names, quoted = names(term)
    problems = []
    words = _WORD.findall(proposal)
    for name, rest in found_names:
        if re.search(rf"(?<![\w]){re.escape(name)}(?![a-zà-ÿ])", proposal):
            continue
        low = name.lower()
        if re.search(rf"\b(van|von|de|des|of)\s+{re.escape(low)}\b|\b{re.escape(low)}-\w|\b{re.escape(low)}'s\b", proposal):
            # "ziekte van hashimoto", "barlow-test": the name lower-cased where it stays a name.
            # As a common noun the Woordenlijst writes it lower case ("alzheimer", "downsyndroom").
            problems.append(message("flags.name-changed.lowercased", name=name))
        elif name in dutch_words.proper_words() and re.search(rf"\b{re.escape(low)}\b", proposal):
            problems.append(message("flags.name-changed.lowercased", name=name))  # "japanse": never lower case
        elif low in proposal.lower():
            continue
        elif any(_folded(name) == _folded(w) or fuzz.ratio(name.lower(), w.lower()) >= 75 for w in words if len(w) >= 3):
            # "Meniere" for "Ménière": a name without its accents is misspelt
            problems.append(message("flags.name-changed.changed", name=name))
        elif rest == "-" and re.search(rf"\b{re.escape(found_names[0][0])}\b", proposal):
            problems.append(message("flags.name-changed.dropped", name=name))  # "syndroom van Guillain"
        elif rest and rest != "-" and re.search(rf"(?i)\b{re.escape(rest)}\b", proposal):
            # "Barlow-test" → "test": the name was cut from the word it names; a name replaced
            # together with its word ("Bell-parese" → "aangezichtsverlamming") is a translation
            problems.append(message("flags.name-changed.dropped", name=name))
    # a disease named with a letter ("hepatitis B") keeps its word beside the letter
    for word, letter in _LETTER_NAME.findall(_QUOTE.sub(" ", term)):
        if word.lower() in _LABELS or re.search(rf"\b{re.escape(word)}\s+{letter}\b", proposal, re.I):
            continue
        if re.search(rf"(?<![\w-]){letter}(?![\w])", proposal):
            problems.append(message("flags.name-changed.letter", name=f"{word} {letter}"))
    for phrase in quoted:
        if phrase in proposal:
            continue
        kept = [w for w in _WORD.findall(phrase) if len(w) >= 4 and re.search(rf"(?i)\b{re.escape(w)}\b", proposal)]
        if kept:
            problems.append(message("flags.name-changed.quote", phrase=phrase))
    return "; ".join(problems) if problems else None


def name_changed(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw. One flag per row naming each name or quoted phrase changed."""
    # a name lower-cased is a change only case tells: compare the texts as written
    hits = judged(rows, ["term", "raw"], compare,
                  prefilter=pl.col("term").str.contains(PREFILTER) & (pl.col("raw") != pl.col("term")))
    return found(hits, "name-changed", reason("name-changed.reason", problems=pl.col("what")))
