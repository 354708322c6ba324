# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_START ?= 2023-04
DEMO_END ?= 2025-03
DEMO_SCALE ?= 1.0
SEED ?= 20240331

.PHONY: install demo test lint ui clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Generate two years of synthetic submissions for every provider, run the whole pipeline, publish.
demo: $(STAMP)
	rm -rf data/landing
	CDW_ALLOW_DEMO_KEY=1 $(BIN)/cdw generate --start $(DEMO_START) --end $(DEMO_END) --scale $(DEMO_SCALE) --seed $(SEED) --landing data/landing
	CDW_ALLOW_DEMO_KEY=1 $(BIN)/cdw run

lint: $(STAMP)
	$(BIN)/ruff check orchestration sources tests

# Lint, unit tests, and an end-to-end run at scale 0.01 (which runs dbt build on that data).
test: lint
	$(BIN)/pytest

ui: $(STAMP)
	mkdir -p data/dagster_home
	DAGSTER_HOME=$(CURDIR)/data/dagster_home CDW_ALLOW_DEMO_KEY=1 $(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf data target logs
