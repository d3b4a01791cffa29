"""helder's configuration: built-in defaults, overridden by `helder.toml` or `$HELDER_CONFIG`.

Each package owns its own section and reads it from the dict returned by `load_config`; this
module only knows the SNOMED facts every package shares.
"""
from __future__ import annotations

import copy
import os
import tomllib
from pathlib import Path
from typing import Any

from terms.messages import message

# The Dutch patient-friendly extension (DESIGN.md, domain facts).
NL_MODULE = "11000146104"
NL_LANGUAGE_REFSET = "31000146106"
US_LANGUAGE_REFSET = "900000000000509007"
GB_LANGUAGE_REFSET = "900000000000508004"
PATIENT_FRIENDLY_MODULE = "15561000146104"
PATIENT_FRIENDLY_REFSET = "15551000146102"
NL_NAMESPACE = "1000146"

FSN = "900000000000003001"
SYNONYM = "900000000000013009"
DEFINITION = "900000000000550004"
PREFERRED = "900000000000548007"
ACCEPTABLE = "900000000000549004"
CASE_INSENSITIVE = "900000000000448009"
CASE_SENSITIVE = "900000000000017005"
INITIAL_CHAR_INSENSITIVE = "900000000000020002"

DEFAULTS: dict[str, Any] = {
    "snomed": {
        "namespace": NL_NAMESPACE,
        "module_id": PATIENT_FRIENDLY_MODULE,
        "language_refset": PATIENT_FRIENDLY_REFSET,
        "dutch_refset": NL_LANGUAGE_REFSET,
    },
    # pipeline/llm/ (LLMSettings) reads this section; docs/llm.md explains every key.
    "llm": {
        "batch_size": 20,
        "concurrency": 8,
        "rpm": 0,            # requests per minute, client side (0: no limit)
        "tpm": 0,            # tokens per minute (0: no limit)
        "timeout": 60.0,
        "max_retries": 5,
        # USD per 1M tokens (list prices when written; check your provider). Add your own models.
        "prices": {
            "gpt-4o-mini": {"in": 0.15, "out": 0.60},
            "gpt-4o": {"in": 2.50, "out": 10.00},
            "gpt-4.1-nano": {"in": 0.10, "out": 0.40},
            "gpt-4.1-mini": {"in": 0.40, "out": 1.60},
            "gpt-4.1": {"in": 2.00, "out": 8.00},
        },
    },
}


class ConfigError(ValueError):
    """A configuration file or value is wrong; the message names the file and key."""


def config_path() -> Path | None:
    env = os.environ.get("HELDER_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(message("files.config.no-such-file", path=env))
        return path
    local = Path("helder.toml")
    return local if local.is_file() else None


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """Defaults merged with the TOML file at `path` (or `config_path()`); sections are dicts."""
    path = Path(path) if path else config_path()
    if path is None:
        return copy.deepcopy(DEFAULTS)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(message("files.config.unreadable", path=path, reason=exc)) from None
    config = _merge(DEFAULTS, data)
    ns = str(config["snomed"]["namespace"])
    if not (ns.isdigit() and len(ns) == 7):
        raise ConfigError(message("files.config.namespace", path=path, value=ns))
    config["snomed"]["namespace"] = ns
    return config
