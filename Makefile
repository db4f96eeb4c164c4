# omnireport: the two first commands of the README are `make demo` and `make test`.
# Everything the project needs is installed here from the package registries:
# uv into .tools/, then the locked environment into .venv/ (uv.lock).

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy

# Optional dependency groups of pyproject.toml to install as well, comma-separated:
# `make setup EXTRAS=spark` (the Spark target: pyspark, dbt-spark; Java 17 needed to run it).
# Remembered in .tools/extras, so a later `make setup` or `make test` keeps them installed;
# `make setup EXTRAS=none` goes back to none.
comma := ,
EXTRAS_FILE := $(TOOLS)/extras
EXTRAS ?= $(shell cat $(EXTRAS_FILE) 2>/dev/null)
EXTRA_LIST := $(sort $(filter-out none,$(subst $(comma), ,$(EXTRAS))))

DEMO_LANDING ?= seeds/landing
DEMO_WAREHOUSE ?= data/warehouse.duckdb

.PHONY: setup demo test test-fast lint dev docs clean help bench bi bi-install bi-lock FORCE

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(UV):
	@echo "==> installing uv $(UV_VERSION) into $(TOOLS)/"
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Rewritten only when the wanted extras change, so that is when the environment re-syncs.
$(EXTRAS_FILE): FORCE
	@mkdir -p $(TOOLS)
	@echo "$(EXTRA_LIST)" | cmp -s - $@ || echo "$(EXTRA_LIST)" > $@

$(VENV)/.synced: $(UV) uv.lock pyproject.toml $(EXTRAS_FILE)
	@echo "==> installing the locked environment into $(VENV)/$(if $(EXTRA_LIST), with the extras: $(EXTRA_LIST))"
	@$(UV) sync --frozen $(addprefix --extra ,$(EXTRA_LIST)) --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')"
	@touch $@

FORCE:

setup: $(VENV)/.synced  ## create or update the environment (idempotent, fast when nothing changed; EXTRAS=spark adds the Spark target)

demo: setup  ## load the sample data, build every mart through Dagster, print the report summary
	$(BIN)/omnireport run --landing $(DEMO_LANDING) --warehouse $(DEMO_WAREHOUSE)

lint: setup  ## lint and format-check the Python (ruff) and lint the SQL (sqlfluff)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros dbt_project/tests
	cd dbt_project && OMNIREPORT_WAREHOUSE=$(abspath $(DEMO_WAREHOUSE)) ../$(BIN)/dbt parse --quiet --profiles-dir . && OMNIREPORT_WAREHOUSE=:memory: ../$(BIN)/mf validate-configs --skip-dw

# `make test` runs the tests on two workers (pytest-xdist), each test module whole on one
# (tests/conftest.py): most tests wait on a dbt or omnireport subprocess, so two keep a
# 2-core machine busy. TEST_WORKERS=0 runs them in this process, one after the other.
TEST_WORKERS ?= 2

test: setup lint  ## lint the SQL, then run every test (unit, integration, end to end)
	$(BIN)/pytest -n $(TEST_WORKERS)

test-fast: setup  ## only the fast unit tests
	$(BIN)/pytest -m unit

# The warehouse's own Dagster instance (Settings.dagster_home): the UI shows the runs of
# `omnireport run` too.
DEMO_DAGSTER_HOME = $(abspath $(dir $(DEMO_WAREHOUSE)).omnireport/$(basename $(notdir $(DEMO_WAREHOUSE)))/dagster)
DEV_ENV = DAGSTER_HOME=$(DEMO_DAGSTER_HOME) OMNIREPORT_LANDING_DIR=$(abspath $(DEMO_LANDING)) \
	OMNIREPORT_WAREHOUSE=$(abspath $(DEMO_WAREHOUSE))

dev: setup  ## the Dagster UI on http://127.0.0.1:3000 (demo landing folder and warehouse)
	@mkdir -p $(DEMO_DAGSTER_HOME)
	$(DEV_ENV) $(BIN)/dagster dev -h 127.0.0.1 -p 3000

docs: setup  ## dbt docs for the whole project (target/ under dbt_project)
	cd dbt_project && OMNIREPORT_WAREHOUSE=$(abspath $(DEMO_WAREHOUSE)) ../$(BIN)/dbt docs generate --profiles-dir .

clean:  ## remove generated files (environment kept)
	rm -rf dbt_project/target dbt_project/logs data .pytest_cache

# Apache Superset (`make bi`) in its own virtualenv: it pins pandas, numpy, SQLAlchemy and
# duckdb below the project's. Installed from bi/requirements.lock; re-installed only when the
# lock changes (the stamp .installed).
BI_VENV := $(TOOLS)/superset
BI_LOCK := bi/requirements.lock

$(BI_VENV)/.installed: $(BI_LOCK) | $(UV)
	@echo "==> installing Apache Superset ($(BI_LOCK)) into $(BI_VENV)/ (about 2 minutes, 850 MB)"
	@test -x $(BI_VENV)/bin/python || $(UV) venv --quiet --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(BI_VENV)
	@$(UV) pip sync --quiet --require-hashes --python $(BI_VENV)/bin/python $(BI_LOCK)
	@touch $@

bi-install: $(BI_VENV)/.installed  ## install Superset into .tools/superset/ from bi/requirements.lock (idempotent)

bi: setup bi-install  ## Superset with the report dashboard on the reader snapshot (customers masked), http://127.0.0.1:8088 (docs/bi.md)
	$(BIN)/python bi/superset_setup.py serve

bi-lock: $(UV)  ## re-lock Superset's versions after editing bi/requirements.in
	$(UV) pip compile --quiet --generate-hashes --python-version 3.11 bi/requirements.in -o $(BI_LOCK)

bench: setup  ## the scale benchmark (1M sessions; BENCH_ARGS="--scale quick" for 100k)
	$(BIN)/python bench/run_bench.py $(BENCH_ARGS)
