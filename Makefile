# The few verbs a newcomer needs. Each creates .venv under the repo when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
STORE ?= sqlite:///stanceline.db
BENCH_SIZES ?= 10000,100000,1000000

WEB_TOOLS := tools/map
AXE := $(WEB_TOOLS)/node_modules/axe-core/axe.min.js

.PHONY: run test lint clean bench bench-layout bench-profile map-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(RUN_STAMP)

## run: install, load the record (fixtures/) into the default store, then print the world on
##      2025-07-04 and how many facts, actors and sources the record holds
run: $(RUN_STAMP)
	$(BIN)/stanceline --store $(STORE) load fixtures
	@echo
	@echo "Next: $(BIN)/stanceline --store $(STORE) history KAZ (one actor's facts, with sources),"
	@echo "      $(BIN)/stanceline --store $(STORE) claims kaz-designation-lifted (sources that disagree),"
	@echo "      $(BIN)/stanceline --store $(STORE) sources (every source cited),"
	@echo "      $(BIN)/stanceline --store $(STORE) map --on 2025-07-04 --out world.png (the world as a map),"
	@echo "      $(BIN)/stanceline --store $(STORE) serve, then open http://127.0.0.1:8000/ (the page)."
	@echo
	$(BIN)/stanceline --store $(STORE) world --on 2025-07-04
	@echo
	@$(BIN)/stanceline --store $(STORE) sources --totals

# The npm packages of tools/map (axe-core for the browser tests' accessibility checks; the
# map's shapes for map-data), from its lock file. Without npm those checks skip, saying so.
$(AXE): $(WEB_TOOLS)/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix $(WEB_TOOLS) --no-audit --no-fund --loglevel=error >/dev/null && touch $@; \
	else echo "npm not found: the page's accessibility checks (axe-core) will skip"; fi

## test: install with the test extras, then lint, type-check and run the whole suite
test: $(TEST_STAMP) $(AXE) lint
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(BIN)/python -m pytest

## lint: ruff and mypy (strict), on the package, the tests and the benchmark
lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

## bench: the benchmark (not part of test): prints one table, writes bench/results.json and docs/performance.md; BENCH_SIZES=10000 for a quick run
bench: $(RUN_STAMP)
	@command -v wrk >/dev/null || $(MAKE) --no-print-directory wrk
	BENCH_SIZES=$(BENCH_SIZES) BENCH_COMMAND="make bench BENCH_SIZES=$(BENCH_SIZES)" $(BIN)/python -m bench

## bench-layout: the replica layout measured on this machine (primary, projector, relay, a
##               read-only server on the standby of tools/standby.sh): memory, connections,
##               requests, visibility lag; prints a table (docs/deploy.md has a run)
bench-layout: $(TEST_STAMP)
	$(BIN)/python -m bench.layout

## bench-profile: profile the load path and the stance query at 100k facts (pyinstrument)
bench-profile: $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.profile

# wrk (the HTTP load generator) from Debian's packages, when root; else HTTP is skipped with a note.
.PHONY: wrk
wrk:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
			|| echo "could not install wrk: the HTTP step will be skipped"; \
	else echo "wrk is not installed and this is not root: the HTTP step will be skipped"; fi

## map-data: rebuild src/stanceline/data/world-shapes.json from the npm packages world-atlas
##           and topojson-client (pinned in tools/map/package-lock.json)
map-data: $(RUN_STAMP) $(AXE)
	$(BIN)/python tools/map/build.py

## clean: remove the virtual environment, caches and the default store
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist src/*.egg-info
	rm -f stanceline.db stanceline.db-wal stanceline.db-shm
	rm -rf bench/.data $(WEB_TOOLS)/node_modules
