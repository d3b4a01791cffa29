"""Shared text expressions for the checks: normalised forms, tokens, numbers and qualifier words.

All are polars expressions over whole columns; the family modules build on them.
"""
from __future__ import annotations

from functools import lru_cache

import polars as pl

STOPWORDS = ["van", "de", "het", "der", "des", "een", "met", "door", "in", "op", "aan", "bij", "en", "of",
             "na", "voor", "tijdens", "zonder", "ten", "gevolge", "als", "gevolg", "t.g.v.", "tgv", "ter", "om"]

# Clinical qualifiers: (label, regex on the normalised clinical term, regex a proposal keeps it with).
QUALIFIERS: list[tuple[str, str, str]] = [
    # ... a colon's bends are named by their organ: the left by the spleen, the right by the liver
    ("side", r"\b(links|linker\w*|sinist\w*)", r"\blink|\bsinist|\bbij de milt\b"),
    ("side", r"\b(rechts|rechter\w*|dext\w*)", r"\brecht|\bdext|\bbij de lever\b"),
    ("both sides", r"\b(bilatera\w*|beiderzijd\w*|dubbelzijd\w*|bilat)\b",
     r"bilatera|beiderzijd|dubbelzijd|\bbeide|\bdubbel|\btwee(?:\w*)?\s*kanten|aan twee kanten|tweezijdig"),
    ("one side", r"\b(unilatera\w*|eenzijd\w*)", r"unilatera|eenzijd|\béén kant|\been kant|\baan één"),
    ("course", r"\bsubacu\w*", r"subacu|vrij plotseling|vrij snel|enkele weken"),
    ("course", r"\bacu(?:ut|te|ta|tus|tum)\b", r"\bacu|plotseling|\bplots|opeens|ineens|snel opkomend"),
    ("course", r"\bchronis\w*|\bchron\b", r"chronis|langdurig|blijvend|aanhoudend|lang durend|langer durend|slepend"),
    # ... not "nervus recurrens", a nerve's name
    ("course", r"\brecidiv\w*|\brecurrent\w*|\brecurre[er]\w*", r"recidiv|recurr|terugker|teruggek|steeds terug|weer terug|telkens|herhaald|opnieuw"),
    ("course", r"\bintermitter\w*",
     r"intermitter|af en toe|met tussenpozen|komt en gaat|wisselend|steeds opnieuw|telkens"),
    ("congenital", r"\baangebor\w*|\bcongenit\w*", r"aangebor|geboorte|congenit|erfelijk"),
    ("type", r"\btype\b", r"\btype|\bsoort|\bvorm"),
    ("stage", r"\bstadium\b|\bstage\b", r"stadium|\bfase|\bstage"),
    ("grade", r"\bgraad\b|\bgradus\b", r"graad|\bernst|\bmate"),
    ("grade", r"\bklasse\b", r"klasse|\bgraad"),
    # Opposite findings: 'kleur van feces normaal' may not become 'afwijkend', nor the reverse.
    ("normal", r"\b(normaal|normale)\b", r"\bnormaa?l|\bgewone?\b|\bgezonde?\b|\bin orde\b|\bgoed\b"),
    ("abnormal", r"\b(abnorma\w*|afwijk\w*)", r"abnorma|afwijk|\bniet normaal|\bniet goed|\bgestoord|\bverstoord"),
]
QUALIFIER_WORDS = (
    r"links|linker\w*|rechts|rechter\w*|sinist\w*|dext\w*|bilatera\w*|beiderzijd\w*|dubbelzijd\w*|unilatera\w*|"
    r"eenzijd\w*|acu(?:ut|te|ta|tus|tum)|subacu\w*|chronis\w*|recidiv\w*|recurr\w*|intermitter\w*|aangebor\w*|"
    r"congenit\w*|type|stadium|graad|klasse|fase|plotseling\w*|langdurig\w*|terugkerend\w*|beide|dubbele?|"
    r"kant|kanten|aan|\d+|i{1,3}|iv|v|vi{1,3}|[a-d]"
)
ROMAN = [("iv", "4"), ("iii", "3"), ("ii", "2"), ("vi", "6"), ("v", "5"), ("i", "1")]
NUMBER_WORDS = [("twee", "2"), ("drie", "3"), ("vier", "4"), ("vijf", "5"), ("zes", "6")]

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
    # "linkerdijbeen" is a side and a body part: only the side goes ("dijbeen" stays, so a TM's
    # "dijbeen" is found in it)
    runs = expr.str.extract_all(r"\w+|\W+").list.eval(pl.element().str.replace(r"^(?:linker|rechter)(\w{3,})$", "$1"))
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


@lru_cache(maxsize=1)
def curated_lexicon():
    """The curated lexicon (pipeline/lexicon/*.tsv), read once for every check that asks it."""
    from pipeline.offline.lexicon import Lexicon
    return Lexicon.load()
