"""Offline suggester: TM reuse (exact, fuzzy with carried-over qualifiers), then compositional
translation from a curated lexicon (pipeline/lexicon/*.tsv) plus substitutions learned from the TM.

Knowledge lives in the TSV files and in the TM; this module only holds the composition rules.
"""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from rapidfuzz import fuzz, process

LEXICON_DIR = Path(__file__).with_name("lexicon")
_PUNCT = re.compile(r"[^\w\s'-]+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^(\d+|[ivx]+|[a-d])$")

CONF = {"tm-exact": 0.97, "tm-fuzzy": 0.85, "tm-fuzzy-number": 0.82, "lexicon-word": 0.8,
        "lexicon-learned": 0.75, "lexicon-compound": 0.45, "lexicon-partial": 0.2, "none": 0.05}


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces: the key for exact matching."""
    return _SPACE.sub(" ", _PUNCT.sub(" ", (text or "").lower())).strip()


@dataclass
class Entry:
    clinical: str
    lay: str
    kind: str
    article: str
    note: str


@dataclass
class Lexicon:
    words: dict[str, Entry] = field(default_factory=dict)      # whole words / phrases
    heads: dict[str, Entry] = field(default_factory=dict)      # words with an {x} object slot
    roots: dict[str, Entry] = field(default_factory=dict)
    prefixes: dict[str, Entry] = field(default_factory=dict)
    suffixes: dict[str, Entry] = field(default_factory=dict)
    qualifiers: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, paths=None) -> "Lexicon":
        paths = list(paths) if paths else sorted(LEXICON_DIR.glob("*.tsv"))
        lex = cls()
        for path in paths:
            with open(path, encoding="utf-8", newline="") as fh:
                for lineno, row in enumerate(csv.DictReader(fh, delimiter="\t"), start=2):
                    try:
                        entry = Entry(normalise(row["clinical"]), row["lay"].strip(), row["kind"].strip(),
                                      (row.get("article") or "").strip(), (row.get("note") or "").strip())
                    except (KeyError, AttributeError):
                        raise ValueError(f"{path}:{lineno}: expected columns clinical, lay, kind, article, note")
                    if not entry.clinical or not entry.lay:
                        raise ValueError(f"{path}:{lineno}: empty clinical or lay field")
                    lex.add(entry, path, lineno)
        return lex

    def add(self, entry: Entry, path="lexicon", lineno=0) -> None:
        kind = entry.kind
        if kind == "word":
            (self.heads if "{x}" in entry.lay else self.words)[entry.clinical] = entry
        elif kind == "root":
            self.roots[entry.clinical] = entry
        elif kind == "prefix":
            self.prefixes[entry.clinical] = entry
        elif kind == "suffix":
            self.suffixes[entry.clinical] = entry
        elif kind == "qualifier":
            self.qualifiers[entry.clinical] = entry
        else:
            raise ValueError(f"{path}:{lineno}: unknown kind {kind!r} (word|root|prefix|suffix|qualifier)")


# left parts ending like this take a linking s in a compound (Dutch spelling rules of thumb)
_LINKING_S = ("ing", "heid", "schap", "teit", "icht", "ucht", "dom", "sel", "je")


def _article(article: str) -> str:
    return "het" if article == "het" else "de"


def _compound(left: str, right: str) -> str:
    """Dutch compounding: one word; a hyphen where two vowels would clash (nier-echo stays nierecho)."""
    left = left.replace(" ", "")
    if left.endswith(_LINKING_S) and right and not right.startswith("s"):
        left += "s"  # gewricht + pijn -> gewrichtspijn, zwangerschap + diabetes
    if left and right and left[-1] in "aeiou" and right[0] in "aeiou" and left[-1] == right[0]:
        return f"{left}-{right}"
    return left + right


class OfflineSuggester:
    """Indexes built once from a TM; `suggest(work)` is vectorised over TM lookups."""

    def __init__(self, tm: pl.DataFrame | None, lexicon: Lexicon | None = None, fuzzy_cutoff: float = 90.0):
        self.lexicon = lexicon or Lexicon.load()
        self.fuzzy_cutoff = fuzzy_cutoff
        tm = tm if tm is not None else pl.DataFrame({"term": [], "patientTerm": []}, schema={"term": pl.Utf8, "patientTerm": pl.Utf8})
        if "explanation" not in tm.columns:
            tm = tm.with_columns(pl.lit(None, dtype=pl.Utf8).alias("explanation"))
        tm = tm.filter(pl.col("term").is_not_null() & pl.col("patientTerm").is_not_null()
                       & (pl.col("patientTerm").str.strip_chars() != ""))
        self.exact: dict[str, tuple[str, str]] = {}
        for term, patient, expl in zip(tm["term"].to_list(), tm["patientTerm"].to_list(), tm["explanation"].to_list()):
            self.exact.setdefault(normalise(term), (patient, expl or ""))
        self.tm_keys = list(self.exact)
        self.core_index: dict[str, tuple[str, list[str]]] = {}
        for key, (patient, _) in self.exact.items():
            core, quals = self._split_qualifiers(key.split())
            if quals:
                continue
            self.core_index.setdefault(" ".join(core), (patient, []))
        self.learned = self._learn()
        self._suffix_order = sorted(self.lexicon.suffixes, key=len, reverse=True)
        self._prefix_order = sorted(self.lexicon.prefixes, key=len, reverse=True)
        self.lay_articles: dict[str, str] = {}
        for table in (self.lexicon.roots, self.lexicon.words):
            for e in table.values():
                if e.article in ("de", "het"):
                    self.lay_articles.setdefault(e.lay.split()[-1].lower(), e.article)
        for e in self.lexicon.suffixes.values():
            if e.lay.startswith("{r}") and len(e.lay) > 3 and e.article:
                self.lay_articles.setdefault(e.lay[3:].split()[0], e.article)

    def _lay_article(self, lay: str) -> str:
        """de/het of a lay noun phrase's head: its last word, or the longest known tail of a compound."""
        words = lay.lower().split()
        if not words or " van " in f" {lay.lower()} ":
            return "" if not words else self._lay_article(lay.lower().split(" van ")[0])
        last = words[-1]
        for i in range(len(last)):
            if last[i:] in self.lay_articles and (i == 0 or len(last) - i >= 4):
                return self.lay_articles[last[i:]]
        return ""

    # --- learning -------------------------------------------------------------------------
    def _learn(self) -> dict[str, tuple[str, int]]:
        """Word substitutions from TM pairs: the pair itself when it is one clinical word, and the
        remainder after removing qualifiers shared by both sides. Counts decide between rivals."""
        counts: dict[str, Counter] = defaultdict(Counter)
        for key, (patient, _) in self.exact.items():
            tokens = key.split()
            core, quals = self._split_qualifiers(tokens)
            lay = normalise(patient)
            stripped_all = True
            for q in quals:
                base = self.lexicon.qualifiers[q].lay
                found = base == "-"
                for variant in {base, _agree(base, "de"), _agree(base, "het"), q}:
                    v = normalise(variant)
                    if v and v != "-":
                        pattern = rf"(?<!\w){re.escape(v)}(?!\w)"
                        found = found or re.search(pattern, lay) is not None
                        lay = _SPACE.sub(" ", re.sub(pattern, " ", lay)).strip()
                # The lay side says the qualifier in words we don't know ('aan beide handen'):
                # learning the core from it would carry that qualifier into unrelated terms.
                stripped_all = stripped_all and found
            if core and lay and stripped_all:
                counts[" ".join(core)][lay] += 1
            # morpheme alignment: clinical X-itis ~ lay Y-ontsteking teaches root X -> Y
            for word in core:
                for suf, entry in self.lexicon.suffixes.items():
                    tpl = entry.lay
                    if word.endswith(suf) and tpl.startswith("{r}") and len(word) > len(suf) + 2:
                        tail = tpl[3:]
                        if lay.endswith(tail) and " " not in lay and len(lay) > len(tail):
                            counts["root:" + word[: -len(suf)]][lay[: -len(tail)]] += 1
        return {k: (c.most_common(1)[0][0], c.most_common(1)[0][1]) for k, c in counts.items()}

    def _split_qualifiers(self, tokens: list[str]) -> tuple[list[str], list[str]]:
        core, quals = [], []
        for t in tokens:
            (quals if t in self.lexicon.qualifiers else core).append(t)
        return core, quals

    # --- composition ----------------------------------------------------------------------
    def _root(self, stem: str) -> tuple[str, str] | None:
        learned = self.learned.get("root:" + stem)
        if learned:
            return learned[0], "de"
        for cand in (stem, stem.rstrip("o"), stem + "o"):
            if cand in self.lexicon.roots:
                e = self.lexicon.roots[cand]
                return e.lay, _article(e.article)
        return None

    def _word(self, word: str) -> tuple[str, str, str] | None:
        """One clinical word (or phrase) -> (lay, article, how)."""
        if word in self.learned:
            return self.learned[word][0], "de", "lexicon-learned"
        if word in self.lexicon.words:
            e = self.lexicon.words[word]
            return e.lay, _article(e.article), "lexicon-word"
        if word in self.lexicon.roots and " " in word:
            e = self.lexicon.roots[word]
            return e.lay, _article(e.article), "lexicon-word"
        # prefix + (root) + suffix, longest suffix first
        for suf in self._suffix_order:
            if not word.endswith(suf) or len(word) <= len(suf):
                continue
            stem = word[: -len(suf)]
            entry = self.lexicon.suffixes[suf]
            prefix_lay = ""
            for pre in ([] if self._root(stem) else self._prefix_order):
                if stem.startswith(pre) and len(stem) > len(pre) + 1:
                    prefix_lay, stem = self.lexicon.prefixes[pre].lay, stem[len(pre):]
                    break
            root = self._root(stem) or self._split_compound_root(stem)
            if not root:
                continue
            lay_root, art = root
            tpl = entry.lay
            if tpl.startswith("{r}") and not tpl.startswith("{r} "):
                lay = tpl.replace("{r}", lay_root.replace(" ", ""))
                lay = _compound(lay_root, tpl[3:]) if tpl[3:] else lay
            else:
                lay = tpl.replace("{a}", art).replace("{r}", lay_root)
            if prefix_lay:
                lay = f"{prefix_lay} {lay}"
            return lay, _article(entry.article), "lexicon-compound"
        # Dutch compound of known parts, e.g. nier + steen
        root = self._root(word)
        if root:
            return root[0], root[1], "lexicon-word"
        return None

    def _split_compound_root(self, stem: str) -> tuple[str, str] | None:
        for i in range(len(stem) - 2, 1, -1):
            left, right = self._root(stem[:i]), self._root(stem[i:])
            if left and right:
                return _compound(left[0], right[0]), right[1]
        return None

    def _compose(self, key: str) -> tuple[str, float, str]:
        tokens = key.split()
        pre_q, post_q, parts = [], [], []
        how = []
        # "X van (de) Y": lexicon heads with an {x} slot, else "X van de Y"
        if " van " in f" {key} ":
            left, _, right = key.partition(" van ")
            right = re.sub(r"^(de|het|een) ", "", right)
            lhs = self._compose_simple(left)
            rhs = self._compose_simple(right)
            if lhs and rhs:
                l_lay, l_conf, l_art = lhs
                r_lay, r_conf, r_art = rhs
                core_left, _ = self._split_qualifiers(left.split())
                head = self.lexicon.heads.get(left) or self.lexicon.heads.get(" ".join(core_left))
                if head:
                    x = r_lay.replace(" ", "") if head.lay.startswith("{x}") else r_lay
                    lay = head.lay.replace("{x}", x)
                else:
                    lay = f"{l_lay} van {r_art} {r_lay}"
                return lay, min(l_conf, r_conf) * 0.9, ""
        res = self._compose_simple(key)
        if not res:
            return "", 0.0, ""
        return res[0], res[1], ""

    def _compose_simple(self, key: str) -> tuple[str, float, str] | None:
        tokens = key.split()
        whole = self._word(key) if len(tokens) > 1 else None
        if whole:
            return whole[0], CONF[whole[2]], whole[1]
        core, _ = self._split_qualifiers(tokens)
        core_key = " ".join(core)
        pre, post, lay_core, conf, art = [], [], [], 1.0, "de"
        if core_key and len(core) > 1 and self._word(core_key):
            lay, art, how = self._word(core_key)
            lay_core, conf = [lay], CONF[how]
            done = set(core)
        else:
            done = set()
        unknown = 0
        tokens = self._phrases(tokens) if not done else tokens
        for t in tokens:
            if " " in t:
                w = self._word(t)
                lay_core.append(w[0])
                art = w[1]
                conf = min(conf, CONF[w[2]])
            elif t in self.lexicon.qualifiers:
                q = self.lexicon.qualifiers[t]
                (post if q.article == "post" else pre).append(q.lay)
            elif t in done:
                continue
            elif _NUMBER.match(t) or t == "type":
                post.append(t)
            else:
                w = self._word(t)
                if w:
                    lay_core.append(w[0])
                    art = w[1]
                    conf = min(conf, CONF[w[2]])
                else:
                    lay_core.append(t)
                    unknown += 1
        if not lay_core:
            return None
        core_tokens = [t for t in tokens if t not in self.lexicon.qualifiers and t not in done]
        if (not unknown and len(core_tokens) == 2 and len(lay_core) == 2 and core_tokens[1] in self.lexicon.roots
                and core_tokens[0] not in self.lexicon.roots and " " not in lay_core[0] and " " not in lay_core[1]):
            lay_core = [_compound(lay_core[1], lay_core[0])]
        if unknown == len(lay_core):
            return None
        if unknown:
            conf = min(conf, CONF["lexicon-partial"])
        # adjective agreement: a het-word head takes the bare adjective (acuut hartinfarct)
        pre = [_agree(a, art) for a in pre]
        # "type 2" stays together after the noun; sides and "aan beide kanten" after it too
        lay = " ".join(pre + lay_core + post)
        return lay, conf, art

    def _explain(self, key: str, lay: str) -> str:
        """A short B1 sentence where the morphology of the main word says what it is."""
        words = [w for w in key.split() if w not in self.lexicon.qualifiers]
        word = words[-1] if words else ""
        templates = (("itis", "Een ontsteking van {a} {r}."), ("ectomie", "Een operatie waarbij de arts {a} {r} weghaalt."),
                     ("scopie", "Een onderzoek waarbij de arts met een slangetje met camera in {a} {r} kijkt."),
                     ("algie", "Pijn in {a} {r}."), ("megalie", "{A} {r} is groter dan normaal."))
        for suffix, sentence in templates:
            if word.endswith(suffix) and len(word) > len(suffix) + 1:
                root = self._root(word[: -len(suffix)])
                if root:
                    art = _article(root[1])
                    return sentence.replace("{a}", art).replace("{A}", art.capitalize()).replace("{r}", root[0])
        return ""

    def _phrases(self, tokens: list[str]) -> list[str]:
        """Join the longest known multi-word phrases (diabetes mellitus, vesica urinaria) into one token."""
        out, i = [], 0
        while i < len(tokens):
            for j in range(min(len(tokens), i + 4), i + 1, -1):
                phrase = " ".join(tokens[i:j])
                if phrase in self.learned or phrase in self.lexicon.words or phrase in self.lexicon.roots:
                    out.append(phrase)
                    i = j
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    # --- public ---------------------------------------------------------------------------
    def suggest_one(self, term: str) -> tuple[str, str, float, str]:
        """(suggestion, explanation, confidence, origin) for one clinical term."""
        key = normalise(term)
        hit = self.exact.get(key)
        if hit:
            return hit[0], hit[1], CONF["tm-exact"], "tm-exact"
        fuzzy = self._fuzzy_carry(key)
        if fuzzy:
            return fuzzy[0], "", fuzzy[1], "tm-fuzzy"
        lay, conf, _ = self._compose(key)
        if lay and normalise(lay) != key or (lay and conf >= CONF["lexicon-learned"]):
            return lay, self._explain(key, lay), round(conf, 3), "lexicon"
        return term, "", CONF["none"], "none"

    def _fuzzy_carry(self, key: str) -> tuple[str, float] | None:
        """Same core as a TM term without qualifiers: reuse its patient term, carry qualifiers over."""
        tokens = key.split()
        core, quals = self._split_qualifiers(tokens)
        if quals and " ".join(core) in self.core_index:
            patient = self.core_index[" ".join(core)][0]
            pre, post = [], []
            for q in quals:
                e = self.lexicon.qualifiers[q]
                if e.lay != "-":
                    (post if e.article == "post" else pre).append(e.lay)
            art = self._lay_article(patient)
            pre = [_agree(a, art) for a in pre] if art else pre
            return " ".join(pre + [patient] + post), CONF["tm-fuzzy"]
        return None

    def _fuzzy_numbers(self, keys: list[str]) -> dict[int, tuple[str, float]]:
        """Batch: a TM term equal but for one number/type token -> swap that token in its patient term."""
        out: dict[int, tuple[str, float]] = {}
        if not keys or not self.tm_keys:
            return out
        shape = lambda k: " ".join("#" if _NUMBER.match(t) else t for t in k.split())
        tm_by_shape: dict[str, list[str]] = defaultdict(list)
        for k in self.tm_keys:
            if any(_NUMBER.match(t) for t in k.split()):
                tm_by_shape[shape(k)].append(k)
        for i, k in enumerate(keys):
            cands = tm_by_shape.get(shape(k))
            if not cands:
                continue
            tm_key = cands[0]
            patient = self.exact[tm_key][0]
            new_nums = [t for t in k.split() if _NUMBER.match(t)]
            old_nums = [t for t in tm_key.split() if _NUMBER.match(t)]
            for old, new in zip(old_nums, new_nums):
                patient = re.sub(rf"\b{re.escape(old)}\b", new, patient, count=1)
            out[i] = (patient, CONF["tm-fuzzy-number"])
        return out

    def _fuzzy_near(self, keys: list[str], workers: int = 1) -> dict[int, tuple[str, float]]:
        """Batch: near-identical spelling of a TM term (oesophagitis/oesofagitis, gastro-enteritis/
        gastroenteritis). Blocked on the first two letters, then one rapidfuzz cdist per block."""
        out: dict[int, tuple[str, float]] = {}
        blocks: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(keys):
            if k and len(k) >= 6:
                blocks[k[:2]].append(i)
        if not hasattr(self, "_tm_blocks"):
            self._tm_blocks: dict[str, list[str]] = defaultdict(list)
            for k in self.tm_keys:
                self._tm_blocks[k[:2]].append(k)
        for block, idx in blocks.items():
            cands = self._tm_blocks.get(block)
            if not cands:
                continue
            for start in range(0, len(idx), 4096):
                chunk = idx[start:start + 4096]
                scores = process.cdist([keys[i] for i in chunk], cands, scorer=fuzz.ratio,
                                       score_cutoff=self.fuzzy_cutoff, workers=workers)
                best = scores.argmax(axis=1)
                for row, i in enumerate(chunk):
                    score = scores[row, best[row]]
                    if score >= self.fuzzy_cutoff and _same_numbers(keys[i], cands[best[row]]):
                        out[i] = (self.exact[cands[best[row]]][0], round(0.5 + 0.3 * (score - self.fuzzy_cutoff) / (100 - self.fuzzy_cutoff), 3))
        return out

    def suggest(self, work: pl.DataFrame, workers: int = 1) -> pl.DataFrame:
        terms = work["term"].cast(pl.Utf8).fill_null("").to_list()
        keys = [normalise(t) for t in terms]
        numbers = self._fuzzy_numbers([k if k not in self.exact else "" for k in keys])
        cache: dict[str, tuple[str, str, float, str]] = {}
        rows = []
        for i, (term, key) in enumerate(zip(terms, keys)):
            if i in numbers and key not in self.exact:
                rows.append((numbers[i][0], "", numbers[i][1], "tm-fuzzy"))
                continue
            if key not in cache:
                cache[key] = self.suggest_one(term)
            rows.append(cache[key])
        # spelling variants of a TM term beat a low-confidence composition
        weak = [i for i, r in enumerate(rows) if r[3] in ("none",) or (r[3] == "lexicon" and r[2] < 0.5)]
        near = self._fuzzy_near([keys[i] for i in weak], workers=workers)
        for j, (patient, conf) in near.items():
            rows[weak[j]] = (patient, "", conf, "tm-fuzzy")
        sugg, expl, conf, origin = (list(c) for c in zip(*rows)) if rows else ([], [], [], [])
        return work.with_columns(
            pl.Series("suggestion", sugg, dtype=pl.Utf8),
            pl.Series("explanation", expl, dtype=pl.Utf8),
            pl.Series("confidence", conf, dtype=pl.Float64),
            pl.Series("origin", origin, dtype=pl.Utf8),
        )


def _same_numbers(a: str, b: str) -> bool:
    """type 1 and type 2 are different concepts: near matches must agree on every number."""
    return [t for t in a.split() if t.isdigit()] == [t for t in b.split() if t.isdigit()]


def _agree(adjective: str, article: str) -> str:
    """acute/acuut, chronische/chronisch: het-words take the bare form, de-words the -e form."""
    bare = {"acute": "acuut", "chronische": "chronisch", "subacute": "subacuut", "ernstige": "ernstig",
            "primaire": "primair", "secundaire": "secundair", "totale": "totaal", "lichte": "licht",
            "steeds terugkerende": "steeds terugkerend", "kwaadaardige": "kwaadaardig",
            "goedaardige": "goedaardig", "gedeeltelijke": "gedeeltelijk"}
    inflected = {v: k for k, v in bare.items()}
    if article == "het":
        return bare.get(adjective, adjective)
    return inflected.get(adjective, adjective)




def suggest_offline(work: pl.DataFrame, tm: pl.DataFrame, lexicon: Lexicon | None = None, **opts) -> pl.DataFrame:
    """Proposals frame: work + suggestion, explanation, confidence, origin.

    `lexicon`: a Lexicon, a list of TSV paths, or None for pipeline/lexicon/*.tsv.
    opts: fuzzy_cutoff (rapidfuzz ratio for spelling variants, default 90), workers (cdist threads)."""
    workers = opts.pop("workers", 1)
    if lexicon is not None and not isinstance(lexicon, Lexicon):
        lexicon = Lexicon.load(lexicon)
    return OfflineSuggester(tm, lexicon=lexicon, **opts).suggest(work, workers=workers)
