"""Versioned prompt templates (data files) and the few-shot policy for the LLM suggester.

`load_prompt(name)` reads `prompts/<name>.toml`; its `version` is the first 12 hex digits of the
sha256 of the file's text, so any edit to a prompt is a new version and is recorded with every
suggestion it made (and keys the LLM cache).
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = "patient_terms"


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    system: str
    user: str
    few_shot: dict = field(default_factory=dict)

    def render_user(self, examples: str, items: str) -> str:
        # str.replace, not str.format: the templates contain literal JSON braces
        return self.user.replace("{examples}", examples).replace("{items}", items)


def prompt_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_prompt(name: str = DEFAULT, path: str | Path | None = None) -> Prompt:
    """The prompt `name` from this folder (or from `path`, e.g. a prompt under trial)."""
    path = Path(path) if path else HERE / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    for key in ("system", "user"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"{path}: missing text for {key!r}")
    return Prompt(name=path.stem, version=prompt_version(text), system=data["system"].strip(),
                  user=data["user"].strip(), few_shot=dict(data.get("few_shot") or {}))
