"""A clinical term as tokens: words, numbers with their units, names, abbreviations and quoted
phrases, with the case each must keep.

Dutch SNOMED terms are lower case except names and abbreviations (DESIGN.md), but real terms
arrive as "HOOFDPIJN", "Open fractuur van femur" or "positieve Barlow-test": a term in capitals
is lower-cased but for its abbreviations, a capital at the start is lower-cased unless the word
is a name, and every other capitalised word is a name and kept exactly.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.dutch import words as dutch_words

_TOKEN = re.compile(
    r"(?P<adverb>['’]s (?:nachts|ochtends|morgens|middags|avonds|zomers|winters))\b"  # "'s nachts": one word, kept
    r"|(?P<quote>'[^']+'|\"[^\"]+\"|‘[^’]+’)(?P<qsuffix>-[\w-]+)?"
    r"|(?P<ratio>\d+:\d+(?:-[^\W\d_]+)*)"  # "2:1-geleiding": a ratio, and what it is of, one token
    r"|(?P<range>\d+(?:[.,]\d+)?-\d+(?:[.,]\d+)?%?)"  # "70-99%": a range is one number
    r"|(?P<colon_name>[A-Z][a-z]?:[A-Z]{2,}(?:-[\w-]+)?)"  # "Nd:YAG-laser": a name with a colon, kept whole
    r"|(?P<hyphened>\d+-[^\W\d_][\w-]*)"  # "24-uursbloeddrukmeting": a number glued to its word, kept whole
    # "-2,5" (a sign is the number's: "T-score -1" is not 1), "10^9" (a power of ten), "7 (4+3)" and
    # "4+3=7" (a Gleason sum): one number each, said as written
    r"|(?P<number>(?:(?<![\w.,)])-)?\d+(?:[.,]\d+)?(?:\^-?\d+|\+\d+(?:=\d+)?(?![\d.,]))?(?:[a-zA-Z](?![\w]))?)"
    r"|(?P<word>[^\W\d_][\w'’]*(?:-[\w'’]+)*-?)"
    r"|(?P<punct>[,/()%+:;<>=≤≥±])"  # (a comparison sign is said: "T-score ≤ -2,5")
    r"|(?P<dash>(?<=[^\W\d_] )[-–](?= [^\W\d_]))",  # "Logopedie - individuele zitting": a loose dash parts a label like a comma
    re.UNICODE,
)
# A term of plain words and whole numbers, single spaces, a comma only after a word or number
# ("gesloten fractuur van kop van linker humerus, type 2"): each space-separated piece is what
# _TOKEN finds there (a word, or a number, then a comma), so such a term, most of a release, is cut
# with str.split instead of the slower scan of all _TOKEN's alternatives.
_PLAIN_PIECE = r"(?:[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ0-9]*(?:-[A-Za-zÀ-ÖØ-öø-ÿ0-9]+)*|[0-9]+),?"
_PLAIN = re.compile(rf"{_PLAIN_PIECE}(?: {_PLAIN_PIECE})*")
UNITS = {"cm", "mm", "m", "km", "kg", "g", "mg", "µg", "mcg", "ml", "l", "dl", "mmol", "mmhg", "cmh2o", "%",
         "uur", "u", "min", "minuten", "seconde", "seconden", "dag", "dagen", "week", "weken", "maand", "maanden",
         "jaar", "centimeter", "millimeter", "meter", "kilogram", "gram", "liter", "milliliter", "graden", "°c",
         "keer", "maal", "plusje", "plusjes", "punten"}
NUMBER_WORDS = {"één", "een", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf",
                "twaalf", "honderd", "duizend"}
ORDINALS = {"eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende",
            "eerstegraads", "tweedegraads", "derdegraads", "vierdegraads"}
ROMAN = re.compile(r"^(i{1,3}|iv|v|vi{1,3}|ix|x)$")


@dataclass(frozen=True)
class Token:
    text: str        # as it must appear in a proposal (case kept for names and abbreviations)
    low: str         # lower case, for lookups
    kind: str        # word | number | name | abbr | quote | punct | ellipsis ("hart- en vaatziekte")

    @property
    def kept(self) -> bool:
        """Said as is in any proposal: numbers, names, abbreviations, quoted phrases, punctuation."""
        return self.kind in ("number", "name", "abbr", "quote", "punct", "ellipsis")


def tokenize(term: str) -> list[Token]:
    """The tokens of `term`, case settled (module docstring). Empty for an empty term."""
    raw = _plain_pieces(term) if term and _PLAIN.fullmatch(term) else \
        [(m.lastgroup, m.group(0)) for m in _TOKEN.finditer(term or "")]
    shouting = False
    if term and term != term.lower():  # most terms are lower case: no letter to count
        # four letters or more, all capitals; most capitalised terms show a small letter at once
        letters = 0
        for c in term:
            if c.isalpha():
                if not c.isupper():
                    break
                letters += 1
        else:
            shouting = letters >= 4
    known = dutch_words.known_abbreviations()
    eponyms = _lower_eponyms()
    out: list[Token] = []
    for i, (kind, text) in enumerate(raw):
        if kind in ("quote", "qsuffix", "adverb", "hyphened", "colon_name"):
            out.append(Token(text, text.lower(), "quote"))
        elif kind in ("number", "ratio", "range"):
            out.append(_kept(text, "number"))
        elif kind == "punct":
            out.append(_kept(text, "punct"))
        elif kind == "dash":
            out.append(_kept(",", "punct"))
        elif shouting:
            out.append(Token(text, text.lower(), "word") if text not in known else Token(text, text, "abbr"))
        else:
            nxt = raw[i + 1][1] if i + 1 < len(raw) and raw[i + 1][0] == "word" else ""
            # "Glasgow Coma Scale": a capital first word before another capitalised word is a name
            tok = _classify(text, i == 0 and not (nxt[:1].isupper() and nxt[1:2].islower()))
            prev = out[-1] if out else None
            if (tok.kind == "word" and prev is not None and prev.kind == "name" and " " not in prev.text
                    and text.islower() and len(text) >= 3 and dutch_words.zipf(text) < 3.0):
                # a binomial name: genus and species stay one name ("Escherichia coli")
                out[-1] = Token(f"{prev.text} {text}", f"{prev.low} {text}", "name")
                continue
            out.append(tok)
    return _ellipses(_english_runs(_bare_sides(_degree_words(_comparisons(out)))))


# A comparison sign before a number, said in words: "< 50" → "minder dan 50". A patient reads the
# words; and the term rules (terms.text) refuse a bare "<" or ">" in a patient-friendly term.
_COMPARISONS = {"<": "minder dan", ">": "meer dan", "≤": "hoogstens", "≥": "ten minste",
                "<=": "hoogstens", ">=": "ten minste"}


def _comparisons(tokens: list[Token]) -> list[Token]:
    if not any(t.kind == "punct" and t.text in "<>≤≥" for t in tokens):
        return tokens  # most terms
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        sign, step = tok.text, 1
        if tok.kind == "punct" and sign in "<>" and i + 1 < len(tokens) and tokens[i + 1].text == "=":
            sign, step = sign + "=", 2
        if tok.kind == "punct" and sign in _COMPARISONS and i + step < len(tokens) \
                and tokens[i + step].kind == "number":
            said = _COMPARISONS[sign]
            out.append(Token(said, said, "punct"))
            i += step
            continue
        out.append(tok)
        i += 1
    return out


_DEGREE_WORDS = {"1e": "eerstegraads", "2e": "tweedegraads", "3e": "derdegraads", "4e": "vierdegraads"}


def _degree_words(tokens: list[Token]) -> list[Token]:
    """"1e graads" → one word "eerstegraads", as Dutch writes it (Woordenlijst) and as the lexicon
    knows it ("eerstegraads perineumruptuur"); the number check reads both as grade 1."""
    if len(tokens) < 2 or not any(t.low == "graads" for t in tokens):
        return tokens
    out: list[Token] = []
    for tok in tokens:
        if tok.low == "graads" and out and out[-1].kind == "number" and out[-1].low in _DEGREE_WORDS:
            word = _DEGREE_WORDS[out.pop().low]
            out.append(Token(word, word, "word"))
            continue
        out.append(tok)
    return out


def unread(term: str) -> str:
    """The characters of `term` no token reads, but for spaces and the periods of abbreviations
    ("m.b.v.", "M. Crohn"): "&amp;" leaves "&", a stray "|" itself. A renderer that dropped them
    would say something else than the term ("neusbloeding amp ; …"), so they are named instead."""
    if not term or _PLAIN.fullmatch(term):
        return ""
    covered = bytearray(len(term))
    for m in _TOKEN.finditer(term):
        covered[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    return "".join(dict.fromkeys(c for i, c in enumerate(term) if not covered[i] and not c.isspace() and c != "."))


def _plain_pieces(term: str) -> list[tuple[str, str]]:
    """What _TOKEN.finditer finds in a term _PLAIN matches, as (group, text)."""
    raw = []
    for piece in term.split(" "):
        comma = piece.endswith(",")
        if comma:
            piece = piece[:-1]
        raw.append(("number" if piece[0].isdigit() else "word", piece))
        if comma:
            raw.append(("punct", ","))
    return raw


_BRACKETED_SIDES = frozenset({"links", "rechts", "beiderzijds", "bilateraal", "dubbelzijdig", "linkerzijde", "rechterzijde"})


def _bare_sides(tokens: list[Token]) -> list[Token]:
    """"fractuur van femur (links)": a side in brackets is the term's side, said without them
    (the renderer moves a side to its body part; the brackets would be left empty)."""
    if len(tokens) < 3 or not any(t.text == "(" for t in tokens):
        return tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if tokens[i].text == "(" and i + 2 < len(tokens) and tokens[i + 2].text == ")" \
                and tokens[i + 1].low in _BRACKETED_SIDES:
            out.append(tokens[i + 1])
            i += 3
            continue
        out.append(tokens[i])
        i += 1
    return out


def _ellipses(tokens: list[Token]) -> list[Token]:
    """"hart- en vaatziekte", "long- of hartziekte": a first part that leaves its head to the
    compound after the conjunction is one token with it — split, "hart" would read as an organ of
    its own. A trailing hyphen anywhere else stays on its word (and is understood by nothing)."""
    if not any(t.text.endswith("-") for t in tokens):
        return tokens  # most terms: no first part to join
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.text.endswith("-") and i + 2 < len(tokens) and tokens[i + 1].low in ("en", "of") \
                and tokens[i + 2].kind == "word":
            text = f"{tok.text} {tokens[i + 1].low} {tokens[i + 2].text}"
            out.append(Token(text, text.lower(), "ellipsis"))
            i += 3
            continue
        out.append(tok)
        i += 1
    return out


def _english_runs(tokens: list[Token]) -> list[Token]:
    """A run of English words ("body mass index", "small for gestational age") is a name: kept
    whole, never translated word by word. A run counts when two or more of its words are clearly
    English and the others at least as common in English as in Dutch."""
    englishish = [t.kind == "word" and _englishish(t.low) for t in tokens]
    if not any(a and b for a, b in zip(englishish, englishish[1:])):
        return tokens  # no two English-looking words in a row: no run (most terms)
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j].kind == "word" and _englishish(tokens[j].low):
            j += 1
        run = tokens[i:j]
        if len(run) >= 2 and sum(dutch_words.is_english(t.low) for t in run) >= 2:
            text = " ".join(t.text for t in run)
            out.append(Token(text, text.lower(), "name"))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


@lru_cache(maxsize=1 << 12)  # a frozen token: numbers and punctuation repeat across a batch
def _kept(text: str, kind: str) -> Token:
    return Token(text, text, kind)


@lru_cache(maxsize=1)
def _lower_eponyms() -> frozenset[str]:
    """The eponyms in lower case, built once instead of per term."""
    return frozenset(e.lower() for e in dutch_words.eponyms())


_englishish = dutch_words.englishish  # (remembered per word there)


@lru_cache(maxsize=1 << 17)  # a batch repeats its words: classify each once
def _classify(text: str, first: bool) -> Token:
    return _word(text, first, dutch_words.known_abbreviations(), _lower_eponyms())


def _word(text: str, first: bool, known: frozenset[str], eponyms: set[str]) -> Token:
    low = text.lower()
    head = text.split("-")[0]
    if text in known or _looks_abbreviation(head):
        return Token(text, low, "abbr")
    if not any(c.isupper() for c in text):
        return Token(text, low, "word")
    if "-" in text and any(_looks_abbreviation(part) for part in text.split("-")[1:]):
        return Token(text, low, "name")  # "lang-QT-syndroom": the abbreviation inside keeps its capitals
    if head[:1].isupper() and head[1:].islower() and (not first or head.lower() in eponyms or head in dutch_words.proper_words()
                                                     or "-" in text and head.lower() not in _COMMON_HYPHEN_HEADS):
        return Token(text, low, "name")
    if _GLUED.match(head):
        return Token(text, low, "word")  # understood by nothing: no proposal rather than a typo kept
    if not first:
        return Token(text, low, "name")
    # a capital at the start of a term is sentence case, not a name
    return Token(low, low, "word")


# Capitalised first parts of hyphenated words that are ordinary words, not names ("Niet-ingedaalde").
_COMMON_HYPHEN_HEADS = {"niet", "non", "anti", "pre", "post", "intra", "extra", "para", "peri", "sub", "co",
                        "hypoxisch", "zelf", "half", "bij", "na", "voor", "over", "onder", "d"}


# Four lower-case letters or more, then a capital: a word run into an abbreviation ("mmHg", "eGFR",
# "hCG" have one or two letters before theirs).
_GLUED = re.compile(r"[a-zà-ÿ]{4,}[A-Z]")  # (not a brand's own capitals: "MitraClip")


def _looks_abbreviation(word: str) -> bool:
    """CT, MRI, HELLP, pH, HbA1c: two or more capitals, or a capital after a lower-case letter."""
    if _GLUED.match(word):
        return False  # "ondersteGI": a word and an abbreviation run together (a typo), no abbreviation
    caps = sum(c.isupper() for c in word)
    return caps >= 2 or (caps >= 1 and not word[:1].isupper() and any(c.isalpha() for c in word))
