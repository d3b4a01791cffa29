"""LLM suggestions through any OpenAI-compatible endpoint: the package's public face.

What the rest of helder uses (pipeline/run.py, pipeline/files.py, cli.py, bench/):

- `suggest_llm(work, tm, model, settings, cache, offline, ...) -> LLMResult` — propose, judge,
  fall back; `LLMResult.proposals` is the work frame plus `PROPOSAL_COLUMNS` (suggest.py).
- `LLMSettings` — the `[llm]` section of helder.toml (suggest.py).
- `StoreCache(session_factory)`, `FileCache(path)`, `file_cache_path(out, settings)` — pay once
  (cache.py).
- `LLMUnavailable` — the endpoint will never answer usefully (wrong key/model/URL, or a broken or
  misconfigured server); its message is one line naming the endpoint and model (client.py).

Inside: prompt.py (items, few-shot examples, messages, the JSON schema), client.py (requests:
pacing, retries, what the endpoint supports, splitting, budgets), answers.py (parse and judge
what came back), cache.py, batch.py (the provider's batch endpoint), server.py (`helder llm
serve`: a local llama.cpp server), evaluate.py (the real-model section of `make eval`).
See docs/llm.md.
"""
from __future__ import annotations

from pipeline.llm.cache import FileCache, StoreCache, file_cache_path
from pipeline.llm.client import LLMUnavailable
from pipeline.llm.suggest import PROPOSAL_COLUMNS, LLMResult, LLMSettings, suggest_llm

__all__ = ["FileCache", "LLMResult", "LLMSettings", "LLMUnavailable", "PROPOSAL_COLUMNS", "StoreCache",
           "file_cache_path", "suggest_llm"]
