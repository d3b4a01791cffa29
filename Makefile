# helder — the two commands a newcomer runs, plus the measuring ones.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test eval bench clean

$(BIN)/helder: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $(BIN)/helder

demo: $(BIN)/helder
	$(BIN)/helder demo

test: $(BIN)/helder
	$(BIN)/python -m pytest

eval: $(BIN)/helder
	$(BIN)/python -m pipeline.evaluate ../shared/eval/dev.tsv --real ../shared/eval/real_terms_dev.tsv --out eval/results.md

bench: $(BIN)/helder
	$(BIN)/python -m bench.run --out bench/results.md

clean:
	rm -rf $(VENV) helder.db releases .pytest_cache
