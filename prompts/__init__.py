"""Versioned prompt templates (data files) and the few-shot policy for the LLM suggester."""
