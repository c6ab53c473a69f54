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

bench: $(STAMP)
	scripts/ensure-postgres
	$(BIN)/python -m tests.perf.claims
	$(BIN)/python -m tests.perf.queue_seek
	$(BIN)/python -m tests.perf.bench_ingest
	$(BIN)/python -m tests.perf.bench_previews
	$(BIN)/python -m tests.perf.bench_video
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.perf.bench_review_loop

# The one-folder bundle in dist/veil (PyInstaller), and the Debian package
# built from it in dist/ (packaging/linux/build-deb.sh).
dist: $(STAMP)
	$(BIN)/python packaging/build.py

deb: dist
	packaging/linux/build-deb.sh

clean:
	rm -rf build dist $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
