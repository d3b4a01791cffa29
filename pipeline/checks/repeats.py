"""`repeated-concept`: the proposal says the same thing twice — a word the clinical term has once
appears twice, a word stands beside a compound made of it ("baarmoederhals baarmoeder"), or a
clinical word stands beside its own lay translation ("longontsteking (pneumonie)", "cervix
baarmoederhals"), or a compound and the phrase after it end in the same noun ("schimmelnagel van de
teennagel")."""
from __future__ import annotations

import os
import re
from collections import Counter
from functools import lru_cache

import polars as pl

from pipeline.checks.flags import found, judged, reason
from pipeline.checks.text import STOPWORDS, curated_lexicon
from pipeline.dutch.grammar import adjective_forms, known_noun, shared_head, singulars, verbal_noun
from pipeline.dutch.words import SAME_CONCEPT
from pipeline.offline.lexicon import body_part
from terms.messages import message

FLAGS = {"repeated-concept": "error"}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# People a condition is "bij": said twice, they are the same person twice ("bij een pasgeborene … bij
# een te vroeg geboren baby").
_PEOPLE = re.compile(r"\bbij (?:een |de |het )?(?:(?!bij\b)\w+ ){0,3}?(baby|baby's|pasgeborene|pasgeborenen|kind|kinderen|zuigeling|"
                     r"moeder|vrouw|man|patiënt|patiënte|ouderen|volwassene|volwassenen|prematuur|tweeling|zwangere)\b")


# The baby named twice, with any preposition: "van de baby … bij een pasgeborene".
_BABY = re.compile(r"\b(?:bij|van|door) (?:een |de |het )?(?:(?!bij\b|van\b|door\b)\w+ ){0,3}?(?:baby|pasgeborene|zuigeling)\b")


def _people_twice(proposal: str) -> bool:
    return len(_PEOPLE.findall(proposal)) >= 2


_FUNCTION = set(STOPWORDS) | {"te", "niet", "geen", "zich", "er", "die", "dat", "is", "zijn", "wordt", "worden", "over",
                              "uit", "tot", "via", "naar", "tegen", "rond", "onder", "boven", "binnen", "buiten", "per",
                              "tussen", "achter", "langs", "rondom", "vanaf", "zonder", "tijdens", "sinds",
                              "veel", "weinig", "meer", "minder"}  # "veel plassen en veel dorst": amounts, not concepts


@lru_cache(maxsize=1)
def translations() -> dict[str, set[str]]:
    """Clinical word → the lay head words the curated lexicon gives for it."""
    lex = curated_lexicon()
    out: dict[str, set[str]] = {}
    for table in (lex.words, lex.roots):
        for key, e in table.items():
            if " " in key or "{" in e.lay or e.lay == "-":
                continue
            lay_words = _WORD.findall(e.lay.lower())
            if key in lay_words:
                continue  # an expansion ("MRI" → "MRI-scan"), not a translation
            lay = [w for w in lay_words if w not in _FUNCTION and len(w) >= 4]
            # a compound's first part says the concept too: "longontsteking" → "long" ("pneumonie van
            # de longen"), as a word of its own ("+" marks it: it must not match inside another word,
            # "suikerziekte" → "suiker" is not said by "bloedsuiker")
            parts = {"+" + w[:i] for w in lay for i in range(4, len(w) - 3) if known_noun(w[:i])}
            if lay:
                out.setdefault(key, set()).update(lay)
                out[key].update(parts)
    return out


# What a verb's noun or a plural adds to a shared stem ("bevall|en", "bevall|ingen"); a compound's
# own head ("baarmoeder|hals", "speeksel|klier") is another thing.
_INFLECTIONS = {"ing", "ingen", "en", "e", "s", "d", "t", "de", "te", "n"}
# A part of four letters or more said twice in a row inside one word: "achillespeespees".
_DOUBLED = re.compile(r"([^\W\d_]{4,})\1")
_ONE_SIDE = (re.compile(r"\blinker\w*|\blinks\b"), re.compile(r"\brechter\w*|\brechts\b"))
_SIDE = re.compile(r"\b(linker|rechter)\w*|\b(links|rechts)\b|\b(niet-)?dominante (zijde|kant)\b")
# Patterns compare() matches on every row, compiled once (the re module's cache costs a lookup a call).
_SIDE_START = re.compile(r"^(linker|rechter)")
_SIDE_BEFORE_WORD = re.compile(r"^(linker|rechter)(?=\w{3})")
_SIDED_WORD = re.compile(r"\b(linker|rechter)(\w{2,})\b")
_ONE_UNNAMED_SIDE = re.compile(r"\b(één|een) (kant|zijde)\b|\beenzijdig")
_HYPHENED = re.compile(r"[^\W_]+(?:-[^\W_]+)+")
_LETTER_PART = re.compile(r"-[A-Z]\b|\b[A-Z]-")
_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")
_GENUS_EPITHET = re.compile(r"\b([A-Z][a-z]{2,}) ([a-z]{3,})\b")
_BRACKETED = re.compile(r"\(([^()]+)\)")
_BRACKETS = re.compile(r"\([^()]*\)")
_LABELS = {"graad", "type", "stadium", "categorie", "klasse", "fase"}
_POSITIONS = {"binnenste", "buitenste", "voorste", "achterste", "bovenste", "onderste", "middelste"}
_ORDINALS = {"eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende",
             "twaalfde", "laatste", "bovenste", "onderste", "linker", "rechter"}
# Articles before the noun of a phrase; a quantity says something new ("longontsteking in beide longen").
_DETERMINERS = {"de", "het", "een"}
# Prepositions after which a phrase can restate part of the compound before it.
_LINKS = {"van", "voor", "in", "aan", "bij", "op", "uit", "via"}


@lru_cache(maxsize=1 << 16)  # per word pair: a batch asks the same few thousand pairs again and again
def _first_part_restated(compound: str, noun: str) -> bool:
    """"hartklepontsteking" and "mitralisklep": the compound's first part is a compound on the noun's head."""
    if len(compound) <= len(noun) or re.sub(r"^(linker|rechter)", "", noun) != noun:
        return False  # "bovenarmbeen van de linkerarm": the genitive adds only a side
    for i in range(len(compound) - 4, 3, -1):
        first = compound[:i]
        head = shared_head(first, noun)
        if head and head != first and head != noun and known_noun(compound[i:]):
            return True
    return False


def _word_before_head(left: str) -> bool:
    """"boven|ooglid", "linker|oor", "buik|wand": what precedes the head is a word or a side."""
    return left in ("linker", "rechter") or known_noun(left) or len(left) >= 4 and left.rstrip("s") in ("boven", "onder", "binnen", "buiten") \
        or left in ("boven", "onder", "binnen", "buiten", "voor", "achter", "midden")


def compare(term: str, proposal: str) -> str | None:
    """A Dutch reason when the proposal repeats a concept the term says once, else None."""
    low = proposal.lower()  # (asked for by most of the tests below)
    words = [w for w in _WORD.findall(low)]
    content = [w for w in words if w not in _FUNCTION and len(w) >= 3]
    in_term = Counter(w for w in _WORD.findall(term.lower()))
    problems = []
    # the term may say a thing twice itself ("digitus van hand, exclusief digitus I")
    term_repeats = max((c for t, c in in_term.items() if t not in _FUNCTION and len(t) >= 3), default=1)
    for w, n in Counter(content).items():
        if n < 2 or term_repeats >= n:
            continue
        # "diabetes … diabetische": the term says it twice in two forms, so may the proposal
        said = in_term[w] + sum(c for t, c in in_term.items() if t != w and len(w) >= 6 and t[:6] == w[:6]
                                and abs(len(t) - len(w)) <= 4)  # not "meniscectomie" for "meniscus"
        before = [words[k - 1] for k in range(1, len(words)) if words[k] == w]
        if len(before) == n and len(set(before)) == n and all(adjective_forms(b) or b in _ORDINALS for b in before) \
                and len({b in _POSITIONS for b in before}) == 1:
            continue  # "de dunne darm … de dikke darm": two different ones (not "hangend ooglid … bovenste ooglid")
        objects = [" ".join(words[k + 1:k + 4]) for k in range(len(words)) if words[k] == w]
        if verbal_noun(w) and len(set(objects)) == n and all(o.startswith("van ") for o in objects):
            continue  # "verwijderen van de borst, met verwijderen van lymfeklieren": two acts, two objects
        if said < n:
            problems.append(message("flags.repeated-concept.twice", word=w))
    # "vrouw die al eerder is bevallen met vijf of meer bevallingen": a verb and its noun, one concept
    forms: dict[str, set[str]] = {}
    for w in content:
        if len(w) >= 7:
            forms.setdefault(w[:6], set()).add(w)
    for stem, said_forms in forms.items():
        short, long = min(said_forms, key=len), max(said_forms, key=len)
        common = len(os.path.commonprefix([short, long]))
        if len(said_forms) >= 2 and common >= len(short) - 2 and long[common:] in _INFLECTIONS \
                and sum(1 for t in in_term if t.startswith(stem)) < 2:
            problems.append(message("flags.repeated-concept.twice", word=f"{short} … {long}"))
    doubled = _DOUBLED.search(low)
    if doubled and doubled.group(0) not in term.lower():
        problems.append(message("flags.repeated-concept.twice", word=doubled.group(1)))  # "achillespeespees"
    spans = [m.span() for m in _WORD.finditer(low)]
    for k, (a, b) in enumerate(zip(words, words[1:])):
        if a == b or a in _FUNCTION or b in _FUNCTION:
            continue
        if any(c in low[spans[k][1]:spans[k + 1][0]] for c in "()[]"):
            continue  # "door afweerziekte (ziekte van Graves)": a bracket parts the two, no compound
        short, long = sorted((a, b), key=len)
        if long.startswith(("linker", "rechter")) and short in ("recht", "links", "rechts", "link"):
            continue  # "het rechtersleutelbeen recht en vast te zetten": a side and a verb's "recht"
        if len(short) >= 4 and (long.startswith(short) or long.endswith(short)) and f"{a} {b}" not in term.lower():
            problems.append(message("flags.repeated-concept.compound", first=a, second=b))
    # "baarmoederhals van de baarmoeder", "linkerhersenhelft van de hersenen", "urineverlies voor de
    # urine": a compound followed by a prepositional phrase restating one of its parts
    for i, w in enumerate(words):
        rest = words[i + 1:i + 4]
        if rest[:1] and rest[0] in _LABELS:
            # "knieartrose graad 3 van de rechterknie": past the grade (its number is no word here)
            j = i + 2 if i + 2 < len(words) and words[i + 2] in _LINKS else i + 3
            rest = words[j:j + 3]
        if rest[:1] and rest[0] in _LINKS:
            target = rest[2] if len(rest) > 2 and rest[1] in _DETERMINERS else rest[1] if len(rest) > 1 else ""
            if target in _ORDINALS or target in _POSITIONS:
                # "wervel van de vijfde lendenwervel", "meniscus van de binnenste meniscus": the noun
                # comes after the ordinal or the position
                k = words.index(target, i + 1) + 1
                target = words[k] if k < len(words) else ""
            before = words[i - 1] if i > 0 and words[i - 1] not in _FUNCTION else ""
            if before and target and f"{before} {w}" not in term.lower() and any(
                    len(st) >= 4 and before.startswith(st) for st in (target, target[:-2] if target.endswith("en") else "") if st):
                # "borstsparende operatie van de borst": the word before the noun says it already
                problems.append(message("flags.repeated-concept.genitive", compound=before, word=target))
                continue
            if rest[0] == "uit" and target and re.search(rf"\buit (?:de |het |een )?{re.escape(target)}\b", term.lower()):
                continue  # "oorsmeer uit het oor": where it is taken from is the term's own phrase ("cerumen uit oor")
            core = _SIDE_START.sub("", w)
            if rest[0] == "van" and not body_part(core):
                # "borstkanker van de linkerborst" says the breast twice; "oogkamer van het linkeroog"
                # is a part of the eye and names its whole
                target = _SIDE_BEFORE_WORD.sub("", target)
            stems = {target, target[:-2] if target.endswith("en") else "", target[:-1] if target.endswith(("s", "e")) else ""}
            if w == target or f"{w} {rest[0]}" in term.lower():
                continue
            if len(target) >= 6 and sum(1 for t in in_term if t.startswith(target[:6])) >= 2:
                continue  # "meniscusruptuur van mediale meniscus": the term says it twice itself
            nested = next((f for f in {core} | singulars(core) if len(f) >= 4 and target != f and target.endswith(f)
                           and body_part(target)), None)
            if nested:
                # "druk van de aders in de halsader": the body part, then a precise one of it
                problems.append(message("flags.repeated-concept.genitive", compound=w, word=target))
                continue
            whole = {target} | singulars(target)
            if rest[0] == "van" and len(core) >= 4 and any(t != core and t.endswith(core) and _word_before_head(t[: -len(core)])
                                                           for t in whole):
                # "ooglid van de bovenoogleden", "wand van de buikwand": the genitive is the same thing, said precisely
                problems.append(message("flags.repeated-concept.genitive", compound=w, word=target))
                continue
            if any((len(st) >= 4 or len(st) == 3 and known_noun(st)) and (core.startswith(st) or core.endswith(st))
                   for st in stems if st):  # "linkeroog in het oog": three-letter body parts count too
                problems.append(message("flags.repeated-concept.genitive", compound=w, word=target))
            elif head := shared_head(core, target):
                problems.append(message("flags.repeated-concept.head", compound=w, other=target, word=head))
            elif rest[0] == "van" and _first_part_restated(core, target):
                # "hartklepontsteking van de mitralisklep": the compound's first part is the same kind of thing
                problems.append(message("flags.repeated-concept.genitive", compound=w, word=target))

    # "injectie in het linkeroog in het glasvocht van het oog": one body part said twice, once with
    # its side (the term says it once)
    sided = [m.group(2) for m in _SIDED_WORD.finditer(low) if body_part(m.group(2), exact=True)]
    for organ in dict.fromkeys(sided):
        said_here = re.findall(rf"\b(linker|rechter)?{re.escape(organ)}\b", low)
        # "de linkerknie en de rechterknie" are two knees; "het linkeroog … het oog" one eye twice
        if len(said_here) >= 2 and "" in said_here and len(re.findall(rf"{re.escape(organ)}", term.lower())) < 2:
            problems.append(message("flags.repeated-concept.twice", word=organ))
    # "dikkedarmontsteking van het linker deel van de dikke darm": a compound's first part said again
    # as two words
    for i, w in enumerate(words):
        if len(w) < 10:
            continue
        for a, b in zip(words[i + 1:], words[i + 2:]):
            if len(a) >= 3 and len(b) >= 3 and w.startswith(a + b) and f"{a} {b}" not in term.lower():
                problems.append(message("flags.repeated-concept.genitive", compound=w, word=f"{a} {b}"))
                break
    # "gebroken linkersleutelbeen aan de linkerkant": one side said twice
    for one_side in _ONE_SIDE:
        said = one_side.findall(low)
        if len(said) >= 2 and len(said) > len(one_side.findall(term.lower())):
            problems.append(message("flags.repeated-concept.side-twice", side=said[0], other=said[1]))
    # "krachtsverlies aan één kant van het lichaam aan de rechterzijde": one unnamed side and a named one
    if _ONE_UNNAMED_SIDE.search(low) and _SIDE.search(low):
        problems.append(message("flags.repeated-concept.side", side=_SIDE.search(low).group(0)))
    # "botbreuk door een ziekte van het bot door de botontkalking", "wondinfectie na een operatie na
    # een blindedarmoperatie": one cause or time chained onto another ("met … met" may nest: "met een
    # slangetje met een camera")
    said, proposed = term.lower().split(), low.split()
    if len(_BABY.findall(low)) >= 2 and len(_BABY.findall(term.lower())) < 2:
        # "bloeduitstorting onder de hoofdhuid van de baby bij een pasgeborene": one baby, twice
        problems.append(message("flags.repeated-concept.twice", word="baby"))
    if proposed.count("met") >= 3 and proposed.count("met") > said.count("met") + 1:
        # "… met hulp van een robot met het weefsel eromheen met verwijderen van …": one "met" may
        # nest ("met een slangetje met een camera"), a chain of three reads as one thing's parts
        problems.append(message("flags.repeated-concept.twice", word="met"))
    for concept in SAME_CONCEPT:
        said_here = concept.findall(low)
        if len(said_here) >= 2 and len(concept.findall(term.lower())) < 2:
            problems.append(message("flags.repeated-concept.twice", word=said_here[1]))
    for link in ("door", "na", "bij", "tussen", "via"):
        extra = term.lower().count("gevolg") if link == "door" else 0
        if link == "bij" and not _people_twice(low):
            continue  # "bij zuurstoftekort bij de baby": a condition and whose it is, not one person twice
        if proposed.count(link) >= 2 and proposed.count(link) > said.count(link) + extra:
            problems.append(message("flags.repeated-concept.twice", word=link))
    table = translations()
    # a word inside a name with a letter is the name's ("leverontsteking door het hepatitis-C-virus")
    named = {part.lower() for token in _HYPHENED.findall(proposal) if _LETTER_PART.search(token)
             for part in token.split("-")} if "-" in proposal else set()
    named |= {a.lower() for a in _CAPITALS.findall(proposal)}  # "met HELLP-syndroom": a kept abbreviation
    # "door Campylobacter jejuni": an organism's epithet, kept as the term writes it, is the name's
    named |= {m.group(2) for m in _GENUS_EPITHET.finditer(proposal) if m.group(0) in term}
    present = set(content) - named
    for w in dict.fromkeys(c for c in content if c in present):  # in the proposal's order: a stable reason
        lay = table.get(w)
        if lay and any(any(p != w and (p.startswith(l[1:]) and len(p) - len(l) <= 2 if l[0] == "+"
                                       else p == l or p.endswith(l) or p.startswith(l)) for p in present) for l in lay):
            problems.append(message("flags.repeated-concept.translated", word=w))
    # "ontsteking van de schildklier (thyreoïditis)": the clinical term in brackets beside its translation
    for inner in _BRACKETED.findall(low):
        inner_words = [w for w in _WORD.findall(inner) if w not in _FUNCTION]
        outside = _WORD.findall(_BRACKETS.sub(" ", low))
        if inner_words and all(in_term[w] for w in inner_words) and any(not in_term[w] for w in outside if w not in _FUNCTION):
            problems.append(message("flags.repeated-concept.bracketed", words=inner.strip()))
    return "; ".join(dict.fromkeys(problems)) if problems else None


def repeated_concept(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw (non-empty proposals)."""
    hits = judged(rows, ["term", "raw"], compare, prefilter=pl.col("raw").str.contains(r"\S\s+\S"), changed_only=True)
    return found(hits, "repeated-concept", reason("repeated-concept.reason", problems=pl.col("what")))
