# The few verbs a newcomer needs. Each creates .venv under the repo when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
STORE ?= sqlite:///stanceline.db

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

## run: install, load fixtures/ into the default store, print Russia's history and the world on 2025-07-04,
##      and say how to open the web page
run: $(RUN_STAMP)
	$(BIN)/stanceline --store $(STORE) load fixtures/*.jsonl
	$(BIN)/stanceline --store $(STORE) history RUS
	@echo
	$(BIN)/stanceline --store $(STORE) world --on 2025-07-04
	@echo
	@echo "Explore it in a browser: $(BIN)/stanceline --store $(STORE) serve, then open http://127.0.0.1:8000/"

## test: install with the test extras, then lint, type-check and run the whole suite
test: $(TEST_STAMP) lint
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest

## lint: ruff and mypy (strict)
lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

## clean: remove the virtual environment, caches and the default store
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info
	rm -f stanceline.db stanceline.db-wal stanceline.db-shm
