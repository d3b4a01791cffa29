"""Reuse of the translation memory (TM): exact matches, a TM term plus qualifiers ("acute" +
"appendicitis" → "acute blindedarmontsteking"), a TM term with another number ("type 1" for
"type 2"), near spellings ("oesofagitis"/"oesophagitis") — and what the TM teaches the renderer:
word substitutions ("appendicitis → blindedarmontsteking" from "acute appendicitis → acute
blindedarmontsteking") and roots ("conjunctiv → bindvlies" from "conjunctivitis →
bindvliesontsteking"). The terminologists' approved TM is the final authority: what it teaches
beats the curated lexicon.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import polars as pl
from rapidfuzz import fuzz, process

from pipeline.dutch import grammar
from pipeline.offline.lexicon import body_part, Entry, Lexicon, normalise

# Words that end a lay noun's head: its prepositions (and a relative pronoun, "knobbel die …").
_HEAD_ENDS = frozenset({"van", "in", "op", "aan", "bij", "met", "door", "na", "voor", "zonder", "tijdens", "onder", "rond",
                        "tussen", "over", "achter", "naast", "boven", "via", "tegen", "uit", "om", "tot", "die", "dat"})

_SPACE = re.compile(r"\s+")
_PREPOSITIONS = {"van", "bij", "tijdens", "door", "met", "na", "in", "op", "aan", "zonder", "voor", "onder", "via", "uit",
                 "naar", "over", "rond", "tegen", "tussen", "langs"}


def lay_head(lay: str) -> str:
    """The head noun of a lay noun phrase: its last word before the first preposition
    ("pijn op de borst door het hart" → "pijn")."""
    words = lay.split()
    cut = next((i for i, w in enumerate(words) if w in _PREPOSITIONS and i > 0), len(words))
    return words[:cut][-1] if words[:cut] else lay
_NUMBER = re.compile(r"^(\d+|[ivx]+|[a-d])$")


class Memory:
    """The TM indexed for reuse; built once per run."""

    def __init__(self, tm: pl.DataFrame | None, lexicon: Lexicon, fuzzy_cutoff: float = 90.0):
        """`tm`: term, patientTerm[, explanation]; rows without a patient term are ignored."""
        self.lex = lexicon
        self.fuzzy_cutoff = fuzzy_cutoff
        if tm is None:
            tm = pl.DataFrame({"term": [], "patientTerm": []}, schema={"term": pl.Utf8, "patientTerm": pl.Utf8})
        if "explanation" not in tm.columns:
            tm = tm.with_columns(pl.lit(None, dtype=pl.Utf8).alias("explanation"))
        tm = tm.filter(pl.col("term").is_not_null() & pl.col("patientTerm").is_not_null()
                       & (pl.col("patientTerm").str.strip_chars() != ""))
        self.exact: dict[str, tuple[str, str]] = {}
        for term, patient, expl in zip(tm["term"].to_list(), tm["patientTerm"].to_list(), tm["explanation"].to_list()):
            self.exact.setdefault(normalise(term), (patient, expl or ""))
        self.keys = list(self.exact)
        self.core_index: dict[str, str] = {}
        for key, (patient, _) in self.exact.items():
            core, quals = self.split_qualifiers(key.split())
            if not quals:
                self.core_index.setdefault(" ".join(core), patient)
        self.words, self.roots = self._learn()
        self._blocks: dict[str, list[str]] | None = None
        self._by_shape: dict[str, list[str]] | None = None

    def split_qualifiers(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        """(core words, qualifiers): a qualifier of several words is one ("matig ernstig" is one
        degree, not "matige" + "ernstig"), the longest the lexicon knows first."""
        qualifiers, longest = self.lex.qualifiers, self._multi_word_qualifiers()
        if longest.keys().isdisjoint(tokens):  # most terms: one word at a time
            return [t for t in tokens if t not in qualifiers], [t for t in tokens if t in qualifiers]
        core, quals, i = [], [], 0
        while i < len(tokens):
            t = tokens[i]
            for n in range(longest.get(t, 1), 1, -1):  # only a word that starts one tries the longer spans
                span = " ".join(tokens[i: i + n])
                if i + n <= len(tokens) and span in qualifiers:
                    quals.append(span)
                    i += n
                    break
            else:
                (quals if t in qualifiers else core).append(t)
                i += 1
        return core, quals

    def _multi_word_qualifiers(self) -> dict[str, int]:
        """First word → the most words a qualifier starting with it has ("matig" → 2), built once."""
        if getattr(self, "_longest", None) is None:
            self._longest: dict[str, int] = {}
            for key in self.lex.qualifiers:
                words = key.split()
                if len(words) > 1:
                    self._longest[words[0]] = max(self._longest.get(words[0], 1), len(words))
        return self._longest

    # --- what the TM teaches --------------------------------------------------------------------
    def _learn(self) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
        """Word substitutions and roots from TM pairs; counts decide between rivals."""
        counts: dict[str, Counter] = defaultdict(Counter)
        # Per qualifier, its lay variants' patterns, compiled once for the whole TM (same variants,
        # same order as building them per pair; ~10 s → ~1 s at 15k TM pairs).
        patterns: dict[str, tuple[bool, list[re.Pattern]]] = {}
        # Suffixes whose lay template glues a tail to the root ("{r}ontsteking"), in lexicon order.
        glued = [(suffix, entry.lay[3:]) for suffix, entry in self.lex.suffixes.items()
                 if entry.lay.startswith("{r}") and entry.lay[3:]]
        for key, (patient, _) in self.exact.items():
            core, quals = self.split_qualifiers(key.split())
            lay = normalise(patient)
            stripped_all = True
            for q in quals:
                if q not in patterns:
                    base = self.lex.qualifiers[q].lay
                    variants = [normalise(v) for v in {base, grammar.bare(base), grammar.inflected(base), q}]
                    patterns[q] = (base == "-", [re.compile(rf"(?<!\w){re.escape(v)}(?!\w)")
                                                 for v in variants if v and v != "-"])
                found, compiled = patterns[q]
                for pattern in compiled:
                    found = found or pattern.search(lay) is not None
                    lay = _SPACE.sub(" ", pattern.sub(" ", lay)).strip()
                # The lay side says the qualifier in words we don't know ('aan beide handen'):
                # learning the core from it would carry that qualifier into unrelated terms.
                stripped_all = stripped_all and found
            if core and lay and stripped_all:
                counts[" ".join(core)][lay] += 1
            elif quals and core and not stripped_all and " " in key and " " not in normalise(patient) \
                    and not (core[-1] in self.lex.heads and body_part(normalise(patient))):
                # ... but not a head whose lay names a body part: "diepe veneuze trombose" →
                # "trombosebeen" would take "van de knieholteader" as "trombosebeen van …"
                # "cystische fibrose" → "taaislijmziekte": the lay side says the qualifier in its own
                # one word, so the pair is a fixed name — learned whole, as a phrase for longer
                # terms ("familieanamnese van cystische fibrose")
                counts[key][" ".join(patient.split())] += 1  # as written: "MS" stays a capital abbreviation
            # morpheme alignment: clinical X-itis ~ lay Y-ontsteking teaches root X -> Y
            if " " in lay:
                continue  # only a one-word lay term aligns with a root
            for word in core:
                for suffix, tail in glued:
                    if word.endswith(suffix) and len(word) > len(suffix) + 2:
                        if lay.endswith(tail) and len(lay) > len(tail):
                            counts["root:" + word[: -len(suffix)]][lay[: -len(tail)]] += 1
        words, roots = {}, {}
        for key, c in counts.items():
            lay, n = c.most_common(1)[0]
            if key.startswith("root:"):
                roots[key[5:]] = lay
            else:
                words[key] = (lay, n)
        return words, roots

    def learned_entries(self) -> list[Entry]:
        """What the TM teaches, as lexicon noun entries (source 'learned', weight = agreeing pairs)."""
        out = []
        for key, (lay, n) in self.words.items():
            # the head is the last word before the first preposition ("verwijderen van de schildklier"
            # is a het-word: "na het verwijderen …", never "na een verwijderen …")
            words = lay.split()
            cut = next((i for i, w in enumerate(words) if w in _HEAD_ENDS and i > 0), len(words))
            head = words[cut - 1] if words else lay
            gender = grammar.gender(head) or ""
            out.append(Entry(key, lay, "noun", gender, "learned from the TM", source="learned", weight=n))
        return out

    # --- reuse ----------------------------------------------------------------------------------
    def carry(self, key: str) -> str | None:
        """A TM term's patient term with this term's qualifiers carried over, or None."""
        core, quals = self.split_qualifiers(key.split())
        if not quals or " ".join(core) not in self.core_index:
            return None
        patient = self.core_index[" ".join(core)]
        pre, post = [], []
        for q in quals:
            e = self.lex.modifier(q, key) or self.lex.qualifiers[q]  # its sense in this term ("anterior" of a heart attack)
            if e.lay != "-":
                (post if e.article == "post" else pre).append(e.lay)
        gender = grammar.gender(lay_head(patient))
        if gender is None and any(grammar.attributive(a, "de") != grammar.attributive(a, "het") for a in pre):
            return None  # the adjective's ending depends on a gender we don't know ("matige ernstig slaapapneu")
        pre = [grammar.attributive(a, gender) for a in pre]
        return " ".join(pre + [patient] + post)

    def numbers(self, keys: list[str]) -> dict[int, str]:
        """Batch: a TM term equal but for its numbers/type letters → its patient term with them swapped."""
        out: dict[int, str] = {}
        if not keys or not self.keys:
            return out
        shape = lambda k: " ".join("#" if _NUMBER.match(t) else t for t in k.split())
        if self._by_shape is None:  # built once per run, not per chunk
            self._by_shape = defaultdict(list)
            for k in self.keys:
                if any(_NUMBER.match(t) for t in k.split()):
                    self._by_shape[shape(k)].append(k)
        by_shape = self._by_shape
        for i, k in enumerate(keys):
            candidates = by_shape.get(shape(k))
            if not candidates:
                continue
            tm_key = candidates[0]
            patient = self.exact[tm_key][0]
            new = [t for t in k.split() if _NUMBER.match(t)]
            old = [t for t in tm_key.split() if _NUMBER.match(t)]
            if not all(re.search(rf"\b{re.escape(o)}\b", patient) for o in old):
                continue  # the patient term does not say the number where we could swap it
            for o, n in zip(old, new):
                patient = re.sub(rf"\b{re.escape(o)}\b", n, patient, count=1)
            out[i] = patient
        return out

    def near(self, keys: list[str], workers: int = 1) -> dict[int, tuple[str, float]]:
        """Batch: near-identical spelling of a TM term (oesophagitis/oesofagitis, gastro-enteritis/
        gastroenteritis). Blocked on the first two letters, then one rapidfuzz cdist per block."""
        out: dict[int, tuple[str, float]] = {}
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(keys):
            if k and len(k) >= 6:
                blocks[k[:2]].append(i)
        if self._blocks is None:
            self._blocks = defaultdict(list)
            for k in self.keys:
                self._blocks[k[:2]].append(k)
        for block, idx in blocks.items():
            candidates = self._blocks.get(block)
            if not candidates:
                continue
            for start in range(0, len(idx), 4096):
                chunk = idx[start:start + 4096]
                scores = process.cdist([keys[i] for i in chunk], candidates, scorer=fuzz.ratio,
                                       score_cutoff=self.fuzzy_cutoff, workers=workers)
                best = scores.argmax(axis=1)
                for row, i in enumerate(chunk):
                    score = scores[row, best[row]]
                    if score >= self.fuzzy_cutoff and _same_numbers(keys[i], candidates[best[row]]):
                        conf = round(0.5 + 0.3 * (score - self.fuzzy_cutoff) / (100 - self.fuzzy_cutoff), 3)
                        out[i] = (self.exact[candidates[best[row]]][0], conf)
        return out


def _same_numbers(a: str, b: str) -> bool:
    """type 1 and type 2 are different concepts: near matches must agree on every number."""
    return [t for t in a.split() if t.isdigit()] == [t for t in b.split() if t.isdigit()]
