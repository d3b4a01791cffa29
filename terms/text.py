"""Term text: the one validation every untrusted text passes before it is stored, and the one
place text is made safe for the files helder writes.

Entry (validate_term, validate_explanation, and their column-wise twin `text_problem` for
frames): an RF2 ingest, a TM file, a review decision (web, CLI, API, spreadsheet) and an LLM
answer all hold patient-friendly terms and explanations to the same rules, in this order:
text, not empty, no control or invisible format characters, no markup, no leading formula
character, not too long. The rules are written once below as regular expressions that Python's
`re` and polars (Rust `regex`) read alike; `tests/test_terms_text.py` checks that the scalar and
the column-wise verdicts agree.

Exit: `neutralise_cell` / `neutralise_expr` (spreadsheet cells, OWASP "CSV injection") and
`escape_markdown` (release notes) — every writer calls them, none has its own rule.
Reasons people read are Dutch, from `terms/messages/files.toml` (`files.text.*`).
"""
from __future__ import annotations

import re
import unicodedata

import polars as pl

from terms.messages import message

MAX_TERM_LENGTH = 255  # RF2 descriptions: synonyms and FSNs have at most 255 characters
MAX_EXPLANATION_LENGTH = 1024  # a patient-friendly explanation is one or two sentences, not a page
MAX_DEFINITION_LENGTH = 4096  # RF2 text definitions (clinical): at most 4096 characters

# Control characters (Unicode Cc), line and paragraph separators (Zl, Zp) and invisible format
# characters (Cf: soft hyphen, zero-width and joiner characters, bidirectional embeddings,
# overrides and isolates, byte order mark, interlinear annotation, tag characters). Explicit
# ranges because Python's `re` has no \p{Cf}.
CONTROL = (r"[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
           r"\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
# What breaks a row or a line in a file: control characters (Cc) and the line and paragraph
# separators (Zl, Zp). SNOMED's own clinical terms are held to this, not to all of CONTROL.
LINE_BREAKING = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"
MARKUP = r"<|>|&[a-zA-Z#][a-zA-Z0-9]*;|\{\{|\}\}|```"
# Characters that make a spreadsheet program read a cell as a formula or command (OWASP "CSV
# injection"; OWASP ASVS 5.0 requirement 1.2.10: = + - @ tab NUL; carriage return), line feed,
# and the full-width forms of = + - @, which some spreadsheet programs take as the ASCII ones.
FORMULA_START = "=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20"
_FORMULA_FIRST = r"[=+\-@\uff1d\uff0b\uff0d\uff20]"
_FORMULA_RE = "^" + _FORMULA_FIRST  # entry: a trimmed term may not start so (tab, CR, LF, NUL are control)
# exit: a cell is neutralised when it starts with tab, CR, LF or NUL, or with a formula character
# after any spaces (some programs trim a cell before they look).
_LEADING_SPACE = "[ \\t\\n\\r\\x0b\\x0c\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]"
NEUTRALISE = r"^(?:[\t\r\n\x00]|" + _LEADING_SPACE + "*" + _FORMULA_FIRST + ")"
# Surrounding space that is trimmed: the space separators (Unicode Zs) only. Tabs and line breaks
# are control characters and refused wherever they are, in Python and in polars alike.
SPACE_CHARS = " \u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u202f\u205f\u3000"
_BLANK_CHARS = SPACE_CHARS + "\t\n\r\x0b\x0c"

_CONTROL = re.compile(CONTROL)
_LINE_BREAKING = re.compile(LINE_BREAKING)
_NEUTRALISE = re.compile(NEUTRALISE)
_MARKUP = re.compile(MARKUP)
_FORMULA = re.compile(_FORMULA_RE)
_SPACES = re.compile(r"\s+")


class TermError(ValueError):
    """A text is not acceptable; `str()` is one Dutch line naming the field, `code` says which rule."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message(f"files.text.{code}", **params))


def normalise(text: str) -> str:
    """Compare form: NFC, lower case, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return text.strip(" .,;:!?\"'")


def validate_term(text: object, field: str = "term", max_length: int = MAX_TERM_LENGTH) -> str:
    """The text NFC-normalised, trimmed and with single spaces, or TermError naming `field`.

    Rules in order (codes): `not-text`, `empty`, `control` (CONTROL above), `markup` (MARKUP),
    `formula` (starts with = + - @ or their full-width forms: OWASP CSV injection; no Dutch
    term starts so), `too-long` (more than `max_length` characters; RF2 allows 255 for a synonym).
    """
    if not isinstance(text, str):
        raise TermError("not-text", field=field, kind=type(text).__name__)
    nfc = unicodedata.normalize("NFC", text)
    control = _CONTROL.search(nfc)
    cleaned = nfc.strip(SPACE_CHARS)
    if not cleaned:
        raise TermError("empty", field=field)
    if control:
        raise TermError("control", field=field, found=f"U+{ord(control.group(0)):04X}")
    if _MARKUP.search(cleaned):
        raise TermError("markup", field=field, found=_MARKUP.search(cleaned).group(0))
    if _FORMULA.search(cleaned):
        raise TermError("formula", field=field, found=cleaned[0])
    if len(cleaned) > max_length:
        raise TermError("too-long", field=field, length=len(cleaned), max=max_length)
    return _SPACES.sub(" ", cleaned)


def validate_explanation(text: object, field: str = "explanation") -> str | None:
    """An explanation is optional (None or blank → None); when given it follows the term rules
    with a limit of MAX_EXPLANATION_LENGTH characters."""
    if text is None or (isinstance(text, str) and not text.strip(_BLANK_CHARS)):
        return None
    return validate_term(text, field, MAX_EXPLANATION_LENGTH)


def text_problem(column: str, max_length: int = MAX_TERM_LENGTH, optional: bool = False) -> pl.Expr:
    """Column-wise `validate_term`: the rule code a text breaks (str), null when it is fine.

    For frames of any size (an RF2 release's patient-friendly terms, a release's published
    terms). `optional` makes null or blank fine (explanations). The message for a bad row comes
    from `validate_term` itself, so people read the same sentence from every entry.
    """
    raw = pl.col(column)
    nfc = raw.str.normalize("NFC")
    text = nfc.str.strip_chars(SPACE_CHARS)
    blank = raw.is_null() | (text == "")
    if optional:  # validate_explanation: blank (spaces, tabs, line breaks) is no explanation
        blank = blank | (raw.str.strip_chars(_BLANK_CHARS) == "")
    return (
        pl.when(blank).then(pl.lit(None if optional else "empty", pl.Utf8))
        .when(nfc.str.contains(CONTROL)).then(pl.lit("control"))
        .when(text.str.contains(MARKUP)).then(pl.lit("markup"))
        .when(text.str.contains(_FORMULA_RE)).then(pl.lit("formula"))
        .when(text.str.len_chars() > max_length).then(pl.lit("too-long"))
        .otherwise(pl.lit(None, pl.Utf8))
    )


def structure_problem(column: str, max_length: int) -> pl.Expr:
    """Column-wise check for clinical text from a release (SNOMED's own terms may hold < > & or
    start with + or -): only `empty`, `control` (LINE_BREAKING: control characters and line or
    paragraph separators) and `too-long` apply. Null when fine."""
    text = pl.col(column).str.strip_chars(SPACE_CHARS)
    return (
        pl.when(pl.col(column).is_null() | (text == "")).then(pl.lit("empty"))
        .when(pl.col(column).str.contains(LINE_BREAKING)).then(pl.lit("control"))
        .when(text.str.len_chars() > max_length).then(pl.lit("too-long"))
        .otherwise(pl.lit(None, pl.Utf8))
    )


def structure_message(code: str, field: str, text: str | None, max_length: int) -> str:
    """The Dutch line for a `structure_problem` code (the same texts as TermError)."""
    text = text or ""
    found = _LINE_BREAKING.search(text)
    params = {"empty": {}, "control": {"found": f"U+{ord(found.group(0)):04X}" if found else "?"},
              "too-long": {"length": len(text.strip(SPACE_CHARS)), "max": max_length}}[code]
    return message(f"files.text.{code}", field=field, **params)


# ---- out: spreadsheet cells and Markdown ----------------------------------------------------

def neutralise_cell(value: object) -> object:
    """A value safe to write into a CSV, TSV or XLSX cell: text that starts with a formula
    character (= + - @ or their full-width forms, also after leading spaces) or with a tab,
    carriage return, line feed or NUL gets a leading apostrophe — OWASP's advice against CSV
    injection (ASVS 1.2.10); Excel and LibreOffice then show it as text.

    Non-text values pass unchanged. Every table writer in helder calls this (or `neutralise_expr`,
    the same rule column-wise) on every text cell.
    """
    if isinstance(value, str) and _NEUTRALISE.search(value):
        return "'" + value
    return value


def unneutralise_cell(value: object) -> object:
    """Undo `neutralise_cell` when reading a table back: an apostrophe is dropped only where it is
    that neutralisation, i.e. before what `neutralise_cell` guards (= + - @, their full-width
    forms, also after spaces; a tab, CR, LF or NUL). Anywhere else it is the text's own: Dutch
    writes "'s nachts" and "'t Gooi". (Excel's own text prefix, typed as ' in a cell, is not part
    of an .xlsx cell's value; a CSV or TSV keeps it only when a program such as helder wrote it.)"""
    if isinstance(value, str) and value.startswith("'") and _NEUTRALISE.search(value[1:]):
        return value[1:]
    return value


def unneutralise_expr(column: str) -> pl.Expr:
    """`unneutralise_cell` for a whole text column."""
    col = pl.col(column)
    return (pl.when(col.str.starts_with("'") & col.str.slice(1).str.contains(NEUTRALISE))
            .then(col.str.slice(1)).otherwise(col).alias(column))


def neutralise_expr(column: str) -> pl.Expr:
    """`neutralise_cell` for a whole text column (same pattern, same apostrophe)."""
    col = pl.col(column)
    return pl.when(col.str.contains(NEUTRALISE)).then(pl.lit("'") + col).otherwise(col).alias(column)


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` neutralised (numbers, booleans and nulls unchanged)."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    return frame.with_columns(neutralise_expr(c) for c in text) if text else frame


# What can start markup anywhere in a line (CommonMark 0.31 with GFM tables, strikethrough and
# autolinks): a backslash escape, a code span, emphasis, a link or image bracket (`![` is an image
# only with its `[`), an HTML tag or autolink, a table pipe, strikethrough. Escaped wherever it stands.
_MD_INLINE = re.compile(r"([\\`*_\[\]<|~])")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")  # '&amp;' is an entity; 'A & B' is text
# GFM's extended autolinks need no brackets: 'http://…', 'www.…', 'x@y.nl'.
_MD_BARE_LINK = re.compile(r"(?i)(?<![0-9a-z])(https?|ftp|mailto|www)([:.])")
# Block markers only count at the start of a line: a heading, quote, list item, setext underline.
_MD_LINE_START = re.compile(r"^(?:[#>+=-]|\d{1,9}(?=[.)]))")


def escape_markdown(text: object) -> str:
    """Text from a term, safe inside a Markdown paragraph or table cell: every character that could
    start markup where it stands is backslash-escaped (CommonMark 0.31, §2.4; GFM), so no emphasis,
    link, image, HTML tag, entity, code span, autolink or table pipe can come from a term — and
    nothing else is ('MRI-scan' stays 'MRI-scan'). Line breaks and other control characters become
    spaces. None → ''.
    """
    if text is None:
        return ""
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", str(text))).strip()
    out = _MD_INLINE.sub(r"\\\1", flat)
    out = _MD_ENTITY.sub(r"\\&", out)
    out = _MD_BARE_LINK.sub(r"\1\\\2", out).replace("@", "\\@")
    # '1. tekst' is a list item: its '.' or ')' is escaped; '#', '>', '+', '=' and '-' themselves.
    start = _MD_LINE_START.match(out)
    if start:
        out = (out[:start.end()] + "\\" + out[start.end():]) if start.group().isdigit() else "\\" + out
    return out
