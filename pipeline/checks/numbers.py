"""`number-changed`: a number, unit, stage, grade or letter code of the clinical term is lost,
changed, added or moved away from what it counts ("meer dan 3 cm" → "meer dan cm 3").

Each number is read with what it belongs to: the unit after it ("3 cm", "één centimeter"), the
label before it ("type 2", "graad II", "stadium 3") or the ordinal's noun ("tweede fase",
"tweedegraads"). Words and digits, Roman and Arabic numerals, "cm" and "centimeter", "stadium"
and "fase" count as the same. The proposal must say every number of the term with the same unit
or label, and no number the term does not have. Letter codes ("bloedgroep A", "vitamine D",
"D-positief") must stay, in capitals.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import polars as pl

from pipeline.checks.flags import found, judged, reason
from pipeline.checks.text import curated_lexicon
from terms.messages import message

FLAGS = {"number-changed": "error"}

# a number with a letter glued on is one code ("stadium 3A"); split, it is another ("3 A")
# a sign is the number's ("T-score -1" is not 1), as is a power ("10^9" is not "10 9")
_TOKEN = re.compile(r"(?:(?<![\w.,)])-)?\d+(?:[.,]\d+)?(?:\^-?\d+)?(?:[a-z](?![\w]))?|[^\W\d_]+|%|°", re.UNICODE)
_RATIO = re.compile(r"\d+:\d+")
_COMPARISON = re.compile(r"[<>≤≥]")
# What a comparison sign may be said as in words.
_COMPARISON_WORDS = {"<": r"\b(minder|lager|kleiner|korter|onder|beneden)\b", ">": r"\b(meer|hoger|groter|langer|boven)\b",
                     "≤": r"\b(hoogstens|maximaal|of minder|of lager|ten hoogste)\b", "≥": r"\b(minstens|ten minste|of meer|of hoger)\b"}
# The words of a bound said in words (tokens.py says "<" as "minder dan", "≤" as "hoogstens").
_BOUND_WORDS = frozenset({"hoogstens", "minstens", "ten", "minste", "hoogste", "minder", "meer", "dan", "maximaal"})
_RANGE = re.compile(r"(?<![\d:])(\d+(?:[.,]\d+)?)-(\d+(?:[.,]\d+)?)(?![\d:])")
# Prepositions that say what a measure is of: "gezwel van 2 cm" is its size, "in 2 cm" a depth.
_PREP_DIGIT = re.compile(r"\b(?:van|in|op|over|tot|na|binnen|sinds|bij|per|met|om|voor) \d")
_MEASURE_PREPS = {"van", "in", "op", "over", "tot", "na", "binnen", "sinds", "bij", "per", "met", "om", "voor"}
WORDS = {"één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
         "tien": 10, "elf": 11, "twaalf": 12, "twintig": 20, "honderd": 100}
ORDINALS = {"eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7,
            "achtste": 8, "negende": 9, "tiende": 10}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
UNITS = {
    "cm": "cm", "centimeter": "cm", "mm": "mm", "millimeter": "mm", "m": "m", "meter": "m", "km": "km",
    "kg": "kg", "kilo": "kg", "kilogram": "kg", "g": "g", "gram": "g", "mg": "mg", "milligram": "mg",
    "µg": "µg", "microgram": "µg", "mcg": "µg", "ml": "ml", "milliliter": "ml", "cc": "ml", "l": "l", "liter": "l",
    "dl": "dl", "mmol": "mmol", "mmhg": "mmhg", "%": "%", "procent": "%", "°": "°", "graden": "°",
    "uur": "uur", "uren": "uur", "u": "uur", "minuut": "min", "minuten": "min", "min": "min",
    "seconde": "s", "seconden": "s", "dag": "dag", "dagen": "dag", "week": "week", "weken": "week",
    "maand": "maand", "maanden": "maand", "jaar": "jaar", "jaren": "jaar", "keer": "keer", "maal": "keer",
    "plusje": "plus", "plusjes": "plus", "punt": "punt", "punten": "punt", "zwangerschapsweken": "week",
}
LABELS = {"type": "type", "graad": "graad", "graads": "graad", "gradus": "graad", "stadium": "stadium",
          "fase": "stadium", "stage": "stadium", "klasse": "klasse", "groep": "groep", "score": "score",
          "niveau": "niveau", "trimester": "trimester", "trimeste": "trimester", "week": "week"}
_CODE = re.compile(r"(?<![\w'’])([A-Z])(?![\w'’])|(?<![\w'’-])([A-Z])(?=-\w)")
# Body parts counted with a Roman numeral in SNOMED ("os metatarsale V", "teen II", "digitus I").
_NUMBERED_PARTS = ("metatars", "metacarp", "digitus", "teen", "vinger", "straal", "costa", "rib", "hallux", "phalanx",
                   "middenvoet", "middenhand")
PREFILTER = (r"\d|(?i:\b(één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|eerste|tweede|derde|vierde|"
             r"vijfde|zesde|\w*graads|[ivx]+)\b)|\b[A-Z]\b|\b[A-Z]-")


def quantities(text: str) -> list[tuple[str, str]]:
    """(value, what it belongs to) for each number in `text`: ('3', 'cm'), ('2', 'type'),
    ('1', 'stadium') for "eerste fase", ('A', 'code'); '' when a number stands alone."""
    tokens = _TOKEN.findall(text.lower())
    out: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else ""
        if prev in _BOUND_WORDS and i >= 2:
            # "T-score hoogstens -2,5", "ten minste 38": a bound said in words stands between a label
            # and its number as "≤" does (which is no token); the number is still the label's
            k = i - 1
            while k > 0 and tokens[k] in _BOUND_WORDS:
                k -= 1
            prev = tokens[k]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok[0].isdigit() and tok.endswith("e") and tok[:-1].isdigit():
            # "1e graads", "2e trimester": a digit ordinal says what "eerstegraads", "tweede
            # trimester" say (Woordenlijst: 1e = eerste)
            out.append((tok[:-1], LABELS.get(nxt, UNITS.get(nxt, "rang"))))
            continue
        if tok[0].isdigit() or tok[0] == "-":
            value = tok.replace(",", ".")
            value = value[:-1] + value[-1].upper() if value[-1:].isalpha() and value[-1] != "e" else value  # "3A", "5e"
        elif tok in WORDS:
            value = str(WORDS[tok])
        elif tok in ROMAN and prev in LABELS:
            value = str(ROMAN[tok])
        elif tok in ORDINALS:
            out.append((str(ORDINALS[tok]), LABELS.get(nxt, UNITS.get(nxt, "rang"))))
            continue
        elif tok in ROMAN and prev.startswith(_NUMBERED_PARTS):
            out.append((str(ROMAN[tok]), "rang"))  # "os metatarsale V" is the fifth ("het vijfde middenvoetsbeentje")
            continue
        elif tok.endswith("graads") and tok[:-6] in ORDINALS:
            out.append((str(ORDINALS[tok[:-6]]), "graad"))
            continue
        else:
            continue
        if nxt in UNITS:
            out.append((value, UNITS[nxt]))
        elif nxt == "per" and i + 2 < len(tokens):
            out.append((value, f"per {UNITS.get(tokens[i + 2], tokens[i + 2])}"))  # "160 per minuut"
        elif prev in LABELS:
            out.append((value, LABELS[prev]))
        else:
            out.append((value, ""))
    for m in _CODE.finditer(text):
        letter = m.group(1) or m.group(2)
        before = text[: m.start()].lower().split()
        if letter in "IVX" and before and before[-1] in LABELS:
            continue  # "type I", "graad V": a Roman numeral, counted above
        if letter in "IVX" and before and before[-1].startswith(_NUMBERED_PARTS):
            continue  # "os metatarsale V", "digitus I": which one, counted above as a rank
        if letter == "X" and text[m.end():m.end() + 1] == "-":
            continue  # "X-thorax", "X-bekken": an X-ray ("röntgenfoto"), no code or number
        out.append((letter, "code"))
    return out


_LETTERS = re.compile(r"[^\W\d_]+")
_LONE_LETTER = re.compile(r"(?<![\w'’-])([a-z])(?![\w'’])")

# Greek and Latin number morphemes: "monochoriaal" may be said "met één placenta".
_MORPHEME_NUMBERS = (("mono", "1"), ("uni", "1"), ("primi", "1"), ("secundi", "2"), ("hemi", "1"), ("bi", "2"), ("di", "2"), ("tri", "3"), ("tetra", "4"),
                     ("quadri", "4"), ("penta", "5"), ("tweeling", "2"), ("drieling", "3"), ("vierling", "4"))


def _implied(term: str) -> set[str]:
    """Numbers a term's words say without a numeral ("monochoriale", "tweeling"), and those the
    curated lexicon's lay text for one of its words says ("meconium" → "eerste ontlasting")."""
    words = _LETTERS.findall(term.lower())
    said = _lexicon_numbers()
    return {value for word in words for morpheme, value in _MORPHEME_NUMBERS
            if word.startswith(morpheme) and len(word) > len(morpheme) + 3 or morpheme in ("tweeling", "drieling", "vierling") and morpheme in word} \
        | {value for word in words for value in said.get(word, ())}


@lru_cache(maxsize=1)
def _lexicon_numbers() -> dict[str, frozenset[str]]:
    """Clinical word → the numbers its curated lay text says in words ("meconium": {"1"})."""
    lex = curated_lexicon()
    out: dict[str, frozenset[str]] = {}
    for table in (lex.words, lex.heads):
        for key, entry in table.items():
            if " " in key or not re.search(r"\b(?:eerste|tweede|derde|één|twee|drie|vier)\b", entry.lay):
                continue
            values = frozenset(v for v, _ in quantities(entry.lay))
            if values:
                out[key] = values
    return out


def _show(q: tuple[str, str]) -> str:
    value, what = q
    if what in ("", "code", "rang"):
        return value
    if what in ("type", "graad", "stadium", "klasse", "groep", "score", "niveau", "trimester"):
        return f"{what} {value}"
    return f"{value} {what}"


def compare(term: str, proposal: str) -> str | None:
    """A Dutch reason when the proposal loses, adds, changes or moves a number of the term, else None."""
    want, got = quantities(term), quantities(proposal)
    if not want and not got:
        return None
    problems = []
    lost = Counter(want) - Counter(got)
    added = Counter(got) - Counter(want)
    for q in lost:
        # the same value with another (or no) unit or label in the proposal: moved or detached;
        # another value with the same unit or label: changed ("eerste fase" → "tweede fase")
        moved = [g for g in added if added[g] > 0 and g[0] == q[0]] or \
            [g for g in added if added[g] > 0 and g[1] == q[1] and q[1] not in ("", "code")]
        if moved:
            added[moved[0]] -= 1
            problems.append(message("flags.number-changed.moved", want=_show(q), got=_show(moved[0])))
        else:
            problems.append(message("flags.number-changed.lost", want=_show(q)))
    if not problems and _PREP_DIGIT.search(term.lower()):
        problems += _prepositions_changed(term, proposal)
    for low, high in _RANGE.findall(term):
        if not re.search(rf"\b{re.escape(low)}\s*(?:-|–|tot|à)\s*{re.escape(high)}\b", proposal):
            # "70-99%" → "70 99 %": a range split reads as two numbers
            problems.append(message("flags.number-changed.moved", want=f"{low}-{high}", got=f"{low} {high}"))
    for sign in sorted(set(_COMPARISON.findall(term))):
        if sign not in proposal and not re.search(_COMPARISON_WORDS[sign], proposal.lower()):
            # "T-score ≤ -2,5" → "T-score -2,5": the bound became a value
            problems.append(message("flags.number-changed.lost", want=sign))
    for ratio in _RATIO.findall(term):
        if ratio not in _RATIO.findall(proposal):
            # "2:1-geleiding" → "2: 1 geleiding": a ratio is one number, split it is two
            problems.append(message("flags.number-changed.moved", want=ratio, got=" ".join(re.findall(r"\d+", ratio))))
    implied = None  # (worked out only for a number the proposal adds: most rows add none)
    words_only = not want and not re.search(r"\d", proposal)
    glued = {v[-1] for v, _ in want if v[-1:].isalpha()}  # "3A": its "A" is no new code
    # a term written all lower case ("hepatitis b") says its letter: the proposal's capital is no new code
    lowered = {m.upper() for m in _LONE_LETTER.findall(term)} if term == term.lower() else set()
    for q, n in added.items():
        if q[1] == "code" and (q[0] in glued or q[0] in lowered):
            continue
        if n > 0 and q[1] in ("", "rang", "keer") and implied is None:
            implied = _implied(term)
        if n <= 0 or q[1] in ("", "rang") and (q[0] in implied or words_only) or q[1] == "keer" and q[0] in implied:
            # a number word a lay definition says where the term has no number at all ("aan één
            # kant", "de eerste lymfeklier") is wording, and so is the count a Latin word says
            # ("primipara": "voor de eerste keer"); a digit or another unit never is
            continue
        problems.append(message("flags.number-changed.added", got=_show(q)))
    return "; ".join(problems) if problems else None


def _measures(text: str) -> Counter:
    """(preposition, value, unit) of each measure after a preposition: ("van", "2", "cm")."""
    tokens = _TOKEN.findall(text.lower())
    return Counter((tokens[i - 1], tok, UNITS[tokens[i + 1]]) for i, tok in enumerate(tokens)
                   if tok.lstrip("-")[:1].isdigit() and 0 < i and i + 1 < len(tokens) and tokens[i - 1] in _MEASURE_PREPS
                   and tokens[i + 1] in UNITS)


def _prepositions_changed(term: str, proposal: str) -> list[str]:
    """"gezwel van 2 cm" → "gezwel in 2 cm": the measure stays, but is now of something else."""
    want, got = _measures(term), _measures(proposal)
    out = []
    for prep, value, unit in want - got:
        other = next((g for g in got - want if g[1:] == (value, unit)), None)
        if other is not None:
            out.append(message("flags.number-changed.moved", want=f"{prep} {value} {unit}", got=f"{other[0]} {value} {unit}"))
    return out


def number_changed(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw. One flag per row naming each number lost, added or moved."""
    # a letter code lower-cased ("bloedgroep A" → "bloedgroep a") is a change only case tells
    hits = judged(rows, ["term", "raw"], compare,
                  prefilter=(pl.col("term").str.contains(PREFILTER) | pl.col("raw").str.contains(PREFILTER))
                  & (pl.col("raw") != pl.col("term")), changed_only=False)
    return found(hits, "number-changed", reason("number-changed.reason", problems=pl.col("what")))
