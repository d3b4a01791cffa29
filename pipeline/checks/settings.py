"""Check thresholds; the `[checks]` section of helder.toml overrides them key by key."""
from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class CheckSettings:
    """Thresholds; config section `[checks]` overrides these defaults key by key."""
    conflict_ratio: float = 92.0      # ratio/token_sort_ratio (0..100) at which two patient terms are "the same"
    inconsistent_ratio: float = 80.0  # below this the shared part is rendered differently
    max_length: int = 60              # characters
    max_words: int = 10
    jargon_zipf: float = 3.0          # Dutch zipf frequency at which a word is common
    jargon_part_zipf: float = 3.0     # ... at which a compound's part (4+ letters) is common
    jargon_rare_zipf: float = 2.5     # below this a word without lay parts is jargon even without morphemes
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
        """Settings from an instance, a dict (a `[checks]` table) or None (read helder.toml).

        Raises ValueError naming the key for a value that is not a number or is negative."""
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
