"""Checks every proposal against the translation memory (TM) and against plain-language rules.

`check(proposals, tm, settings)` adds `flags` (";"-joined codes), `flagDetails` (JSON list of
{code, severity, reason, related}) and `similar` (JSON list of the nearest TM entries). `Checker`
prepares the TM indexes once so the nightly run can check chunk after chunk.

Built for 380k proposals against 15k TM terms on two cores: text rules are polars expressions
over whole columns; identical proposals are scored once; TM similarity for a small TM is one
rapidfuzz `cdist` per chunk of distinct proposals (uint8 scores, score_cutoff, all workers), and
from `blocking_min_tm` TM terms on only candidate pairs are scored (`cpdist`): pairs whose word
multisets agree with up to two words changed on either side (near-duplicates, so conflicts), and
pairs sharing a proposal's rarest words (more neighbours for `similar`). TM pairs for
consistency come from exact joins on token keys, never from a loop over pairs; per-word
judgements run once per distinct word.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from pipeline import jargon

FLAGS: dict[str, tuple[str, str]] = {
    "tm-conflict": ("error", "The proposal equals or nearly equals the patient-friendly term of another concept."),
    "tm-inconsistent": ("warning", "A near-identical clinical term in the TM was rendered differently."),
    "lost-qualifier": ("error", "The clinical term says a side, course, type, stage, number or the like, and the proposal does not."),
    "jargon": ("warning", "Words a lay reader will not know (medical Latin/Greek, rare words, unexplained abbreviations)."),
    "too-long": ("warning", "The proposal is longer than a patient-friendly term should be."),
    "format": ("warning", "Spacing, capitals or punctuation do not follow Dutch term conventions."),
    "same-as-source": ("info", "The proposal is the clinical term itself."),
    "duplicate-in-batch": ("warning", "Another concept in the same batch got the same proposal."),
    "unsafe-output": ("error", "Markup, control characters, links, instructions or text that is not Dutch."),
    "stale-source": ("warning", "The clinical term changed after the proposal was made."),
    "llm-failed": ("warning", "The LLM gave no usable answer; the offline proposal is shown."),
}
ORDER = {code: i for i, code in enumerate(FLAGS)}


@dataclass
class CheckSettings:
    """Thresholds; config section `[checks]` overrides these defaults key by key."""
    conflict_ratio: float = 92.0      # ratio/token_sort_ratio (0..100) at which two patient terms are "the same"
    inconsistent_ratio: float = 80.0  # below this the shared part is rendered differently
    max_length: int = 60              # characters
    max_words: int = 10
    jargon_zipf: float = 3.0          # Dutch zipf frequency at which a word is common
    jargon_part_zipf: float = 2.5     # ... at which a compound's part is common
    jargon_rare_zipf: float = 1.0     # below this a word without lay parts is jargon even without morphemes
    similar_limit: int = 5
    similar_cutoff: float = 70.0      # TM entries scoring below this are not "similar" (also bounds the work)
    chunk_size: int = 2000            # distinct proposals per cdist block (x TM size uint8 bytes)
    workers: int = -1
    blocking_min_tm: int = 5000       # from this TM size on, score only blocked candidate pairs (0: never)
    blocking_budget: int = 60         # ... plus pairs sharing a proposal's rarest word keys, up to this many TM postings
    blocking_max_postings: int = 1000 # ... ignoring token-set keys shared by more TM entries than this
    blocking_core_postings: int = 100 # ... and content-word-set keys shared by more TM entries than this
    block_size: int = 20000           # distinct proposals per blocked join

    @classmethod
    def from_any(cls, settings: "CheckSettings | dict | None") -> "CheckSettings":
        if isinstance(settings, CheckSettings):
            return settings
        if settings is None:
            from terms.config import load_config
            settings = load_config().get("checks", {}) or {}
        out = cls()
        for f in fields(cls):
            if f.name not in settings:
                continue
            value = settings[f.name]
            try:
                if isinstance(value, bool):
                    raise TypeError
                cast = int(value) if f.type in ("int", int) and float(value) == int(value) else float(value)
                if f.type in ("int", int):
                    cast = int(cast)
            except (TypeError, ValueError):
                raise ValueError(f"[checks] {f.name}: expected a number, got {value!r}") from None
            if cast < 0 and f.name != "workers":
                raise ValueError(f"[checks] {f.name}: must not be negative, got {value!r}")
            setattr(out, f.name, cast)
        return out


# --- vocabularies -----------------------------------------------------------------------------

STOPWORDS = ["van", "de", "het", "der", "des", "een", "met", "door", "in", "op", "aan", "bij", "en", "of",
             "na", "voor", "tijdens", "zonder", "ten", "gevolge", "als", "gevolg", "t.g.v.", "tgv", "ter", "om"]

# Clinical qualifiers: (label, regex on the normalised clinical term, regex a proposal keeps it with).
QUALIFIERS: list[tuple[str, str, str]] = [
    ("side", r"\b(links|linker\w*|sinist\w*)", r"\blink|\bsinist"),
    ("side", r"\b(rechts|rechter\w*|dext\w*)", r"\brecht|\bdext"),
    ("both sides", r"\b(bilatera\w*|beiderzijd\w*|dubbelzijd\w*|bilat)\b",
     r"bilatera|beiderzijd|dubbelzijd|\bbeide|\bdubbel|\btwee(?:\w*)?\s*kanten|aan twee kanten|tweezijdig"),
    ("one side", r"\b(unilatera\w*|eenzijd\w*)", r"unilatera|eenzijd|\béén kant|\been kant|\baan één"),
    ("course", r"\bsubacu\w*", r"subacu|vrij plotseling|vrij snel|enkele weken"),
    ("course", r"\bacu(?:ut|te|ta|tus|tum)\b", r"\bacu|plotseling|\bplots|opeens|ineens|snel opkomend"),
    ("course", r"\bchronis\w*|\bchron\b", r"chronis|langdurig|blijvend|aanhoudend|lang durend|langer durend|slepend"),
    ("course", r"\brecidiv\w*|\brecurr\w*|\brecurrent\w*", r"recidiv|recurr|terugker|steeds terug|weer terug|telkens|herhaald|opnieuw"),
    ("course", r"\bintermitter\w*", r"intermitter|af en toe|met tussenpozen|komt en gaat|wisselend"),
    ("congenital", r"\baangebor\w*|\bcongenit\w*", r"aangebor|geboorte|congenit|erfelijk"),
    ("type", r"\btype\b", r"\btype|\bsoort|\bvorm"),
    ("stage", r"\bstadium\b|\bstage\b", r"stadium|\bfase|\bstage"),
    ("grade", r"\bgraad\b|\bgradus\b", r"graad|\bernst|\bmate"),
    ("grade", r"\bklasse\b", r"klasse|\bgraad"),
]
QUALIFIER_WORDS = (
    r"links|linker\w*|rechts|rechter\w*|sinist\w*|dext\w*|bilatera\w*|beiderzijd\w*|dubbelzijd\w*|unilatera\w*|"
    r"eenzijd\w*|acu(?:ut|te|ta|tus|tum)|subacu\w*|chronis\w*|recidiv\w*|recurr\w*|intermitter\w*|aangebor\w*|"
    r"congenit\w*|type|stadium|graad|klasse|fase|plotseling\w*|langdurig\w*|terugkerend\w*|beide|dubbele?|"
    r"kant|kanten|aan|\d+|i{1,3}|iv|v|vi{1,3}|[a-d]"
)
ROMAN = [("iv", "4"), ("iii", "3"), ("ii", "2"), ("vi", "6"), ("v", "5"), ("i", "1")]
NUMBER_WORDS = [("twee", "2"), ("drie", "3"), ("vier", "4"), ("vijf", "5"), ("zes", "6")]

CONTROL = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]"
MARKUP = r"<\s*/?\s*[a-zA-Z!][^>]*>|<\s*/?\s*script|&[a-zA-Z#][a-zA-Z0-9]*;|\{\{|\}\}|```|\[[^\]]*\]\([^)]*\)|javascript:|\*\*|__"
URL = r"(?i)https?://|\bwww\.|\b[\w-]+\.(com|nl|org|net|io|ai|be|eu|info)\b|\bmailto:|@[\w-]+\.\w+"
INSTRUCTION = (
    r"(?i)\b(ignore|negeer|vergeet|disregard|forget)\b.{0,40}\b(previous|prior|above|earlier|all|instructions?|"
    r"vorige|eerdere|bovenstaande|alle|instructies?|opdracht)\b|system\s*prompt|systeemprompt|\bprompt\b|"
    r"\byou are (now )?(a|an|chatgpt|the)\b|\bas an ai\b|\bals (een )?(ai|taalmodel)\b|language model|taalmodel|"
    r"\b(assistant|system|user)\s*:|<\|[a-z_]+\|>|\bjailbreak\b|\bi (cannot|can't|am unable)\b|"
    r"\bik kan (je|u) (daar )?niet (mee )?helpen\b|\bsorry\b|\bhere is\b|\bhere's\b|\binstructions?\b"
)
ENGLISH_MARKERS = ["the", "and", "with", "you", "your", "this", "that", "please", "cannot", "here", "what",
                   "which", "is", "are", "of", "for", "to", "it", "my", "i"]
WORD = r"[\p{L}][\p{L}\d]*(?:['’][\p{L}]+)?"


def _norm(expr: pl.Expr) -> pl.Expr:
    """Compare form, as terms.text.normalise: NFC, lower case, single spaces, no surrounding punctuation."""
    return (expr.fill_null("").str.normalize("NFC").str.to_lowercase()
            .str.replace_all(r"\s+", " ").str.strip_chars(" .,;:!?\"'"))


def _tokens(expr: pl.Expr) -> pl.Expr:
    """Words of a normalised text without Dutch function words (a list column)."""
    return expr.str.extract_all(r"[\p{L}\d]+").list.eval(pl.element().filter(~pl.element().is_in(STOPWORDS)))


def _sorted_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.extract_all(r"[\p{L}\d]+").list.sort().list.join(" ")


def _numbers(expr: pl.Expr, with_words: bool = False) -> pl.Expr:
    """Numbers in a normalised text, roman numerals after type/stage/grade read as digits."""
    for roman, digit in ROMAN:
        expr = expr.str.replace_all(rf"\b(type|stadium|graad|klasse|fase|groep|stage|graad) {roman}\b", rf"${{1}} {digit}")
    if with_words:
        for word, digit in NUMBER_WORDS:
            expr = expr.str.replace_all(rf"\b{word}\b", digit)
    return expr.str.extract_all(r"\d+").list.unique()


def _strip_qualifiers(expr: pl.Expr) -> pl.Expr:
    """A patient or clinical term without qualifier words and their lay equivalents: the shared part."""
    # Same as replace_all(rf"\b({QUALIFIER_WORDS})\b", " "): every alternative is word characters
    # only, so a match is always a whole run of them. Judging the runs one by one is ~100x faster
    # than the regex engine's search for that alternation (60 s → 0.5 s on 370k terms).
    whole_word = f"^({QUALIFIER_WORDS})$"
    runs = expr.str.extract_all(r"\w+|\W+")
    return (runs.list.eval(pl.when(pl.element().str.contains(whole_word)).then(pl.lit(" ")).otherwise(pl.element()))
            .list.join("")
            .str.replace_all(r"\b(plotselinge?|langdurige?|terugkerende?|chronische?|acute?|aan beide kanten|"
                             r"in beide \w+|vanaf de geboorte|aangeboren|linkse?|rechtse?)\b", " ")
            .str.replace_all(r"\s+", " ").str.strip_chars())


def _variants(tokens: pl.Expr, max_tokens: int = 8) -> list[pl.Expr]:
    """Keys of `tokens` with one or two tokens left out (for 'differs only by a qualifier or a site')."""
    out = []
    for i in range(max_tokens):
        out.append(pl.when(tokens.list.len() > max(i, 1))
                   .then(pl.concat_list(tokens.list.head(i), tokens.list.slice(i + 1)).list.join(" ")))
        for j in range(i + 1, min(max_tokens, 6)):
            out.append(pl.when(tokens.list.len() > max(j, 2))
                       .then(pl.concat_list(tokens.list.head(i), tokens.list.slice(i + 1, j - i - 1),
                                            tokens.list.slice(j + 1)).list.join(" ")))
    return out


def _distinguishing(expr: pl.Expr) -> pl.Expr:
    """Tokens that make two otherwise equal terms different things (numbers, sides, course), as one key."""
    return (expr.str.extract_all(r"[\p{L}\d]+")
            .list.eval(pl.element().filter(pl.element().str.contains(rf"^({QUALIFIER_WORDS})$")
                                           & ~pl.element().is_in(["aan", "kant", "kanten"])))
            .list.sort().list.join(" "))


def _token_set_keys(frame: pl.DataFrame, id_col: str, deletions: int = 2, min_left: int = 1) -> pl.DataFrame:
    """(id, key): a hash of each text's multiset of words, and of it with one or two words left out.

    Two texts that differ in at most two words on each side (a typo, a qualifier, "de"/"het", a word
    added or dropped) share a key. The key is a sum of word hashes, so leaving a word out is one
    subtraction and word order does not matter.
    """
    words = (frame.select(id_col, pl.col("text").str.split(" ").alias("w")).explode("w")
             .filter(pl.col("w").is_not_null() & (pl.col("w") != ""))
             .with_columns((pl.col("w").hash(seed=5) // 4096).alias("h"))  # 52 bits: sums of 4096 words never overflow
             .with_columns(pl.len().over(id_col).alias("n"), pl.int_range(pl.len()).over(id_col).alias("pos")))
    total = words.group_by(id_col).agg(pl.col("h").sum().alias("total"))
    keys = [total.select(id_col, pl.col("total").alias("key"))]
    words = words.join(total, on=id_col)
    if deletions >= 1:  # at least `min_left` words must remain
        keys.append(words.filter(pl.col("n") >= 1 + min_left).select(id_col, (pl.col("total") - pl.col("h")).alias("key")))
    if deletions >= 2:  # two left out, up to 12 words (66 keys)
        many = words.filter((pl.col("n") >= 2 + min_left) & (pl.col("n") <= 12)).select(id_col, "pos", "h", "total")
        keys.append(many.join(many.select(id_col, pl.col("pos").alias("pos2"), pl.col("h").alias("h2")), on=id_col)
                    .filter(pl.col("pos") < pl.col("pos2"))
                    .select(id_col, (pl.col("total") - pl.col("h") - pl.col("h2")).alias("key")))
    # A one-word text ("blindedarmontsteking") has no word to leave out: its keys are the word
    # with one letter left out, so a typo (one letter changed, added or dropped) still meets it.
    single = words.filter(pl.col("n") == 1).select(id_col, "w")
    if deletions >= 1 and min_left == 1 and single.height:
        at = single.with_columns(pl.int_ranges(0, pl.col("w").str.len_chars()).alias("i")).explode("i").drop_nulls("i")
        # the whole word too: it meets the other text's word with a letter left out
        variants = pl.concat([single.select(id_col, "w"),
                              at.select(id_col, (pl.col("w").str.slice(0, pl.col("i")) + pl.col("w").str.slice(pl.col("i") + 1)).alias("w"))])
        keys.append(variants.select(id_col, pl.col("w").hash(seed=6).alias("key")))
    return pl.concat(keys).unique()


def _core_words(frame: pl.DataFrame) -> pl.DataFrame:
    """`text` without qualifier words, numbers and function words: what a term is about."""
    content = pl.element().str.contains(f"^({QUALIFIER_WORDS})$") | pl.element().is_in(STOPWORDS)
    return frame.with_columns(pl.col("text").str.split(" ").list.eval(pl.element().filter(~content)).list.join(" "))


def _word_keys(frame: pl.DataFrame, id_col: str) -> pl.DataFrame:
    """(id, key) for each content word: the word, its first four letters, its last four letters."""
    words = (frame.select(id_col, pl.col("text").str.split(" ").alias("w")).explode("w")
             .filter((pl.col("w").str.len_chars() >= 3) & ~pl.col("w").is_in(STOPWORDS)))
    return (words.select(id_col, pl.concat_list(pl.lit("=") + pl.col("w"), pl.lit("<") + pl.col("w").str.slice(0, 4),
                                                pl.col("w").str.slice(-4) + pl.lit(">")).alias("key"))
            .explode("key").select(id_col, pl.col("key").hash(seed=8)).unique())


def _nonzero(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of the non-zero cells of a mostly-zero uint8 matrix.

    Scans 8 cells at a time (as uint64 words) and looks closer only at words with a hit.
    """
    flat = scores.reshape(-1)
    pad = (-flat.size) % 8
    if pad:
        flat = np.concatenate([flat, np.zeros(pad, np.uint8)])
    words = np.flatnonzero(flat.view(np.uint64))
    cells = (words[:, None] * 8 + np.arange(8)).reshape(-1)
    cells = cells[flat[cells] > 0]
    rows, cols = np.divmod(cells, scores.shape[1])
    return rows, cols, flat[cells]


def _quote(expr: pl.Expr) -> pl.Expr:
    return pl.lit("'") + expr + pl.lit("'")


class Checker:
    """The TM, indexed once; `check(proposals)` for each chunk of a batch."""

    def __init__(self, tm: pl.DataFrame, settings: CheckSettings | dict | None = None):
        self.settings = CheckSettings.from_any(settings)
        missing = {"conceptId", "term", "patientTerm"} - set(tm.columns)
        if missing:
            raise ValueError(f"TM: missing column(s) {', '.join(sorted(missing))}")
        tm = (tm.select(pl.col("conceptId").cast(pl.Utf8), pl.col("term").cast(pl.Utf8),
                        pl.col("patientTerm").cast(pl.Utf8))
              .filter(pl.col("patientTerm").is_not_null() & (pl.col("patientTerm").str.strip_chars() != "")))
        self.tm = tm.with_columns(
            _norm(pl.col("patientTerm")).alias("ptNorm"),
            _norm(pl.col("term")).alias("termNorm"),
        ).with_columns(
            _sorted_key(pl.col("ptNorm")).alias("ptSorted"),
            _tokens(pl.col("termNorm")).alias("termTokens"),
            _strip_qualifiers(pl.col("ptNorm")).alias("ptCore"),
        ).with_columns(
            pl.col("termTokens").list.join(" ").alias("termKey"),
        ).with_row_index("tmIdx")
        # TM patient terms ordered by length: a block of proposals of similar length is only scored
        # against the TM slice whose length can reach the score cutoff at all.
        lengths = self.tm["ptSorted"].str.len_chars().to_numpy()
        self._tm_order = np.argsort(lengths, kind="stable").astype(np.uint32)
        self._tm_len = lengths[self._tm_order]
        pt_sorted = self.tm["ptSorted"].to_list()
        self._pt_sorted_objects = np.array(pt_sorted, dtype=object)
        self._tm_len_by_idx = lengths
        self._tm_json = self.tm.select("tmIdx", pl.struct("conceptId", "term", "patientTerm").struct.json_encode()
                                       .str.strip_suffix("}").alias("json"))
        self._blocking_index: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None = None
        self._tm_by_len = [pt_sorted[i] for i in self._tm_order]
        words = lambda col: set(self.tm.select(pl.col(col).str.extract_all(r"\p{L}+").explode().drop_nulls().unique())
                                .to_series().to_list())
        lay_vocab = words("ptNorm")
        clinical_vocab = words("termNorm")
        self.judge = jargon.WordJudge(lay_vocab, clinical_vocab, self.settings.jargon_zipf,
                                      self.settings.jargon_part_zipf, self.settings.jargon_rare_zipf)
        cap = r"\b[\p{Lu}][\p{L}\d'’-]*"
        capitalised = set(pl.concat([self.tm["patientTerm"].str.extract_all(cap).explode(),
                                     self.tm["term"].str.extract_all(cap).explode()]).drop_nulls().to_list())
        self.allowed_capitals = sorted(capitalised | jargon.eponyms() | jargon.known_abbreviations())
        self.tm_abbreviations = sorted(w for w in capitalised if any(c.isupper() for c in w[1:]))
        self._tm_word_sets = _token_set_keys(self.tm.select("tmIdx", pl.col("termKey").alias("text")), "tmIdx",
                                             deletions=0).select("key").unique()
        # Inconsistency blocking: each TM clinical term under its own key, its qualifier-free core and
        # its keys with one or two tokens left out.
        core = _strip_qualifiers(pl.col("termKey"))
        self._tm_keys = pl.concat([
            self.tm.select("tmIdx", pl.col("termKey").alias("key"), pl.lit("same").alias("how")),
            self.tm.select("tmIdx", core.alias("key"), pl.lit("core").alias("how")),
            self.tm.select("tmIdx", pl.concat_list(_variants(pl.col("termTokens"))).alias("key"), pl.lit("wider").alias("how"))
            .explode("key"),
        ]).filter(pl.col("key").is_not_null() & (pl.col("key") != "")).unique(["tmIdx", "key", "how"])

    # --- the public entry point -----------------------------------------------------------------

    def check(self, proposals: pl.DataFrame) -> pl.DataFrame:
        for col in ("conceptId", "term", "suggestion"):
            if col not in proposals.columns:
                raise ValueError(f"proposals: missing column {col!r}")
        df = proposals.drop([c for c in ("flags", "flagDetails", "similar") if c in proposals.columns])
        if df.is_empty():
            return df.with_columns(pl.lit("").alias("flags"), pl.lit("[]").alias("flagDetails"), pl.lit("[]").alias("similar"))
        rows = df.select(
            pl.col("conceptId").cast(pl.Utf8),
            pl.col("term").cast(pl.Utf8).fill_null(""),
            pl.col("suggestion").cast(pl.Utf8).fill_null("").alias("raw"),
            (pl.col("explanation").cast(pl.Utf8).fill_null("") if "explanation" in df.columns else pl.lit("")).alias("expl"),
            (pl.col("previousTerm").cast(pl.Utf8) if "previousTerm" in df.columns else pl.lit(None, pl.Utf8)).alias("previousTerm"),
        ).with_row_index("row").with_columns(
            _norm(pl.col("raw")).alias("norm"), _norm(pl.col("term")).alias("termNorm"),
        ).with_columns(_sorted_key(pl.col("norm")).alias("sorted"))
        present = rows.filter(pl.col("norm") != "")

        similar, conflicts = self._similar_and_conflicts(present)
        found = [
            conflicts,
            self._inconsistent(present),
            self._lost_qualifier(present),
            self._jargon(present),
            self._too_long(present),
            self._format(present),
            self._same_as_source(present),
            self._duplicates(present),
            self._unsafe(rows),
            self._stale(rows),
            self._from_llm(df),
        ]
        found = pl.concat([f.select("row", "code", "reason", pl.col("related").cast(pl.List(pl.Utf8))) for f in found
                           if f is not None and not f.is_empty()], how="vertical") if any(
            f is not None and not f.is_empty() for f in found) else pl.DataFrame(
            schema={"row": pl.UInt32, "code": pl.Utf8, "reason": pl.Utf8, "related": pl.List(pl.Utf8)})
        severity = pl.col("code").replace_strict({c: s for c, (s, _) in FLAGS.items()}, return_dtype=pl.Utf8)
        per_row = (found.with_columns(pl.col("code").replace_strict(ORDER, return_dtype=pl.Int32).alias("order"),
                                      severity.alias("severity"))
                   .sort("row", "order")
                   .with_columns(pl.struct("code", "severity", "reason", "related").struct.json_encode().alias("detail"))
                   .group_by("row", maintain_order=True)
                   .agg(pl.col("code").unique(maintain_order=True).str.join(";").alias("flags"),
                        (pl.lit("[") + pl.col("detail").str.join(",") + pl.lit("]")).alias("flagDetails")))
        out = (rows.select("row").join(per_row, on="row", how="left").join(similar, on="row", how="left")
               .sort("row")
               .select(pl.col("flags").fill_null(""), pl.col("flagDetails").fill_null("[]"), pl.col("similar").fill_null("[]")))
        return pl.concat([df, out], how="horizontal")

    def _from_llm(self, df: pl.DataFrame) -> pl.DataFrame | None:
        """Flags the LLM path raised itself (`llmFlags`): an answer refused or missing and replaced
        by the offline proposal. The checker owns `flags`, so they are merged here with the rest."""
        if "llmFlags" not in df.columns:
            return None
        default = {c: r for c, (_, r) in FLAGS.items()}
        reason = pl.col("llmReason").cast(pl.Utf8) if "llmReason" in df.columns else pl.lit(None, pl.Utf8)
        return (
            df.select(pl.col("llmFlags").cast(pl.Utf8).fill_null("").str.split(";").alias("code"), reason.alias("reason"))
            .with_row_index("row").explode("code").filter(pl.col("code").is_in(list(FLAGS)))
            .with_columns(pl.when(pl.col("reason").fill_null("") == "")
                          .then(pl.col("code").replace_strict(default, return_dtype=pl.Utf8))
                          .otherwise(pl.col("reason")).alias("reason"),
                          related=pl.lit([], pl.List(pl.Utf8)))
        )

    # --- TM similarity: one cdist per block of distinct proposals --------------------------------

    def _similar_and_conflicts(self, present: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
        s = self.settings
        empty_similar = pl.DataFrame(schema={"row": pl.UInt32, "similar": pl.Utf8})
        if present.is_empty() or self.tm.is_empty():
            return empty_similar, None
        # Identical proposals are scored once: at SNOMED scale many proposals repeat.
        distinct = present.select("sorted").unique(maintain_order=True).with_row_index("u")
        limit = max(1, s.similar_limit)
        # A big TM is scored through blocking; a small one (or blocking switched off) fully by cdist.
        blocked = 0 < s.blocking_min_tm <= self.tm.height
        tops = self._blocked_pairs(distinct) if blocked else self._all_pairs(distinct)
        if not tops:
            return empty_similar, self._exact_conflicts(present)
        top = (pl.concat(tops).join(self.tm.select("tmIdx", "conceptId", "term", "patientTerm", "ptNorm"), on="tmIdx")
               .sort(["u", "score", "tmIdx"], descending=[False, True, False]))
        # Each TM entry is JSON-encoded once; a pair only appends its score.
        similar = (top.group_by("u", maintain_order=True).head(limit)
                   .join(self._tm_json, on="tmIdx")
                   .sort(["u", "score", "tmIdx"], descending=[False, True, False])
                   .with_columns((pl.col("json") + pl.lit(',"score":') + pl.col("score").cast(pl.Utf8) + pl.lit("}")).alias("j"))
                   .group_by("u", maintain_order=True)
                   .agg((pl.lit("[") + pl.col("j").str.join(",") + pl.lit("]")).alias("similar")))
        similar = (present.select("row", "sorted").join(distinct, on="sorted").join(similar, on="u")
                   .select("row", "similar"))

        # Near-equal candidates (cheap sorted-token score within 10 points) are rescored exactly.
        cand = (present.select("row", "conceptId", "norm", "sorted").join(distinct, on="sorted")
                .join(top.filter(pl.col("score") >= s.conflict_ratio - 10).select(
                    "u", "tmIdx", pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", "ptNorm"), on="u")
                .filter(pl.col("conceptId") != pl.col("tmConcept")))
        near = None
        if not cand.is_empty():
            a, b = cand["norm"].to_list(), cand["ptNorm"].to_list()
            best = np.maximum(process.cpdist(a, b, scorer=fuzz.ratio, workers=s.workers),
                              process.cpdist(a, b, scorer=fuzz.token_sort_ratio, workers=s.workers))
            # "type 1"/"type 2", "linker"/"rechter": close strings, different things — never a conflict.
            near = (cand.filter(pl.Series(best >= s.conflict_ratio))
                    .filter(_distinguishing(pl.col("norm")) == _distinguishing(pl.col("ptNorm"))))
        exact = self._exact_conflicts(present)
        # exact matches named first, then near ones; sorted because joins keep no order
        pairs = pl.concat([f.select("row", "tmConcept", "term", "patientTerm", pl.lit(rank).alias("rank"))
                           for rank, f in enumerate((exact, near)) if f is not None]).sort("row", "rank", "tmConcept")
        return similar, self._conflict_flags(pairs)

    def _keep_top(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Per proposal: the best few TM pairs for `similar`, and every pair close enough to be a conflict."""
        s = self.settings
        return (pairs.sort(["u", "score", "tmIdx"], descending=[False, True, False])
                .filter((pl.int_range(pl.len()).over("u") < max(s.similar_limit, 8))
                        | (pl.col("score") >= s.conflict_ratio - 10)))

    def _all_pairs(self, distinct: pl.DataFrame) -> list[pl.DataFrame]:
        """Every proposal against every TM patient term in its length band: one cdist per chunk."""
        s = self.settings
        queries = distinct["sorted"].to_list()
        qlen = distinct["sorted"].str.len_chars().to_numpy()
        c = max(min(s.similar_cutoff, 100.0), 1.0) / 100
        tops = []
        # Chunks keep a mix of lengths: rapidfuzz's SIMD scorers are faster on mixed chunks than on
        # length-sorted ones, so the length band below prunes only chunks that happen to be narrow.
        for start in range(0, len(queries), max(1, s.chunk_size)):
            block = queries[start:start + s.chunk_size]
            shortest, longest = qlen[start:start + len(block)].min(), qlen[start:start + len(block)].max()
            # ratio <= 2*min(len)/(len_a+len_b), so only this length band can reach the cutoff.
            lo = int(np.searchsorted(self._tm_len, np.floor(shortest * c / (2 - c)), "left"))
            hi = int(np.searchsorted(self._tm_len, np.ceil(longest * (2 - c) / c), "right"))
            if hi <= lo:
                continue
            scores = process.cdist(block, self._tm_by_len[lo:hi], scorer=fuzz.ratio, dtype=np.uint8,
                                   score_cutoff=s.similar_cutoff, workers=s.workers)
            qi, ti, values = _nonzero(scores)
            del scores
            if len(qi) == 0:
                continue
            tops.append(self._keep_top(pl.DataFrame({"u": (qi + start).astype(np.uint32),
                                                     "tmIdx": self._tm_order[ti + lo], "score": values})))
        return tops

    def _blocking(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """TM indexes for blocking, built on first use: token-set keys, content-word-set keys, word
        keys, word-key counts."""
        if self._blocking_index is None:
            s = self.settings
            text = self.tm.select("tmIdx", pl.col("ptSorted").alias("text"))
            sets = _token_set_keys(text, "tmIdx").filter(pl.len().over("key") <= max(1, s.blocking_max_postings))
            cores = (_token_set_keys(_core_words(text), "tmIdx", min_left=2)
                     .filter(pl.len().over("key") <= max(1, s.blocking_core_postings)))
            words = _word_keys(text, "tmIdx")
            self._blocking_index = (sets, cores, words, words.group_by("key").len("df"))
        return self._blocking_index

    def _blocked_pairs(self, distinct: pl.DataFrame) -> list[pl.DataFrame]:
        """TM pairs per distinct proposal, scoring only candidates instead of the whole TM:
        - TM terms whose words equal the proposal's with at most two words changed, added or left
          out on either side (near-duplicates: typos, a qualifier, word order);
        - the same on content words only (qualifiers, numbers and function words set aside), at
          least two of them left, for neighbours that also differ in a side, a type or a course;
        - TM terms sharing the proposal's rarest word keys (a word, or its first or last four
          letters), rarest first, up to `blocking_budget` TM entries per proposal (neighbours for
          `similar` that differ in more words)."""
        s = self.settings
        sets, cores, words, word_df = self._blocking()
        c = max(min(s.similar_cutoff, 100.0), 1.0) / 100
        # Strings as object arrays: gathering a pair's strings copies references, not text.
        queries = np.array(distinct["sorted"].to_list(), dtype=object)
        q_len = distinct["sorted"].str.len_chars().to_numpy()
        tm_text, tm_len = self._pt_sorted_objects, self._tm_len_by_idx
        tops = []
        for start in range(0, distinct.height, max(1, s.block_size)):
            block = distinct.slice(start, s.block_size).select("u", pl.col("sorted").alias("text"))
            rare = (_word_keys(block, "u").join(word_df, on="key")
                    .sort("u", "df", "key")
                    .filter(pl.col("df").cum_sum().over("u") <= s.blocking_budget)
                    .join(words, on="key"))
            near = _token_set_keys(block, "u").join(sets, on="key")
            alike = _token_set_keys(_core_words(block), "u", min_left=2).join(cores, on="key")
            # one u64 per pair (proposal << 32 | TM entry) makes the union a single-column unique
            pair = (pl.col("u").cast(pl.UInt64) * (1 << 32) + pl.col("tmIdx").cast(pl.UInt64)).alias("pair")
            ids = pl.concat([f.select(pair) for f in (near, alike, rare)]).unique()["pair"].to_numpy()
            u, t = (ids >> 32).astype(np.int64), (ids & 0xFFFFFFFF).astype(np.int64)
            # ratio <= 2*min(len)/(len_a+len_b): pairs outside the length band cannot reach the cutoff
            band = 2 * np.minimum(q_len[u], tm_len[t]) >= c * (q_len[u] + tm_len[t]) - 1e-9
            u, t = u[band], t[band]
            if len(u) == 0:
                continue
            score = process.cpdist(queries[u], tm_text[t], scorer=fuzz.ratio, dtype=np.uint8,
                                   score_cutoff=s.similar_cutoff, workers=s.workers)
            hit = score > 0
            tops.append(self._keep_top(pl.DataFrame({"u": u[hit].astype(np.uint32), "tmIdx": t[hit].astype(np.uint32),
                                                     "score": score[hit]})))
        return tops

    def _exact_conflicts(self, present: pl.DataFrame) -> pl.DataFrame:
        return (present.select("row", "conceptId", "norm")
                .join(self.tm.select(pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", pl.col("ptNorm").alias("norm")), on="norm")
                .filter(pl.col("conceptId") != pl.col("tmConcept")))

    def _conflict_flags(self, pairs: pl.DataFrame) -> pl.DataFrame | None:
        if pairs.is_empty():
            return None
        return (pairs.unique(["row", "tmConcept"], maintain_order=True)
                .group_by("row", maintain_order=True)
                .agg(pl.col("tmConcept").alias("related"), pl.col("tmConcept").first().alias("c"),
                     pl.col("patientTerm").first().alias("p"), pl.col("term").first().alias("t"), pl.len().alias("n"))
                .with_columns(pl.lit("tm-conflict").alias("code"),
                              pl.format("Same or nearly the same patient-friendly term as {} {} ({}){}",
                                        pl.col("c"), _quote(pl.col("p")), pl.col("t"),
                                        pl.when(pl.col("n") > 1).then(pl.format(" and {} more", pl.col("n") - 1)).otherwise(pl.lit("")))
                              .alias("reason")))

    # --- TM consistency --------------------------------------------------------------------------

    def _inconsistent(self, present: pl.DataFrame) -> pl.DataFrame | None:
        if present.is_empty() or self.tm.is_empty():
            return None
        terms = (present.select("row", "conceptId", "termNorm", "norm")
                 .with_columns(_tokens(pl.col("termNorm")).alias("tokens"))
                 .with_columns(pl.col("tokens").list.join(" ").alias("key")))
        keys = terms.select("key", "tokens").unique("key")
        # Only a term holding a TM term's words plus one or two can have a variant equal to a TM term:
        # find those with order-free word-set hashes first, and build variants for them alone.
        maybe = _token_set_keys(keys.select(pl.col("key").alias("id"), pl.col("key").alias("text")), "id")
        maybe = maybe.join(self._tm_word_sets, on="key", how="semi").select("id").unique()
        wide = keys.filter(pl.col("key").is_in(maybe["id"].implode()) | (pl.col("tokens").list.len() > 12))
        mine = pl.concat([
            keys.select("key", pl.col("key").alias("probe"), pl.lit("same").alias("how")),
            keys.select("key", _strip_qualifiers(pl.col("key")).alias("probe"), pl.lit("core").alias("how")),
            wide.select("key", pl.concat_list(_variants(pl.col("tokens"))).alias("probe"), pl.lit("wider").alias("how"))
            .explode("probe"),
        ]).filter(pl.col("probe").is_not_null() & (pl.col("probe") != ""))
        tm_keys = self._tm_keys
        # same↔same: identical term; core↔core: differ only in qualifiers; my variant = TM term (mine is
        # the TM term plus a word or two); TM variant = my term (the TM term is mine plus a word or two).
        links = pl.concat([
            mine.filter(pl.col("how") == "same").join(tm_keys.filter(pl.col("how") == "same"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "core").join(tm_keys.filter(pl.col("how") == "core"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "wider").join(tm_keys.filter(pl.col("how") == "same"), left_on="probe", right_on="key"),
            mine.filter(pl.col("how") == "same").join(tm_keys.filter(pl.col("how") == "wider"), left_on="probe", right_on="key"),
        ], how="vertical_relaxed").select("key", "tmIdx").unique()
        pairs = (terms.select("row", "conceptId", "key", "norm").join(links, on="key")
                 .join(self.tm.select("tmIdx", pl.col("conceptId").alias("tmConcept"), "term", "patientTerm", "ptCore"), on="tmIdx")
                 .filter(pl.col("conceptId") != pl.col("tmConcept"))
                 .with_columns(_strip_qualifiers(pl.col("norm")).alias("core"))
                 .filter((pl.col("core") != "") & (pl.col("ptCore") != "")))
        if pairs.is_empty():
            return None
        a, b = pairs["core"].to_list(), pairs["ptCore"].to_list()
        w = self.settings.workers
        score = np.maximum(process.cpdist(a, b, scorer=fuzz.partial_ratio, workers=w),
                           process.cpdist(a, b, scorer=fuzz.token_set_ratio, workers=w))
        bad = pairs.filter(pl.Series(score < self.settings.inconsistent_ratio))
        if bad.is_empty():
            return None
        return (bad.sort("row", "tmIdx").group_by("row", maintain_order=True)  # joins keep no order: sort for the same answer every run
                .agg(pl.col("tmConcept").unique(maintain_order=True).head(5).alias("related"),
                     pl.col("tmConcept").first().alias("c"), pl.col("term").first().alias("t"),
                     pl.col("patientTerm").first().alias("p"))
                .with_columns(pl.lit("tm-inconsistent").alias("code"),
                              pl.format("The TM renders the near-identical {} {} as {}; the proposal does not follow it",
                                        pl.col("c"), _quote(pl.col("t")), _quote(pl.col("p"))).alias("reason")))

    # --- text rules as column expressions --------------------------------------------------------

    def _lost_qualifier(self, present: pl.DataFrame) -> pl.DataFrame | None:
        t, p = pl.col("termNorm"), pl.col("norm")
        frames = []
        for label, in_term, kept in QUALIFIERS:
            hit = present.filter(t.str.contains(in_term) & ~p.str.contains(kept))
            if not hit.is_empty():
                frames.append(hit.select("row", pl.format("The clinical term says {} ({}) but the proposal does not",
                                                          _quote(t.str.extract(f"({in_term})")), pl.lit(label)).alias("reason")))
        nums = (present.select("row", _numbers(t).alias("a"), _numbers(p, with_words=True).alias("b"))
                .with_columns(pl.col("a").list.set_difference(pl.col("b")).alias("lost"))
                .filter(pl.col("lost").list.len() > 0))
        if not nums.is_empty():
            frames.append(nums.select("row", pl.format("The clinical term says the number {} but the proposal does not",
                                                       pl.col("lost").list.sort().list.join(", ")).alias("reason")))
        if not frames:
            return None
        return (pl.concat(frames).group_by("row", maintain_order=True).agg(pl.col("reason").str.join("; "))
                .with_columns(pl.lit("lost-qualifier").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related")))

    def _jargon(self, present: pl.DataFrame) -> pl.DataFrame | None:
        if present.is_empty():
            return None
        words = (present.select("row", pl.col("norm").str.extract_all(r"\p{L}+").alias("w")).explode("w")
                 .drop_nulls("w"))
        distinct = words.select("w").unique()["w"].to_list()
        judged = pl.DataFrame({"w": distinct, "why": [self.judge.jargon_reason(x) for x in distinct]},
                              schema={"w": pl.Utf8, "why": pl.Utf8})
        bad_words = (words.join(judged.drop_nulls("why"), on="w", maintain_order="left")  # words in text order
                     .select("row", pl.format("{} ({})", _quote(pl.col("w")), pl.col("why")).alias("what")))
        abbreviation = r"\b\p{Lu}[\p{Lu}\d]{1,6}(?:-\p{L}+)?\b|\b\p{Lu}{2,}s\b|\b\p{Ll}\p{Lu}{2,}\b"
        abbr = (present.select("row", pl.col("raw").str.extract_all(abbreviation).alias("a")).explode("a").drop_nulls("a")
                .filter(~pl.col("a").is_in(sorted(jargon.known_abbreviations() | set(self.tm_abbreviations)))
                        & ~pl.col("a").str.replace(r"-.*$", "").is_in(sorted(jargon.known_abbreviations())))
                .select("row", pl.format("{} (unexplained abbreviation)", _quote(pl.col("a"))).alias("what")))
        hits = pl.concat([bad_words, abbr]).unique(maintain_order=True)
        if hits.is_empty():
            return None
        return (hits.group_by("row", maintain_order=True).agg(pl.col("what").str.join(", "))
                .with_columns(pl.lit("jargon").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                              pl.format("A lay reader will not know {}", pl.col("what")).alias("reason")))

    def _too_long(self, present: pl.DataFrame) -> pl.DataFrame | None:
        s = self.settings
        n_chars = pl.col("raw").str.strip_chars().str.len_chars()
        n_words = pl.col("norm").str.extract_all(r"\S+").list.len()
        return (present.filter((n_chars > s.max_length) | (n_words > s.max_words))
                .select("row", pl.lit("too-long").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                        pl.format("{} characters in {} words; at most {} characters and {} words",
                                  n_chars, n_words, pl.lit(s.max_length), pl.lit(s.max_words)).alias("reason")))

    def _format(self, present: pl.DataFrame) -> pl.DataFrame | None:
        raw = pl.col("raw")
        capitals = (raw.str.extract_all(r"\b\p{Lu}[\p{Ll}][\p{L}'’-]*")
                    .list.set_difference(pl.col("term").str.extract_all(r"\b\p{Lu}[\p{Ll}][\p{L}'’-]*"))
                    .list.eval(pl.element().filter(~pl.element().is_in(self.allowed_capitals))))
        shouting = raw.str.extract_all(r"\b\p{Lu}{6,}\b").list.eval(pl.element().filter(~pl.element().is_in(self.allowed_capitals)))
        problems = [
            (raw.str.contains(r"^\s|\s$"), pl.lit("leading or trailing space")),
            (raw.str.contains(r"\S\s{2,}\S"), pl.lit("double space")),
            (raw.str.contains(r"[.,;:!?]\s*$"), pl.lit("punctuation at the end")),
            (raw.str.count_matches(r"\(") != raw.str.count_matches(r"\)"), pl.lit("unbalanced brackets")),
            (raw.str.count_matches(r"\[") != raw.str.count_matches(r"\]"), pl.lit("unbalanced brackets")),
            (raw.str.count_matches("\"") % 2 == 1, pl.lit("unbalanced quotes")),
            (capitals.list.len() > 0, pl.format("capital letter in {} (Dutch terms are lower case except names and abbreviations)",
                                                capitals.list.join(", "))),
            (shouting.list.len() > 0, pl.format("capitals in {}", shouting.list.join(", "))),
        ]
        frames = [present.filter(cond).select("row", what.alias("what")) for cond, what in problems]
        hits = pl.concat(frames)
        if hits.is_empty():
            return None
        return (hits.unique(maintain_order=True).group_by("row", maintain_order=True).agg(pl.col("what").str.join("; "))
                .with_columns(pl.lit("format").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                              pl.format("Format: {}", pl.col("what")).alias("reason")))

    def _same_as_source(self, present: pl.DataFrame) -> pl.DataFrame | None:
        return (present.filter(pl.col("norm") == pl.col("termNorm"))
                .select("row", pl.lit("same-as-source").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                        pl.format("The proposal repeats the clinical term {}", _quote(pl.col("term"))).alias("reason")))

    def _duplicates(self, present: pl.DataFrame) -> pl.DataFrame | None:
        groups = (present.group_by("norm").agg(pl.col("conceptId").unique().alias("concepts"))
                  .filter(pl.col("concepts").list.len() > 1))
        if groups.is_empty():
            return None
        return (present.select("row", "conceptId", "norm").join(groups, on="norm")
                .with_columns(pl.col("concepts").list.set_difference(pl.concat_list(pl.col("conceptId"))).list.sort().alias("others"))
                .select("row", pl.lit("duplicate-in-batch").alias("code"), pl.col("others").list.head(5).alias("related"),
                        pl.format("Concept(s) {} in this batch got the same proposal", pl.col("others").list.head(5).list.join(", "))
                        .alias("reason")))

    def _unsafe(self, rows: pl.DataFrame) -> pl.DataFrame | None:
        frames = []
        for column, label in (("raw", "proposal"), ("expl", "explanation")):
            text = pl.col(column)
            problems = [
                (text.str.contains(CONTROL), "control characters"),
                (text.str.contains(MARKUP), "markup"),
                (text.str.contains(URL), "a link or address"),
                (text.str.contains(INSTRUCTION), "instructions or chat text"),
            ]
            for cond, what in problems:
                frames.append(rows.filter(cond).select("row", pl.lit(f"{label} contains {what}").alias("what")))
            frames.append(self._not_dutch(rows, column, label))
        hits = pl.concat([f for f in frames if f is not None])
        if hits.is_empty():
            return None
        return (hits.unique(maintain_order=True).group_by("row", maintain_order=True).agg(pl.col("what").str.join("; "))
                .with_columns(pl.lit("unsafe-output").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                              pl.format("Unsafe output: {}", pl.col("what")).alias("reason")))

    def _not_dutch(self, rows: pl.DataFrame, column: str, label: str) -> pl.DataFrame | None:
        words = (rows.select("row", pl.col(column).str.to_lowercase().str.extract_all(r"\p{L}+").alias("w"))
                 .filter(pl.col("w").list.len() >= 2).explode("w"))
        if words.is_empty():
            return None
        distinct = words.select("w").unique()["w"].to_list()
        english = pl.DataFrame({"w": distinct, "en": [jargon.is_english(x) or x in ENGLISH_MARKERS and x not in ("is",)
                                                      for x in distinct]}, schema={"w": pl.Utf8, "en": pl.Boolean})
        counts = (words.join(english, on="w").group_by("row")
                  .agg(pl.col("en").sum().alias("n_en"), pl.len().alias("n")))
        return (counts.filter((pl.col("n_en") >= 2) & (pl.col("n_en") * 2 >= pl.col("n")))
                .select("row", pl.lit(f"{label} is not Dutch (English words)").alias("what")))

    def _stale(self, rows: pl.DataFrame) -> pl.DataFrame | None:
        return (rows.filter(pl.col("previousTerm").is_not_null()
                            & (_norm(pl.col("previousTerm")) != pl.col("termNorm")))
                .select("row", pl.lit("stale-source").alias("code"), pl.lit([], pl.List(pl.Utf8)).alias("related"),
                        pl.format("The clinical term changed from {} to {} after the proposal was made",
                                  _quote(pl.col("previousTerm")), _quote(pl.col("term"))).alias("reason")))


def check(proposals: pl.DataFrame, tm: pl.DataFrame, settings: CheckSettings | dict | None = None) -> pl.DataFrame:
    """`proposals` plus `flags`, `flagDetails` and `similar` (see docs/internals.md)."""
    return Checker(tm, settings).check(proposals)
