# Two targets a newcomer needs: `make run` and `make test`. Both create the
# virtual environment in .venv and install Veil with its dev tools first
# (again only when pyproject.toml changes).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench dist deb clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/veil gui

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) lint
	scripts/ensure-postgres
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

# Every benchmark, then one table of their figures beside the baselines
# measured in the same run (tests/perf/table.py).
BENCH_RESULTS ?= $(CURDIR)/.bench-results.jsonl
bench: $(STAMP)
	scripts/ensure-postgres
	rm -f $(BENCH_RESULTS)
	export VEIL_BENCH_RESULTS=$(BENCH_RESULTS); \
	  $(BIN)/python -m tests.perf.claims && \
	  $(BIN)/python -m tests.perf.queue_seek && \
	  $(BIN)/python -m tests.perf.bench_ingest && \
	  $(BIN)/python -m tests.perf.bench_previews && \
	  $(BIN)/python -m tests.perf.bench_video && \
	  $(BIN)/python -m tests.perf.bench_ingest_workers && \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.perf.bench_review_loop && \
	  $(BIN)/python -m tests.perf.bench_cli && \
	  QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.perf.queue_memory && \
	  $(BIN)/python -m tests.perf.table $(BENCH_RESULTS)

# The one-folder bundle in dist/veil (PyInstaller), and the Debian package
# built from it in dist/ (packaging/linux/build-deb.sh).
dist: $(STAMP)
	$(BIN)/python packaging/build.py

deb: dist
	packaging/linux/build-deb.sh

clean:
	rm -rf build dist $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
