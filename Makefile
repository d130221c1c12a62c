# eventwatch — executable documentation. `make demo` and `make test` are the README's two commands.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt pyproject.toml | sha1sum | cut -c1-12)
DATA_DIR ?= data
# the demo replays the sample corpus as a live poll would have seen it on this instant
DEMO_AS_OF ?= 2022-02-23T12:00:00Z

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: setup demo dashboard test test-fast bench lint typecheck constraints reliability-doc clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements.txt constraints.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
		-r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)  ## create .venv and install the pinned dependencies

demo: setup  ## run eventwatch over the sample corpus and show how to query it
	$(BIN)/eventwatch run --feeds seeds/feeds.yml --data-dir $(DATA_DIR) --as-of $(DEMO_AS_OF)
	@echo
	@echo "The winter's diplomatic calendar, as of $(DEMO_AS_OF):"
	@$(BIN)/eventwatch query --data-dir $(DATA_DIR) \
		"select label, location, due_start, due_end, status, revision_count from marts.fct_deadlines order by due_start, label, location"
	@echo
	@echo "Query it yourself:  $(BIN)/eventwatch query \"select * from marts.fct_claims limit 10\""
	@echo "Data Docs:          $(DATA_DIR)/data_docs/index.html"

DASHBOARD_PORT ?= 8501

dashboard: setup  ## serve the dashboard on http://127.0.0.1:8501/ (DASHBOARD_PORT=N to change) over the published snapshot (make demo first)
	$(BIN)/eventwatch dashboard --data-dir $(DATA_DIR) --port $(DASHBOARD_PORT)

test: setup  ## run the whole test suite (what CI runs)
	$(BIN)/python -m pytest

test-fast: setup  ## the suite without the slow end-to-end and Airflow tests
	$(BIN)/python -m pytest -m "not slow"

bench: setup  ## measure stage throughput and run times against the targets in BENCHMARKS.md
	$(BIN)/python bench/bench.py

lint: setup  ## ruff and mypy on the Python code; sqlfluff on the dbt project (dbt templater, duckdb dialect; tests/transform/test_lint.py runs it too)
	$(BIN)/ruff check .
	$(BIN)/mypy
	@lintdb=$$(mktemp -d) && cd dbt_project && EVENTWATCH_DB=$$lintdb/lint.duckdb ../$(BIN)/sqlfluff lint . ; \
		status=$$?; rm -rf $$lintdb; exit $$status

typecheck: setup  ## mypy over pipelines/ and expectations/ (settings in pyproject.toml)
	$(BIN)/mypy

constraints: setup  ## regenerate the lock (constraints.txt) from the venv: every installed distribution but pip and setuptools, sorted
	$(BIN)/python -m pip freeze --all --exclude-editable --disable-pip-version-check > $(VENV)/freeze.txt
	grep -vE '^(pip|setuptools)==' $(VENV)/freeze.txt | LC_ALL=C sort -f > constraints.txt
	@git diff --stat -- constraints.txt

reliability-doc: setup  ## regenerate docs/reliability.md from the tests' reliability markers
	$(BIN)/python -m tests.reliability_doc --write

clean:  ## remove generated data (keeps .venv)
	rm -rf $(DATA_DIR) dbt_project/target dbt_project/logs
