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

# The optional extra for a real local model. llama.cpp compiles from source (minutes, once) and is
# built portable (GGML_NATIVE=OFF: AVX2, no AVX-512 or AMX), not for the CPU that compiles it: a
# native build dies of SIGILL on the next machine, and CI and later sessions run on other CPUs.
# The wheel is kept in a folder of its own because pip's wheel cache does not key on CMAKE_ARGS
# and may hold a native build.
LLAMA_CPP_VERSION := $(shell sed -n 's/.*"llama-cpp-python\[server\]==\([0-9.]*\)".*/\1/p' pyproject.toml)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
LLAMA_WHEELS ?= $(HOME)/.cache/helder/llama-cpp-python-$(LLAMA_CPP_VERSION)-portable

$(BIN)/.local-llm: pyproject.toml Makefile | $(BIN)/helder
	@ls $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-cache-dir --no-deps -w $(LLAMA_WHEELS) \
	    'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	$(BIN)/pip install -q --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(BIN)/pip install -q -e '.[local-llm]'
	@touch $@

bench: $(BIN)/helder $(BIN)/.local-llm
	$(BIN)/python -m bench.run --out bench/results.md

local-llm: $(BIN)/.local-llm

clean:
	rm -rf $(VENV) helder.db releases .pytest_cache
