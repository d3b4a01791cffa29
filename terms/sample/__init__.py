"""The bundled sample: an NL-edition-shaped RF2 Snapshot and a later Delta (see build.py)."""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def sample_path(kind: str = "snapshot") -> Path:
    """The folder of the bundled sample release: kind 'snapshot' (20250930) or 'delta' (20260331)."""
    if kind not in ("snapshot", "delta"):
        raise ValueError(f"sample kind must be snapshot or delta, not {kind!r}")
    return HERE / kind
