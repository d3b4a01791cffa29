"""Checks every proposal — from the offline suggester, the LLM, an agency's spreadsheet or a
reviewer's edit — against the translation memory (TM) and against plain-language rules.

`check(proposals, tm, settings)` adds `flags` (";"-joined codes), `flagDetails` (JSON list of
{code, severity, reason, related}; reasons in Dutch from `terms/messages/flags.toml`) and
`similar` (JSON list of the nearest TM entries). `Checker` prepares the TM once so the nightly run
checks chunk after chunk.

One module per family of checks, each declaring its codes and severities beside its logic
(`FLAGS`): `consistency` (tm-conflict, tm-inconsistent, similar), `qualifiers` (lost-qualifier),
`words` (jargon), `formatting` (too-long, format), `same` (same-as-source, duplicate-in-batch,
stale-source), `safety` (unsafe-output, llm-failed). Every family works on whole polars columns,
or once per distinct word, never per row: a batch holds 380k proposals.
"""
from pipeline.checks.checker import FLAGS, ORDER, SEVERITY, Checker, check
from pipeline.checks.consistency import _token_set_keys
from pipeline.checks.safety import CONTROL, ENGLISH_MARKERS, INSTRUCTION, MARKUP, URL
from pipeline.checks.settings import CheckSettings
from pipeline.checks.text import QUALIFIER_WORDS, _strip_qualifiers

__all__ = ["FLAGS", "ORDER", "SEVERITY", "Checker", "check", "CheckSettings", "CONTROL", "ENGLISH_MARKERS",
           "INSTRUCTION", "MARKUP", "URL", "QUALIFIER_WORDS"]
