"""Dutch noun phrase grammar, as much as rendering and checking terms needs: noun gender (de/het,
plural), attributive adjective inflection, compounding.

Sources of the rules: the Algemene Nederlandse Spraakkunst (ANS) on attributive adjectives — the
-e ending, except before a singular het-noun without a definite article (§ 5.2.2), and spelling
changes when the -e is added (aa → a, f → v, s → z, consonant doubling after a short vowel); the
Woordenlijst (Groene Boekje) on the linking -s- and on the hyphen between clashing vowels in
compounds (leidraad 15.1 and 16). Genders come from a curated list (`data/nouns.tsv`); a compound
takes the gender of its last part ("dijbeen" → het, like "been"); a noun neither names comes from a
general list of ~20,000 (`data/articles_general.tsv`, Utrecht CDH dutch-plurals, BSD 3-Clause).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pipeline.dutch.words import zipf

DATA = Path(__file__).resolve().parent / "data"

VOWELS = "aeiouyáéíóúëïöüèêô"
DIMINUTIVES = ("tje", "pje", "kje", "etje", "je")
# Endings of adjectives in their -e form, also where word frequency does not know the word
# ("bootvormige", "terugstromende"): enough to re-inflect them before a het-word.
ADJECTIVE_E_ENDING = re.compile(r"(ige|ische|lijke|vormige|ende|ale|ele|aire|ieve|iële|ene|bare|zame|loze|achtige)$")
# An inflected past participle used as an adjective: a prefix (ge-, also after a separable particle:
# "ingezakte"; or ver-/be-/ont-/her-/er-) and -de/-te ("ingezakte", "verdikte", "beschadigde").
PARTICIPLE_E = re.compile(r"^(?:\w*ge|ver|be|ont|her|er)\w{2,}[dt]e$")
_DOUBLE_VOWEL = re.compile(r"(?:^|[^aeiou])(aa|ee|oo|uu)([bcdfghjklmnpqrstvwxz])$")
_SHORT_CLOSED = re.compile(r"(?:^|[^aeiouy])([aeiou])([bdfgklmnprstz])$")
# Suffixes whose final syllable is unstressed: no consonant doubling before -e.
_UNSTRESSED = ("ig", "lijk", "isch", "el", "er", "em", "baar", "zaam", "loos", "achtig", "es", "ens")
# Quantities have no bare attributive form: "meerdere" never becomes "meerder" ("meerdere gezwellen").
QUANTITIES = {"meerdere", "verschillende", "diverse", "enkele", "vele", "sommige", "beide", "andere"}
# Ordinals and superlatives end in -e in every position: they have no bare attributive form.
ORDINALS = ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende",
            "laatste", "volgende", "vorige")


@lru_cache(maxsize=1)
def _nouns() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(DATA.glob("nouns*.tsv")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#") or lineno == 1 and line.startswith("noun\t"):
                continue
            parts = line.split("\t")
            if len(parts) < 2 or parts[1] not in ("de", "het", "pl"):
                raise ValueError(f"{path}:{lineno}: expected noun<TAB>de|het|pl")
            out[parts[0].strip().lower()] = parts[1]
    return out


@lru_cache(maxsize=1)
def _adjectives() -> dict[str, str]:
    """bare → attributive (-e) form, for adjectives whose -e form the rules below get wrong, and
    for clinical adjectives too rare in general text to be known as adjectives by frequency."""
    out: dict[str, str] = {}
    path = DATA / "adjectives.tsv"
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or lineno == 1 and line.startswith("bare\t"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected bare<TAB>inflected")
        out[parts[0].strip().lower()] = parts[1].strip().lower()
    return out


_version = 0  # bumped whenever add_nouns adds a noun: memoised answers that depend on the table key on it


def nouns_version() -> int:
    """A number that changes whenever the gender table gains a noun (for callers' caches)."""
    return _version


def add_nouns(genders: dict[str, str]) -> None:
    """Teach genders at run time (the lexicon's lay nouns carry theirs); later entries do not
    override the curated list."""
    global _version
    table = _nouns()
    for noun, article in genders.items():
        if article in ("de", "het", "pl") and noun.lower() not in table:
            table[noun.lower()] = article
            _version += 1


# Suffixes whose nouns are all de-words (ANS § 3.2.2.2); "-ding" is left out for "het ding".
_DE_SUFFIXES = ("ing", "heid", "teit", "tie")


def gender(noun: str) -> str | None:
    """'de', 'het' or 'pl' (a plural: takes 'de') for a lay noun, or None when unknown.

    A compound takes the gender of its longest known last part of at least three letters
    ("linkerdijbeen" → het, "baarmoederhals" → de), as Dutch compounds do."""
    return _gender(noun.lower().strip(), _version)


# Remembered per word and table version: rendering a release asks the same few thousand nouns again
# and again, and the table only grows (a new version forgets nothing wrong).
@lru_cache(maxsize=1 << 16)
def _gender(word: str, version: int) -> str | None:
    if not word:
        return None
    table = _nouns()
    if word in table:
        return table[word]
    word = word.split()[-1]
    if word in table:
        return table[word]
    if len(word) > 4 and word.endswith(DIMINUTIVES):
        return "het"  # every diminutive is a het-word ("het handwortelbeentje")
    if len(word) > 5 and word.endswith(tuple(d + "s" for d in DIMINUTIVES)):
        return "pl"
    if len(word) > 5 and word.endswith("heden"):
        return "pl"  # the plural of -heid (ANS), never "een|heden" with the gender of "het heden"
    for i in range(2, len(word) - 3):
        tail, head = word[i:], word[:i]
        # a compound's last part of four letters or more, after a left part that is a word itself
        # ("baarmoeder|hals" is not, "kern|temperatuur" must not take the gender of "uur")
        if tail in table and (head in table or head.rstrip("s") in table or head in ("linker", "rechter")
                              or _zipf(head) >= 3.0 or _zipf(head.rstrip("s")) >= 3.0
                              or len(tail) >= 5 and (_zipf(head) >= 2.0 or _zipf(head + "en") >= 3.0)  # "schildwacht|klier", "hersen|schedel"
                              or head.endswith("ings") and len(head) >= 7):  # "doorbloedings|stoornis"
            return table[tail]
    general = _general_articles().get(word)
    if general is not None:
        return general  # "baard", "galweg": a general Dutch noun the curated list does not name
    for i in range(3, len(word) - 4):
        tail, head = word[i:], word[:i]
        # "bekken|uitgang": a compound whose last part (five letters or more, no adjective ending:
        # "hoor|baar" is no noun) the general list names, after a word
        if tail in _general_articles() and not word.endswith(_ADJECTIVE_TAILS) \
                and (head in table or _zipf(head) >= 3.0 or _zipf(head.rstrip("s")) >= 3.0):
            return _general_articles()[tail]
    if len(word) >= 6 and word[-3:] in _SHORT_TAILS and (word[:-3] in table or _zipf(word[:-3]) >= 3.0):
        return table.get(word[-3:])  # "hartoor", "binnenoor": a three-letter body part last, when nothing longer is
    if singulars(word):
        return "pl"  # "enkels", "poliepen": the plural of a known noun
    if len(word) >= 7 and word.endswith(_DE_SUFFIXES) and not word.endswith("ding"):
        return "de"  # "afzondering", "slechthorendheid": these suffixes make de-words (ANS § 3.2.2.2)
    return None


# Three-letter last parts of compounds that are body parts ("hart|oor", "onder|lip"): too short for the
# general rule above ("kern|temperatuur" must not end in "uur"), safe on their own.
_SHORT_TAILS = frozenset({"oor", "oog", "lip", "rug", "arm", "kop"})


def general_article(noun: str) -> str | None:
    """'de' or 'het' for a noun of the general list only (`data/articles_general.tsv`), else None."""
    return _general_articles().get(noun.lower())


_ADJECTIVE_TAILS = ("baar", "loos", "rijk", "vol", "achtig", "zaam", "matig", "vormig", "gewijs")


@lru_cache(maxsize=1)
def _general_articles() -> dict[str, str]:
    """~20,000 general Dutch nouns and their article (`data/articles_general.tsv`, from the Utrecht
    Centre for Digital Humanities' dutch-plurals list, BSD 3-Clause): the last resort of `gender`,
    after the curated list and its compounds. Not "known nouns": word-class decisions stay curated."""
    path = DATA / "articles_general.tsv"
    out: dict[str, str] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or lineno == 1:
            continue
        noun, _, article = line.partition("\t")
        if article not in ("de", "het"):
            raise ValueError(f"{path}:{lineno}: expected noun<TAB>de|het")
        out[noun] = article
    return out


# Het-nouns in -en that name a thing one counts, not an action ("een kussen", "een teken").
_COUNTED_EN = frozenset({"kussen", "teken", "laken", "wapen", "examen", "kuiken", "bekken", "wezen", "vermogen",
                         "verleden", "heden", "inkomen", "gegeven", "gebeuren", "verlangen", "leven", "seizoen"})


def verbal_noun(word: str) -> bool:
    """True for an infinitive used as a noun ("flauwvallen", "braken", "plassen"): a het-noun in
    -en, not a counted thing in -en ("kussen") nor a chemical in -een ("allergeen"). It takes no
    "een" and no inflected adjective ("met flauwvallen", "het volledig verwijderen"; ANS § 8.4.2)."""
    w = word.lower()
    return len(w) > 5 and w.endswith("en") and not w.endswith(("een", "oen")) \
        and gender(w) == "het" and not any(w.endswith(c) for c in _COUNTED_EN)


def known_noun(word: str) -> bool:
    """True for a noun in the curated gender list (a known Dutch noun, lay or not)."""
    return word.lower() in _nouns()


def rest_after_part(compound: str, genitive: str) -> str | None:
    """The rest of `compound` when it begins with the noun that `genitive` ends in: "peesontsteking"
    before "achillespees" → "ontsteking"; "nierontsteking" before "linkernier" → "ontsteking"; or
    with a noun of the same kind: "hartklepontsteking" before "mitralisklep" → "ontsteking". The
    rest must be a known noun; None otherwise."""
    return _rest_after_part(compound, genitive, _version)


@lru_cache(maxsize=1 << 16)  # per pair and table version, as `_shared_head`
def _rest_after_part(compound: str, genitive: str, version: int) -> str | None:
    if not compound or not genitive or compound == genitive:
        return None
    for form in [genitive, *sorted(singulars(genitive))]:  # "voetschimmel" before "beide voeten"
        for k in range(len(form), 3, -1):
            head = form[-k:]
            if compound.startswith(head) and known_noun(head):
                rest = compound[len(head):]
                for candidate in (rest, rest[1:] if rest[:1] in ("s", "e") else ""):
                    if len(candidate) >= 4 and known_noun(candidate):
                        return candidate
    # "hartklepontsteking" before "mitralisklep": the first part names the same kind of thing; not
    # when the genitive only adds a side ("bovenarmbeen" before "linkerarm" is the more precise)
    if _SIDE_PREFIX.sub("", genitive) != genitive and known_noun(_SIDE_PREFIX.sub("", genitive)):
        return None
    for i in range(len(compound) - 4, 3, -1):
        first, rest = compound[:i], compound[i:]
        if known_noun(rest) and len(rest) >= 4 and first != genitive and shared_head(first, genitive) \
                and (known_noun(first) or gender(first) is not None):
            return rest
    return None


# "been" is a leg and a bone: "scheenbeen van het onderbeen" names two things.
_AMBIGUOUS_HEADS = {"been", "beentje"}
# ... except between words that each name (part of) a leg: "open been van het linkeronderbeen".
_LEGS = {"been", "onderbeen", "bovenbeen", "benen", "onderbenen", "bovenbenen"}
_SIDE_PREFIX = re.compile(r"^(linker|rechter)")


def singulars(noun: str) -> frozenset[str]:
    """The singulars a Dutch plural noun may have, known nouns only: "benen" → {"been"}, "ogen" →
    {"oog"}, "armen" → {"arm"}, "enkels" → {"enkel"}; empty for a word that is no such plural.

    Rules: ANS on plurals — -en, with a long vowel written double again once the syllable closes
    ("benen" → "been"), v → f and z → s before it ("neven"/"huizen"); and -s."""
    return _singulars(noun.lower(), _version)


@lru_cache(maxsize=1 << 16)  # per word and table version, as `_shared_head`
def _singulars(word: str, version: int) -> frozenset[str]:
    stems: set[str] = set()
    if word.endswith("en") and len(word) >= 4:
        stem = word[:-2]
        stems.add(stem)
        if len(stem) >= 3 and stem[-1] in "bcdfgklmnprstvz" and stem[-2] in "aeou" and stem[-3] not in VOWELS:
            stems.add(stem[:-1] + stem[-2] + stem[-1])  # "ben" → "been", "og" → "oog"
        elif len(stem) == 2 and stem[0] in "aeou":
            stems.add(stem[0] + stem)
        if len(stem) >= 2 and stem[-1] == stem[-2]:
            stems.add(stem[:-1])  # "vinnen" → "vin"
        stems |= {s[:-1] + {"v": "f", "z": "s"}[s[-1]] for s in list(stems) if s[-1:] in ("v", "z")}
    if word.endswith("s") and len(word) >= 4:
        stems.add(word[:-1])
    if word.endswith("ën") and len(word) >= 4:
        stems.add(word[:-2])  # "knieën" → "knie"
    if word.endswith("leden"):
        stems.add(word[:-5] + "lid")  # "oogleden" → "ooglid"
    if word.endswith("heden"):
        stems.add(word[:-5] + "heid")  # "eenheden" → "eenheid" (ANS: -heid, -heden)
    return frozenset(s for s in stems if s != word and known_noun(s))


def shared_head(a: str, b: str) -> str | None:
    """The noun two words end in, when it is a known noun of four letters or more — both then name
    the same kind of thing: "schimmelnagel" and "teennagel" → "nagel", "kunstknie" and
    "linkerknie" → "knie". None otherwise, and for "been" (a leg or a bone) unless both words name
    a leg ("been", "linkeronderbeen")."""
    return _shared_head(a.lower(), b.lower(), _version)


# Remembered per pair and gender-table version: the checks ask it for every word before a
# preposition of ~380k proposals, over a few thousand distinct words.
@lru_cache(maxsize=1 << 16)
def _shared_head(a: str, b: str, version: int) -> str | None:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    for k in range(n, 2, -1):  # three letters at least: "oog", "oor", "bot"
        head = a[-k:]
        if head in _AMBIGUOUS_HEADS and not {_SIDE_PREFIX.sub("", a), _SIDE_PREFIX.sub("", b)} <= _LEGS:
            continue
        # a three-letter head must follow whole words on both sides: "regenboog" does not end in "oog"
        if known_noun(head) and (k >= 4 or _word_before(a[:-k]) and _word_before(b[:-k])):
            return head
    return None


def _word_before(left: str) -> bool:
    """The part of a compound before its head is a word ("teen|nagel", "linker|knie"), not a
    piece of another word ("regenb|oog" does not end in "oog" as a compound does)."""
    if not left or left in ("linker", "rechter"):
        return True
    stem = left[:-1] if left[-1:] in ("s", "e") and len(left) > 3 else left
    return known_noun(left) or known_noun(stem) or _zipf(left) >= 3.0 or _zipf(stem) >= 3.0 \
        or _SIDE_PREFIX.sub("", left) != left and _word_before(_SIDE_PREFIX.sub("", left))


def definite_article(noun: str) -> str | None:
    """'de' or 'het' for the noun (plurals take 'de'), None when its gender is unknown."""
    g = gender(noun)
    return None if g is None else ("het" if g == "het" else "de")


@lru_cache(maxsize=1 << 16)  # pure: the adjective table and word frequencies never change in a run
def inflected(adjective: str) -> str:
    """The attributive -e form of an adjective: 'acuut' → 'acute', 'dik' → 'dikke', 'grijs' →
    'grijze', 'positief' → 'positieve'; already inflected forms, participles in -en ('open',
    'gebroken') and 'linker'/'rechter' stay as they are. Multi-word adjectives ('te laag') inflect
    their last word. Where spelling alone cannot tell (snel → snelle, but enkel → enkele) the
    candidate that Dutch text uses more often wins (wordfreq)."""
    words = adjective.split()
    if len(words) > 1:
        return " ".join(words[:-1] + [inflected(words[-1])])
    a = adjective.lower()
    table = _adjectives()
    if a in table:
        return table[a]
    if a in table.values() or a.endswith("e") or a in ("linker", "rechter", "boven", "onder", "achter", "voor", "één"):
        return a
    if a.endswith("ieel"):  # partieel → partiële: the diaeresis keeps i and e apart
        return a[:-3] + "ële"
    candidates = [a + "e"]
    m = _DOUBLE_VOWEL.search(a)
    if m:
        last = {"f": "v", "s": "z"}.get(m.group(2), m.group(2))
        candidates.insert(0, a[: m.start(1)] + m.group(1)[0] + last + "e")
    if re.search(r"(ie|ei|ij|ui|ou|au|eu|oe)[fs]$", a):
        candidates.insert(0, a[:-1] + {"f": "v", "s": "z"}[a[-1]] + "e")
    if _SHORT_CLOSED.search(a) and (_syllables(a) == 1 or not a.endswith(_UNSTRESSED)):
        candidates.append(a + a[-1] + "e")
    if a.endswith("en"):  # a participle or material adjective keeps its form (open, gebroken)
        candidates.append(a)
    best = max(candidates, key=lambda c: (_zipf(c), -candidates.index(c)))
    return best if _zipf(best) > 0 or a.endswith("en") and best == a else candidates[0]


@lru_cache(maxsize=1 << 16)  # pure, as inflected
def _participle_in_ste(word: str) -> bool:
    """"opgehoeste" (opgehoest + e) is a participle, "grootste" a superlative: a participle's form
    whose stem before -ste is no Dutch word."""
    return PARTICIPLE_E.match(word) is not None and _zipf(word[:-3]) < 1.0


def bare(adjective: str) -> str:
    """The form without -e: 'acute' → 'acuut', 'dikke' → 'dik', 'chronische' → 'chronisch',
    'perifere' → 'perifeer', 'ideale' → 'ideaal'. Ordinals, superlatives, words not ending in -e and
    adjectives that never inflect ('onvoldoende', 'roze', 'beige': ANS § 5.2.2.2) are returned
    unchanged. Between spelling candidates the one Dutch text uses more often wins (wordfreq); a
    common -e word none of whose candidates Dutch text uses is invariable too."""
    words = adjective.split()
    if len(words) > 1:
        return " ".join(words[:-1] + [bare(words[-1])])
    a = adjective.lower()
    for b, inf in _adjectives().items():
        if inf == a:
            return b
    if not a.endswith("e") or a.endswith(("ee", "ie")) and len(a) <= 4 or a in ORDINALS or a in QUANTITIES \
            or a in INVARIABLE_ADJECTIVES or a.endswith("ste") and not _participle_in_ste(a):
        return a
    if a.endswith("iële"):
        return a[:-4] + "ieel"
    stem = a[:-1]
    candidates = [stem]
    if re.search(r"([bdfgklmnprstz])\1$", stem):
        candidates.insert(0, stem[:-1])
    if re.search(r"(ie|ei|ij|ui|ou|au|eu|oe)[vz]$", stem):
        candidates.insert(0, stem[:-1] + {"v": "f", "z": "s"}[stem[-1]])
    m = re.search(r"(?:^|[^aeiou])([aeou])([bcdfgklmnprstvz])$", stem)
    if m:
        last = {"v": "f", "z": "s"}.get(m.group(2), m.group(2))
        long_form = stem[: m.start(1)] + m.group(1) * 2 + last
        if m.group(1) != "e":  # a single a/o/u before -e is long: lage → laag, grote → groot
            return long_form
        candidates.append(long_form)  # e may be long (perifere → perifeer) or a schwa (donkere → donker)
    elif re.search(r"[aeiou][aou][bcdfgklmnprstvz]$", stem):
        # a vowel of its own syllable before the last: ideale → ideaal, inadequate → inadequaat
        last = {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
        candidates.append(stem[:-2] + stem[-2] * 2 + last)
    best = max(candidates, key=lambda c: (_zipf(c), -candidates.index(c)))
    if _zipf(best) == 0 and _zipf(a) >= 2.5:
        return a  # "beige" → no "beig": a word Dutch uses only as it is does not inflect
    return best


def attributive(adjective: str, head_gender: str | None, definite: bool = False) -> str:
    """The adjective as it stands before a head noun of `head_gender` (ANS § 5.2.2): bare before a
    singular het-noun without a definite article ('acuut hartinfarct', 'een open been'), the -e
    form otherwise ('acute blindedarmontsteking', 'het acute hartinfarct', 'lage bloeddruk').
    With an unknown gender the adjective is returned as given."""
    if head_gender is None:
        return adjective
    if "-" in adjective:  # "CT-geleid weefselonderzoek": the last part inflects
        first, last = adjective.rsplit("-", 1)
        return f"{first}-{attributive(last, head_gender, definite)}"
    if head_gender == "het" and not definite:
        return bare(adjective)
    return inflected(adjective)


def compound(left: str, right: str) -> str:
    """Two nouns as one Dutch compound: 'gewricht' + 'pijn' → 'gewrichtspijn', 'nier' + 'echo'
    → 'nierecho', 'hersenen' + 'schudding' → 'hersenschudding', 'zee' + 'egel' → 'zee-egel' (a
    hyphen between clashing vowels, Woordenlijst leidraad 16). The linking -s- and the stem of a
    plural left part are not predictable by rule: the form Dutch text uses (wordfreq) wins; for
    compounds it has never seen, -ing/-heid/-schap/-teit/-je take the -s- (-tie does not: "infectieziekte")."""
    left, right = left.replace(" ", ""), right.replace(" ", "")
    if not left or not right:
        return left + right
    candidates = compounds(left, right)
    best = max(candidates, key=lambda c: (_zipf(c), -candidates.index(c)))
    return best


def compounds(left: str, right: str) -> list[str]:
    """Spellings a compound of `left` and `right` could take, the rule's choice first."""
    left, right = left.replace(" ", ""), right.replace(" ", "")
    join = lambda l: f"{l}-{right}" if l[-1] in "aeiou" and right[0] in "aeiou" and _clash(l, right) else l + right
    plain, linked = join(left), join(left + "s")
    if right.startswith("s") or left.endswith("s"):
        out = [plain]
    elif left.endswith(("ing", "heid", "schap", "teit", "dom", "je")):  # not -tie: "anticonceptieadvies", "infectieziekte"
        out = [linked, plain]
    else:
        out = [plain, linked]
    for stem in (left[:-2] if left.endswith("en") and len(left) > 5 else "", left[:-1] if left.endswith("e") and len(left) > 4 else ""):
        if stem:
            out.append(join(stem))
    return out


def attested_compound(left: str, right: str) -> str | None:
    """The compound of `left` and `right` as Dutch text writes it, or None when Dutch text never
    uses any spelling of it (wordfreq): then "right van de left" is the safer rendering."""
    candidates = compounds(left, right)
    best = max(candidates, key=lambda c: (_zipf(c), -candidates.index(c)))
    return best if _zipf(best) > 0 else None


def _clash(left: str, right: str) -> bool:
    """Vowels that would read as one sound across the join (a+a, e+e, o+o, a+e, e+i, …)."""
    pair = left[-1] + right[0]
    return pair in ("aa", "ee", "oo", "uu", "ae", "ai", "au", "ei", "eu", "ie", "oe", "oi", "ou", "ui")


def _zipf(word: str) -> float:
    from pipeline.dutch.words import zipf
    return zipf(word)


def _syllables(word: str) -> int:
    return len(re.findall(r"[aeiouy]+", word.replace("ij", "y")))


# Adjectives ending in -e that never drop it: "onvoldoende effect", "een roze vlek" (ANS § 5.2.2.2).
INVARIABLE_ADJECTIVES = frozenset({"voldoende", "onvoldoende", "roze", "oranje", "beige", "lila", "mauve", "crème",
                                   "creme", "taupe"})
# Words that look like adjectives but never inflect before a noun.
NOT_ADJECTIVES = frozenset({"linker", "rechter", "boven", "onder", "achter", "voor", "meer", "minder", "veel", "weinig",
                            "geen", "een", "de", "het", "te", "zeer", "erg", "heel", "niet", "nog", "ook", "wel", "met",
                            "van", "bij", "door", "naar", "over", "uit", "tot", "om", "aan", "op", "in", "na", "en", "of",
                            "als", "dan", "die", "dat", "deze", "dit", "wat", "wie", "waar", "hoe", "zich", "er", "hier",
                            "daar", "per", "via", "tijdens", "zonder", "tegen", "sinds",
                            # adverbs of time before a noun phrase ("eerder kanker gehad"), sides said after one
                            # ("nierbekkenontsteking links"), a label before a colon ("Antwoord: …")
                            "links", "rechts", "antwoord",
                            "eerder", "later", "vroeger", "ooit", "nooit", "eens",
                            # invariable: "onvoldoende bloed", never "onvoldoend"
                            "voldoende", "onvoldoende"})


def adjective_forms(word: str) -> tuple[str, str] | None:
    """(bare, inflected) when `word` is an adjective whose two forms differ and both are common
    in Dutch text (wordfreq zipf ≥ 2.5), and it is not a listed noun; else None."""
    return _adjective_forms(word, _version)


# Remembered per word and gender-table version (only `known_noun` can change, and only with it): a
# batch's grammar check asks about the same few thousand words ~100k times.
@lru_cache(maxsize=1 << 16)
def _adjective_forms(word: str, version: int) -> tuple[str, str] | None:
    from pipeline.dutch.words import zipf
    if word in NOT_ADJECTIVES or known_noun(word) or len(word) < 3 or word.isdigit():
        return None
    b = bare(word)
    i = inflected(b)
    if b == i or word not in (b, i):
        return None
    if b in _adjectives():
        return b, i  # listed: an adjective whatever its frequency ("kleincellig", "heldercellig")
    if zipf(b) < 2.5 or zipf(i) < 2.5:
        # a compound adjective ("hormoongevoelig", "therapieresistente"): a known noun before a
        # known adjective of at least five letters inflects as that adjective does
        for k in range(3, len(b) - 4):
            head, tail = b[:k], b[k:]
            if (known_noun(head) or known_noun(head.removesuffix("s"))) and _adjective_forms(tail, version):
                return b, i
        return None
    return b, i


# The particles of Dutch separable verbs ("inrichten", "opzetten", "afsluiten"): their third person
# singular is said apart ("richt in"), so a verb is known by its stem verb.
PARTICLES = ("in", "op", "af", "uit", "aan", "door", "mee", "na", "om", "terug", "toe", "weg", "samen", "vast",
             "bij", "los", "voor", "over")


@lru_cache(maxsize=1 << 14)  # pure, and asked for the same heads again and again
def bare_infinitive(word: str) -> bool:
    """True for a word of no known gender that reads as an infinitive ("verzorgen", "voeden",
    "stimuleren"): lower case, five letters or more, in -en, no plural of a known noun ("benen"),
    no adjective or participle ("gebroken", "open"), and a third person singular that Dutch text
    uses (wordfreq zipf ≥ 1.5 for "verzorgt", "voedt", "stimuleert"; ANS § 2.3 on the stem's
    spelling). A verb said as a noun takes "het" (ANS § 8.4.2)."""
    if not (len(word) > 4 and word.isalpha() and word.islower() and word.endswith("en")
            and not word.endswith(("een", "ieën")) and not singulars(word)
            and adjective_forms(word) is None and not word.startswith("ge")):
        return False
    return verb_said(word)


@lru_cache(maxsize=1 << 14)
def verb_said(word: str) -> bool:
    """True when the -en word has a third person singular Dutch text uses (zipf ≥ 1.5): "verzorgen"
    → "verzorgt", "maken" → "maakt", "blazen" → "blaast"; a plural has none ("corticosteroïden")."""
    particle = next((p for p in PARTICLES if word.startswith(p) and len(word) - len(p) >= 5), "")
    if particle and verb_said(word[len(particle):]):
        return True  # "inrichten": a separable verb says its stem apart ("richt in"), so ask "richten"
    stem = word[:-2]
    # "sluiten" → "sluit", "richten" → "richt": a stem in -t takes no second t (ANS § 2.3)
    said = [stem if stem.endswith("t") else stem + "t"]
    if len(stem) >= 3 and stem[-1] not in "aeiouy" and stem[-2] in "aeou" and stem[-3] not in "aeiouy":
        long_stem = stem[:-1] + stem[-2] + {"v": "f", "z": "s"}.get(stem[-1], stem[-1])
        said.append(long_stem + "t")
    if len(stem) >= 2 and stem[-1] == stem[-2]:
        said.append(stem[:-1] + "t")
    return max(zipf(s) for s in said) >= 1.5
