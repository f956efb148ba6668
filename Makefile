# prodops: `make demo` and `make test` are the quick start; both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PRODOPS_DATA_DIR ?= .prodops

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/prodops ingest examples/workspace
	$(BIN)/prodops sources
	@echo; echo "== An answerable question (cited):"
	$(BIN)/prodops ask "Which objective does the SSO and SCIM work serve?"
	@echo; echo "== A question the sources don't cover (prodops should say so):"
	$(BIN)/prodops ask "What is our office lease renewal plan in Singapore?"
	@echo; echo "Next: '$(BIN)/prodops chat' for an interactive chat, or '$(BIN)/prodops serve' for the API"
	@echo "      (http://127.0.0.1:8000/docs). See README.md for settings and attaching a language model."

test: install
	$(BIN)/python -m pytest -q

lint: install  # ruff, mypy and the import contracts in pyproject.toml
	$(BIN)/ruff check assistant ingest evals tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/ingestion.py

clean:
	rm -rf $(VENV) .prodops .pytest_cache .mypy_cache .ruff_cache
