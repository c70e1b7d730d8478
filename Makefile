# The two commands in the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint check screenshots bench docs clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "qa-toolkit needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/qa-toolkit db upgrade
	$(BIN)/qa-toolkit demo seed
	$(BIN)/qa-toolkit serve

# The suite on every core (pytest-xdist, one worker per core; PYTEST_WORKERS=0 runs it in one
# process). --dist loadfile keeps each test file on one worker, so a file's module-scoped
# fixtures (the accessibility test's records) are made once; files go out in the order
# tests/conftest.py gives them (those with a test marked `long` first), not xdist's own.
PYTEST_WORKERS ?= auto
test: $(VENV)/.installed-dev
	scripts/ensure-chromium
	scripts/ensure-office
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Regenerate what the docs take from the code (the template guide's table of errors).
docs: $(VENV)/.installed-dev
	$(BIN)/python scripts/template_errors_table.py

# Retake the README's screenshots from the running app (the browser tests write them) and the
# board pack's pages from the demo as LibreOffice renders them.
screenshots: $(VENV)/.installed-dev
	scripts/ensure-chromium
	scripts/ensure-office
	QA_TOOLKIT_RETAKE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q
	$(BIN)/python scripts/board_pack_screenshots.py

# Benchmarks with their targets (figures as ratios to a floor measured in the same run).
# Always exits 0: it reports, it does not judge. Results go to bench/results.json.
# bench.serve needs PostgreSQL: TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test
# (it creates and drops its own database there, and starts and stops its own gunicorn).
# bench.region: the list pages at a regional service's size (REGION_SCALE=1 for the whole region).
REGION_SCALE ?= 0.1
bench: $(VENV)/.installed-dev
	-$(BIN)/python -m bench.import_frame
	-$(BIN)/python -m bench.draw_sample
	-$(BIN)/python -m bench.rollup
	-$(BIN)/python -m bench.export
	-$(BIN)/python -m bench.large_sheet
	-$(BIN)/python -m bench.serve
	-$(BIN)/python -m bench.region --scale $(REGION_SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
