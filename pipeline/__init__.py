"""The batch: select work, suggest (TM, offline lexicon, LLM), check against the TM, enqueue."""
