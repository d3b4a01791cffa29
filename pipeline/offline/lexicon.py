"""The curated lexicon: what the offline suggester knows of clinical Dutch, Latin and Greek and how
a patient says it. Data, not code: every `*.tsv` in `pipeline/lexicon/` (docs/lexicon.md).

Columns `clinical, lay, kind, article, note[, context]`; kinds:
- `noun` (also `word`): a clinical noun or noun phrase → a lay noun phrase; `article` is the gender
  of the lay head (de, het, pl). A `{x}` in the lay text makes it a `head` (older files).
- `adjective`, `qualifier`: a clinical adjective → a lay adjective (`pre`) or a phrase after the
  noun (`post`); `-` means "not said in lay Dutch". Qualifiers carry meaning that must survive.
- `head`: a noun that takes an object with "van", as templates tried in order, `|`-separated.
- `prep`: a clinical preposition → a lay one.
- `root`, `prefix`, `suffix`: morphology for words no entry covers.
`context`: a regular expression on the whole clinical term; such an entry wins over the entry
without context for the same clinical text when it matches (sense by context).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.dutch import grammar

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"
_PUNCT = re.compile(r"[^\w\s'’<>≤≥±+-]+", re.UNICODE)
# Signs that change what a term says ("HbA1c < 53" is not "HbA1c > 53", "HoNOS+" not "HoNOS"):
# kept in the key, each as a word of its own
_SIGN = re.compile(r"\s*([<>≤≥±+])\s*")
_SPACE = re.compile(r"\s+")
_NORMAL = re.compile(r"[\w'’-]+(?: [\w'’-]+)*")  # words without punctuation, single spaces: normalise() keeps it

KINDS = ("word", "noun", "adjective", "qualifier", "head", "prep", "root", "prefix", "suffix")
ARTICLES = {"noun": ("de", "het", "pl", ""), "head": ("de", "het", "pl", ""), "adjective": ("pre", "post"),
            "qualifier": ("pre", "post")}


_SLOT = re.compile(r"\{(?:de |een )?x\}")


def has_slot(lay: str) -> bool:
    """True when a lay text is a template with an object slot: {x}, {de x} or {een x}."""
    return _SLOT.search(lay) is not None


def normalise(text: str) -> str:
    """Lower case, punctuation other than hyphens, apostrophes and the signs < > ≤ ≥ ± + to spaces,
    each sign a word of its own, single spaces: the key for lexicon and TM lookups."""
    low = (text or "").lower()
    if _NORMAL.fullmatch(low):
        return low  # already a key (most terms and texts): one scan instead of two substitutions
    return _SPACE.sub(" ", _SIGN.sub(r" \1 ", _PUNCT.sub(" ", low))).strip()


@dataclass(frozen=True)
class Entry:
    clinical: str
    lay: str
    kind: str
    article: str
    note: str
    context: str = ""
    source: str = "curated"      # curated | learned (from the TM)
    weight: int = 1              # learned: how many TM pairs agree

    def applies(self, term: str) -> bool:
        """True when the entry has no context, or its context matches the term at a word start."""
        return not self.context or _context(self.context).search(term) is not None


@lru_cache(maxsize=4096)
def _context(pattern: str) -> re.Pattern:
    """A context regex that matches only where a word starts: curators write prefixes
    ("cerebr|hersen", "oris") and mean words, so "oris" must not match inside "femoris". An
    anchored pattern (^…) or one that says its own \\b is taken as written."""
    if pattern.startswith("^") or "\\b" in pattern:
        return re.compile(pattern)
    core = pattern
    while core.startswith(".*"):
        core = core[2:]
    while core.endswith(".*"):
        core = core[:-2]
    return re.compile(rf"(?<![^\W\d_])(?:{core})")


@dataclass
class Lexicon:
    """Entries by kind, keyed by normalised clinical text. `words` holds nouns (kind noun/word),
    `heads` nouns with an object slot; entries with a context sit in `contextual` beside them."""
    words: dict[str, Entry] = field(default_factory=dict)
    heads: dict[str, Entry] = field(default_factory=dict)
    roots: dict[str, Entry] = field(default_factory=dict)
    prefixes: dict[str, Entry] = field(default_factory=dict)
    suffixes: dict[str, Entry] = field(default_factory=dict)
    qualifiers: dict[str, Entry] = field(default_factory=dict)
    adjectives: dict[str, Entry] = field(default_factory=dict)
    preps: dict[str, Entry] = field(default_factory=dict)
    contextual: dict[str, list[Entry]] = field(default_factory=dict)

    @classmethod
    def load(cls, paths=None) -> "Lexicon":
        """All `*.tsv` in `pipeline/lexicon/` (alphabetical; a later file overrides an earlier entry
        with the same clinical text, kind and context), or the given paths.

        Raises ValueError "FILE:LINE: reason" for a bad line."""
        paths = list(paths) if paths else sorted(LEXICON_DIR.glob("*.tsv"))
        lex = cls()
        for path in paths:
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE)
                header = next(reader, None)
                if not header or header[:5] != ["clinical", "lay", "kind", "article", "note"]:
                    raise ValueError(f"{path}:1: expected the header clinical, lay, kind, article, note[, context]")
                for lineno, row in enumerate(reader, start=2):
                    if not any(cell.strip() for cell in row):
                        continue
                    lex.add(_entry(row, path, lineno), path, lineno)
        lex._bare_form_senses()
        return lex

    def _bare_form_senses(self) -> None:
        """Give an adjective's bare form the senses by context of its -e form: "toxisch adenoom" means
        what "toxische adenomen" means (overactive, not poisoned). The renderer bares the lay text
        itself when the clinical word is bare, so the derived entry keeps the -e form's lay text."""
        for key, entries in list(self.contextual.items()):
            kind, clinical = key.split(":", 1)
            if kind not in ("adjective", "qualifier") or " " in clinical or not clinical.endswith("e"):
                continue
            bare = grammar.bare(clinical)
            if bare == clinical or bare not in getattr(self, f"{kind}s"):
                continue  # only where the bare form is itself an entry, whose plain sense would win
            known = {e.context for e in self.contextual.get(f"{kind}:{bare}", ())}
            for e in entries:
                if e.context not in known:
                    self.contextual.setdefault(f"{kind}:{bare}", []).append(
                        Entry(bare, e.lay, e.kind, e.article, f"bare form of {clinical}: {e.note}", e.context))

    def add(self, entry: Entry, path="lexicon", lineno=0) -> None:
        """File one entry under its kind. ValueError names the line for an unknown kind."""
        table = self._table(entry, path, lineno)
        if entry.context:
            self.contextual.setdefault(f"{entry.kind}:{entry.clinical}", []).append(entry)
        else:
            table[entry.clinical] = entry

    def _table(self, entry: Entry, path, lineno) -> dict[str, Entry]:
        kind = entry.kind
        if kind in ("word", "noun"):
            return self.heads if has_slot(entry.lay) else self.words
        tables = {"head": self.heads, "root": self.roots, "prefix": self.prefixes, "suffix": self.suffixes,
                  "qualifier": self.qualifiers, "adjective": self.adjectives, "prep": self.preps}
        if kind not in tables:
            raise ValueError(f"{path}:{lineno}: unknown kind {kind!r} ({'|'.join(KINDS)})")
        return tables[kind]

    def find(self, table: str, key: str, term: str = "", plain: bool = True) -> Entry | None:
        """The entry for `key` in `table` ('words', 'heads', 'adjectives', …) that applies to the
        whole clinical `term`: a matching contextual entry first, else (with `plain`) the plain one."""
        kinds = {"words": ("noun", "word"), "heads": ("head", "noun", "word"), "adjectives": ("adjective",),
                 "qualifiers": ("qualifier",), "preps": ("prep",), "roots": ("root",)}[table]
        for kind in kinds:
            for entry in self.contextual.get(f"{kind}:{key}", ()):
                if (table != "heads") == (not has_slot(entry.lay)) and entry.applies(term):
                    return entry
        return getattr(self, table).get(key) if plain else None

    def modifier(self, key: str, term: str = "") -> Entry | None:
        """An adjective or qualifier entry for `key`: a sense by context of either kind first
        ("anterior" in a heart attack is "van de voorwand" whatever kind its plain sense is)."""
        for kind in ("qualifier", "adjective"):
            for entry in self.contextual.get(f"{kind}:{key}", ()):
                if not has_slot(entry.lay) and entry.applies(term):
                    return entry
        return self.qualifiers.get(key) or self.adjectives.get(key)

    def phrase_keys(self) -> set[str]:
        """Every multi-word clinical key, for longest-match grouping of tokens."""
        keys = {k for t in (self.words, self.heads, self.adjectives, self.qualifiers, self.preps, self.roots)
                for k in t if " " in k}
        keys |= {k.split(":", 1)[1] for k in self.contextual if " " in k}
        return keys

    def lay_words(self) -> set[str]:
        """Every word of the lay side: B1 Dutch by the lexicon's own standard, so never jargon."""
        out = set()
        for table in (self.words, self.heads, self.adjectives, self.qualifiers, self.preps):
            for e in table.values():
                out.update(w for w in re.findall(r"[^\W\d_]+", _SLOT.sub(" ", e.lay).lower()) if len(w) >= 3)
        for entries in self.contextual.values():
            for e in entries:
                out.update(w for w in re.findall(r"[^\W\d_]+", _SLOT.sub(" ", e.lay).lower()) if len(w) >= 3)
        return out

    def clinical_words(self) -> set[str]:
        """Single clinical words the lexicon translates into something else: a lay reader does not
        know them (the word judge treats them as jargon)."""
        out = set()
        for table in (self.words, self.heads, self.adjectives, self.qualifiers):
            for key, e in table.items():
                lay = normalise(e.lay)
                if " " in key or lay == key or e.lay == "-":
                    continue
                if table in (self.adjectives, self.qualifiers) and (grammar.bare(lay) == key or grammar.inflected(key) == lay):
                    continue  # "psychisch" → "psychische": the same word in its other form
                out.add(key)
        return out


# Body parts a body has one of: a side is said after them ("spatader in de balzak links"), and a
# side of them is their own ("linkerzijde van de borstkas", not "zijde van de linkerborstkas").
UNPAIRED = frozenset({
    "lip", "wervel", "lendenwervel", "borstwervel", "halswervel", "wervelkolom", "balzak", "baarmoeder", "blaas", "maag",
    "hart", "lever", "milt", "alvleesklier", "schildklier", "darm", "endeldarm", "slokdarm", "keel", "neus", "mond", "tong",
    "buik", "rug", "borstkas", "bekken", "hoofd", "nek", "hals", "ruggenmerg", "hersenen", "galblaas", "blindedarm", "navel",
    "vagina", "vulva", "penis", "prostaat", "luchtpijp", "strottenhoofd", "middenrif", "huid", "schedel", "gezicht",
    "aangezicht", "romp", "lichaam"})
# One bone with a left and a right half: "beide kanten" of it are not two of them ("hals van de
# onderkaak aan beide kanten", never "beide onderkaken").
ONE_WITH_TWO_SIDES = ("kaak",)


# Verbs SNOMED findings begin with ("gebruikt alcohol", "rookt sigaretten", "buigt abnormaal op pijn"):
# the finding keeps its order, and an adverb after the verb stays there.
FINITE_VERBS = frozenset({"accepteert", "ademt", "begrijpt", "beweegt", "braakt", "brabbelt", "buigt", "doet",
    "drinkt", "eet", "ervaart", "gebruikt", "gehoorzaamt", "groeit", "hapt", "heeft", "herkent", "hoest", "hoort",
    "houdt", "huilt", "is", "kan", "kijkt", "krijgt", "kruipt", "lacht", "ligt", "lijdt", "lokaliseert", "loopt",
    "misbruikt", "mist", "neemt", "opent", "plast", "poept", "praat", "reageert", "rookt", "slaapt", "slikt",
    "spuugt", "staat", "strekt", "trekt", "valt", "vergeet", "vermijdt", "vertoont", "verzorgt", "voelt", "volgt",
    "weet", "weigert", "werkt", "wil", "woont", "wordt", "ziet", "zit", "zoekt", "zuigt", "ontvangt", "verblijft",
    "betaalt", "bezoekt", "regelt", "spreekt", "leest", "schrijft", "fietst", "rijdt", "bevat", "toont", "geeft",
    "maakt", "blijft", "vraagt", "zegt", "gaat", "komt", "moet", "mag", "zal", "lijkt", "raakt", "verliest"})


# Lay words for a region or side of a body part: a side glued to them ("rechterbinnenkant van de knie")
# is the body part's ("binnenkant van de rechterknie").
REGION_WORDS = ("gebied", "binnenkant", "buitenkant", "voorkant", "achterkant", "zijkant", "bovenkant", "onderkant", "zijde",
                "kant", "regio", "rug")


@lru_cache(maxsize=1)
def _body_part_heads() -> tuple[str, ...]:
    """The lay nouns of the curated anatomy lexicon ("oor", "dijbeen", "halsader")."""
    lex = Lexicon.load([LEXICON_DIR / "anatomy.tsv"])
    heads = set()
    for table in (lex.words, lex.roots):
        for e in table.values():
            words = e.lay.split()
            cut = next((i for i, w in enumerate(words) if w in ("van", "in", "op", "aan", "tussen", "rond", "onder",
                                                                 "boven", "achter", "naast", "bij", "met") and i > 0), len(words))
            if "{" not in e.lay and words[:cut]:
                heads.add(words[cut - 1])
    return tuple(sorted(h for h in heads if len(h) >= 3 and h.isalpha()))


@lru_cache(maxsize=1 << 14)
def body_part(noun: str, exact: bool = False) -> bool:
    """True for a body part ("linkerbeen", "bovenarm", "enkels"): a lay noun of the anatomy lexicon
    (pipeline/lexicon/anatomy.tsv), a compound ending in one, or its plural. A substance, a device
    or a disorder is none ("insuline", "stent", "ontsteking"). With `exact`, only the anatomy
    lexicon's own nouns count ("kuitbeen", not "klaplong")."""
    word = noun.lower()
    forms = {word} | grammar.singulars(word)
    if exact:
        return bool(forms & set(_body_part_heads()))
    return any(f.endswith(h) for f in forms for h in _body_part_heads() if len(h) <= len(f))


def _entry(row: list[str], path, lineno) -> Entry:
    if len(row) < 5 or len(row) > 6:
        raise ValueError(f"{path}:{lineno}: expected 5 or 6 tab-separated fields, found {len(row)}")
    clinical, lay, kind, article, note = (c.strip() for c in row[:5])
    context = row[5].strip() if len(row) == 6 else ""
    if not clinical or not lay:
        raise ValueError(f"{path}:{lineno}: empty clinical or lay field")
    if kind not in KINDS:
        raise ValueError(f"{path}:{lineno}: unknown kind {kind!r} ({'|'.join(KINDS)})")
    allowed = ARTICLES.get("head" if kind == "word" and has_slot(lay) else "noun" if kind == "word" else kind)
    if allowed and article not in allowed:
        raise ValueError(f"{path}:{lineno}: article {article!r} for kind {kind} (expected {'|'.join(a or '(empty)' for a in allowed)})")
    if context:
        try:
            re.compile(context)
        except re.error as exc:
            raise ValueError(f"{path}:{lineno}: context is not a regular expression ({exc})") from None
    return Entry(normalise(clinical), lay, kind, article, note, context)
