"""The message catalogue: every text a person reads, in Dutch, by a stable code.

Codes (flag codes, states, origins, error kinds) stay the same in data and APIs; people read the
Dutch text that the catalogue holds for them. The catalogue is the TOML files in this folder, one
per area of the product (`flags.toml` for checks, `review.toml` for the review workspace,
`files.toml` for files read and written, `llm.toml` for the LLM path, `run.toml` for the batch). A key is the file's stem,
then the TOML table path: `flags.tm-conflict.reason` is `[tm-conflict] reason = "…"` in
`flags.toml`.

    >>> message("flags.same-as-source.name")
    'zelfde als bronterm'

Texts use `{name}` placeholders (str.format). `message` raises KeyError for an unknown key and
for a missing placeholder, so a test that renders every key catches both.
"""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

CATALOGUE_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    """Every key → Dutch text, read once from the TOML files beside this module."""
    out: dict[str, str] = {}

    def walk(prefix: str, table: dict) -> None:
        for name, value in table.items():
            key = f"{prefix}.{name}"
            if isinstance(value, dict):
                walk(key, value)
            elif isinstance(value, str):
                out[key] = value
            else:
                raise ValueError(f"{key}: expected text, got {type(value).__name__}")

    for path in sorted(CATALOGUE_DIR.glob("*.toml")):
        with open(path, "rb") as fh:
            try:
                walk(path.stem, tomllib.load(fh))
            except tomllib.TOMLDecodeError as exc:
                raise ValueError(f"{path}: {exc}") from None
    return out


def template(key: str) -> str:
    """The raw text for `key`, placeholders unfilled. KeyError names an unknown key."""
    try:
        return catalogue()[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the catalogue ({CATALOGUE_DIR})") from None


def message(key: str, **params: object) -> str:
    """The Dutch text for `key` with `params` filled in (str.format)."""
    text = template(key)
    return text.format(**params) if params or "{" in text else text


def has(key: str) -> bool:
    return key in catalogue()


def keys(prefix: str = "") -> list[str]:
    """Every key starting with `prefix`, sorted."""
    return sorted(k for k in catalogue() if k.startswith(prefix))
