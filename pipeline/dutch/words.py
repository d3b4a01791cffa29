"""Which words a lay reader will not know, and which words are English rather than Dutch.

Judged per distinct word (a batch of 380k proposals has far fewer distinct words), so the
per-word Python here never runs per row. Word frequency (wordfreq, Dutch) is only a start: a
compound whose parts are common words is lay ("blindedarmontsteking" = blinde+darm+ontsteking),
words in the TM's patient terms are lay by definition, a hand list protects lay terms that
frequency underrates ("strontje"), and medical Latin/Greek morphemes mark what stays jargon.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Concepts lay Dutch says in more than one way; two of one group in a text say it twice ("bij een te
# vroeg geboren baby na een vroeggeboorte").
SAME_CONCEPT = (re.compile(r"\bte vroeg(?:e)? (?:geboren|geboorte)\b|\bvroeggeboorte\b|\bprematuriteit\b"),
                re.compile(r"\bbij (?:de |een )?(?:bevalling|geboorte|partus|baring)\b"))

# Medical Latin/Greek: endings and stems a B1 reader does not decode ("-itis", "hepat-", "cardi-").
MEDICAL_MORPHEMES = re.compile(
    r"(itis|itiden|osis|oses?|oom|omen|emie|iëmie|ectomie|otomie|ostomie|scopie|grafie|algie|pathie|patie|"
    r"plasie|trofie|penie|rragie|rroe|lyse|ïdie|iasis|ectasie|stase|pnoe|fagie|fasie|plegie|parese|cytose|"
    r"megalie|ptose|cele|oïd|oïde|urie|tomie|plastiek|pexie|centese|stomie|itisch|otisch|emisch|ose)$"
    r"|^(hyper|hypo|dys|brady|tachy|myo|cardi|hepat|nefr|nephr|gastr|pneum|oste|arthr|derm|neur|enceph|"
    r"cephal|haem|hema|angi|hyster|onco|carcin|leuk|erythr|thromb|cyt|pulmon|ventric|vesic|neoplas|malign|"
    r"benign|fractu|ruptu|lith|stenos|insuffic|ulcus|syndroo|anomal|dilatat|infarc|laesie|necros)"
    r"|(cardi|hepat|nefr|gastr|pneum|arthr|enceph|colitis|cystitis|neoplasm|carcinoom|sarcoom|lithiasis)"
)
# Latin inflection (uterus, intestinum, uteri, cerebri, lateralis, calvaria, partu) and Latin/Greek
# prefixes (intraveneus, perinatale, multiorgaanfalen): jargon unless Dutch text uses the word often.
LATIN_FORM = re.compile(r"(us|um|ae|ii|is|ia|orum|arum|ei|ea|ans|ens|partu|ri|li|ni|ti|ci|di|ium)$")
LATIN_PREFIX = re.compile(r"^(intra|extra|peri|para|supra|infra|endo|epi|multi|poly|inter|trans|retro|ante|"
                          r"neo|pseudo|hemi|contra|oligo|hydro|micro|macro|dia|meta|pre|post|sub)")
LINKING = ("", "s", "e", "en")
# Why a word is jargon (codes; the Dutch text is flags.jargon.why.<code> in the message catalogue).
JARGON_REASONS = ("lexicon", "english", "latin-greek", "clinical-only", "rare")
DIMINUTIVE = ("je", "tje", "pje", "etje", "kje")


def _read_list(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def lay_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_list("lay_words.txt"))


@lru_cache(maxsize=1)
def known_abbreviations() -> frozenset[str]:
    return frozenset(_read_list("abbreviations.txt"))


@lru_cache(maxsize=1)
def latin_words() -> frozenset[str]:
    """Latin words Dutch text uses often ("situ", "utero", "novo") that stay jargon in a term."""
    return frozenset(_read_list("latin_words.txt"))


@lru_cache(maxsize=1)
def eponyms() -> frozenset[str]:
    return frozenset(_read_list("eponyms.txt"))


@lru_cache(maxsize=1)
def proper_words() -> frozenset[str]:
    """Words Dutch always capitalises ("Japanse", "Nederlandse", "Afrika"), as written: a term's
    first word among them is a name, not sentence case (`data/proper_words.txt`)."""
    return frozenset(_read_list("proper_words.txt"))


@lru_cache(maxsize=2)
def _frequencies(lang: str) -> dict[str, float]:
    import wordfreq
    return wordfreq.get_frequency_dict(lang)


@lru_cache(maxsize=1 << 18)  # pure (wordfreq's tables never change); asked ~30 times per term
def zipf(word: str, lang: str = "nl") -> float:
    freq = _frequencies(lang).get(word, 0.0)
    return round(math.log10(freq * 1e9), 2) if freq > 0 else 0.0


class WordJudge:
    """Judges single lower-case words: does a lay reader (B1) know this word?

    In order: words of the TM's patient terms and of the curated lay list are lay; words the
    curated lexicon translates are jargon unless Dutch uses them very often ("mamma" is not
    "mama" here); medical Latin/Greek morphemes, Latin inflections and Latin prefixes mark jargon
    unless the word is common; then a common word (wordfreq zipf ≥ `common_zipf`) or a compound
    of common words ("hielprik", "navelstrengstomp") is lay; a word only the TM's clinical terms
    use, or a rare word (zipf < `rare_zipf`), is jargon.
    """

    def __init__(self, lay_vocabulary: set[str] | frozenset[str] = frozenset(),
                 clinical_vocabulary: set[str] | frozenset[str] = frozenset(),
                 common_zipf: float = 3.0, part_zipf: float = 3.0, rare_zipf: float = 2.5,
                 lexicon_words: set[str] | frozenset[str] = frozenset()):
        self.lay = set(lay_vocabulary) | lay_words()
        # Words used in TM clinical terms but never in TM patient terms: clinical vocabulary.
        self.clinical_only = set(clinical_vocabulary) - self.lay
        self.lexicon_words = set(lexicon_words) - self.lay
        self.common_zipf = common_zipf
        self.part_zipf = part_zipf
        self.rare_zipf = rare_zipf
        self._split_cache: dict[str, bool] = {}
        self._reason_cache: dict[str, str | None] = {}

    def _known_part(self, part: str) -> bool:
        """A compound part a lay reader knows: a lay word, a noun helder knows the gender of, or a
        common Dutch word of four letters or more (short strings are too often names or English)."""
        if len(part) < 3 or part in self.lexicon_words or LATIN_PREFIX.match(part) and len(part) <= 5:
            return False
        if part in self.lay:
            return True
        if MEDICAL_MORPHEMES.search(part):
            return False
        from pipeline.dutch.grammar import known_noun
        if known_noun(part):
            return True
        return len(part) >= 4 and zipf(part) >= self.part_zipf and not is_english(part)

    def _ends_in_lay(self, word: str) -> bool:
        """True when a lay word of four letters or more ends `word` ("darmsyndroom": "syndroom")."""
        return any(word[k:] in self.lay for k in range(1, len(word) - 3))

    def is_lay_compound(self, word: str) -> bool:
        """True when `word` splits into two or more known lay parts (with Dutch linking letters),
        none of them Latin/Greek or a word the lexicon translates."""
        if word in self._split_cache:
            return self._split_cache[word]
        n = len(word)
        # best[i]: the prefix word[:i] splits into this many known parts (0 = no split found).
        best = [0] * (n + 1)
        reachable = [False] * (n + 1)
        reachable[0] = True
        for i in range(n):
            if not reachable[i]:
                continue
            for j in range(i + 3, n + 1):
                if self._known_part(word[i:j]):
                    for link in LINKING:
                        k = j + len(link)
                        if k <= n and word[j:k] == link:
                            reachable[k] = True
                            best[k] = max(best[k], best[i] + 1)
        ok = reachable[n] and best[n] >= 2
        if not ok:
            for suffix in DIMINUTIVE:
                stem = word[: -len(suffix)]
                if word.endswith(suffix) and len(stem) >= 3 and (self._known_part(stem) or self.is_lay_compound(stem)):
                    ok = True
                    break
        self._split_cache[word] = ok
        return ok

    def is_lay(self, word: str) -> bool:
        return self.jargon_reason(word) is None

    def jargon_reason(self, word: str) -> str | None:
        """Why `word` (lower case letters) is jargon — a code of JARGON_REASONS — or None when a
        lay reader knows it."""
        if word in self._reason_cache:
            return self._reason_cache[word]
        why = self._reason(word)
        self._reason_cache[word] = why
        return why

    def _reason(self, word: str) -> str | None:
        if word in self.lay or len(word) < 4 or not word.isalpha() or re.fullmatch(r"[ivx]+[a-c]?", word):
            return None  # ... a stage ("IIIA") is a number
        z = zipf(word)
        if word in self.lexicon_words and z < 4.5:
            return "lexicon"
        if word in latin_words():
            return "latin-greek"
        if is_english(word) and (z < 3.5 or z < 4.0 and zipf(word, "en") - z >= 1.4):
            # "frozen shoulder", "pressure": English, not medical Latin; "wide", "small", "low" are
            # common in Dutch text only as English (loans a patient knows are in lay_words.txt)
            return "english"
        if z < 3.5 and MEDICAL_MORPHEMES.search(word) and not (self._ends_in_lay(word) and self.is_lay_compound(word)):
            # a compound of lay words may end in a lay word that looks Greek ("darmsyndroom"); the
            # split is only tried when it does (it is the costly part of judging a word)
            return "latin-greek"
        prefix = LATIN_PREFIX.match(word) if z < 3.5 else None
        if prefix and not self.is_lay_compound(word) and zipf(word[prefix.end():]) < 4.0:
            # (a Dutch word after a look-alike prefix is a compound of Dutch words: "postadres",
            # "subsidie"-like loans aside, "post" + "adres" is mail, not Latin "after")
            return "latin-greek"
        shape = re.match(r"(.{3,}?)vormige?$", word)
        if shape and (self._known_part(shape.group(1)) or self.is_lay_compound(shape.group(1))):
            return None  # "bootvormig", "stervormige": shaped like a lay thing
        if z < self.common_zipf and LATIN_FORM.search(word) and not self.is_lay_compound(word):
            return "latin-greek"
        if z >= self.common_zipf or self.is_lay_compound(word):
            return None
        # inflected forms of common words: "bloederige" (bloederig), "samenwonend" (samenwonen)
        # and plurals and -heid nouns of lay words: "oprispingen", "poliepen", "verwardheid", "roodheid"
        for variant in {word[:-1] if word.endswith(("e", "nd", "s")) else "", word[:-2] if word.endswith(("de", "en")) else "",
                        word[:-4] if word.endswith("heid") else ""} - {""}:
            if len(variant) >= 4 and (zipf(variant) >= self.common_zipf or variant in self.lay or self.is_lay_compound(variant)):
                return None
        if word in self.clinical_only and z < 3.5:
            return "clinical-only"
        if z < self.rare_zipf:
            return "rare"
        return None


def is_english(word: str) -> bool:
    """A word far more frequent in English than in Dutch ("the", "blood", "pressure")."""
    en = zipf(word, "en")
    return en >= 3.0 and en - zipf(word, "nl") >= 1.0


@lru_cache(maxsize=1 << 16)  # pure: word frequencies only, asked per word of every term
def englishish(word: str) -> bool:
    """A word that may be English in a run of English: clearly English (`is_english`), or at least
    as common in English text as in Dutch ("body", "mass", "index")."""
    en = zipf(word, "en")
    return is_english(word) or (en >= 2.5 and en >= zipf(word))


def english_runs(text: str, lay: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The runs of English in `text` (lower-cased): two or more English-looking words in a row of
    which at least two are clearly English ("postal address", "breast fed", "malnutrition universal
    screening tool"), or a text that is one clearly English word ("good"). A run of words all in
    `lay` (loans a patient knows, "intensive care") is no English to flag. Same rule as the
    tokenizer's English names (`pipeline.offline.tokens`)."""
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) == 1:
        w = words[0]
        return [w] if len(w) >= 3 and w not in lay and is_english(w) and zipf(w, "en") - zipf(w) >= 1.4 else []
    runs, run = [], []
    for w in words + [""]:
        if w and englishish(w):
            run.append(w)
            continue
        if len(run) >= 2 and sum(is_english(x) for x in run) >= 2 and not all(x in lay for x in run):
            runs.append(" ".join(run))
        run = []
    return runs
