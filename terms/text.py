"""Validation and normalisation of term text — every untrusted term passes here before it is stored."""
from __future__ import annotations

import re
import unicodedata

MAX_TERM_LENGTH = 255  # RF2 descriptions allow 255 characters for synonyms
MAX_EXPLANATION_LENGTH = 1024

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_MARKUP = re.compile(r"<[^>]*>|<|>|&[a-zA-Z#][a-zA-Z0-9]*;|\{\{|\}\}|```")
_SPACES = re.compile(r"\s+")


class TermError(ValueError):
    """A term is not acceptable; the message says why in one line."""


def normalise(text: str) -> str:
    """Compare form: NFC, lower case, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _SPACES.sub(" ", text).strip()
    return text.strip(" .,;:!?\"'")


def validate_term(text: object, field: str = "term", max_length: int = MAX_TERM_LENGTH) -> str:
    """The term, NFC-normalised and trimmed, or TermError naming `field`."""
    if not isinstance(text, str):
        raise TermError(f"{field}: expected text, got {type(text).__name__}")
    cleaned = unicodedata.normalize("NFC", text).strip()
    if not cleaned:
        raise TermError(f"{field}: empty")
    if _CONTROL.search(cleaned):
        raise TermError(f"{field}: contains control characters")
    if _MARKUP.search(cleaned):
        raise TermError(f"{field}: contains markup ({_MARKUP.search(cleaned).group(0)!r})")
    if len(cleaned) > max_length:
        raise TermError(f"{field}: {len(cleaned)} characters, at most {max_length} allowed")
    return _SPACES.sub(" ", cleaned)


def validate_explanation(text: object, field: str = "explanation") -> str | None:
    """An explanation is optional; when given it follows the term rules with a longer limit."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return validate_term(text, field, MAX_EXPLANATION_LENGTH)


# Characters that make a spreadsheet program read a cell as a formula or a command (OWASP, "CSV
# injection"): =, +, -, @, and tab / carriage return, which some programs strip before looking.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A value safe to write into a CSV, TSV or XLSX cell: text starting with a formula character
    gets a leading apostrophe (OWASP's advice; Excel and LibreOffice then show it as text).

    Non-text values pass unchanged. Every table writer in helder calls this on every text cell.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
