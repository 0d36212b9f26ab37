# footfall: `make test` and `make demo` are the whole quick start; each builds .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The stamp is newer than pyproject.toml only after a successful install, so editing the
# dependencies reinstalls on the next make.
STAMP := $(VENV)/.footfall-installed

.PHONY: test demo bench lint venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

# The detector and coach over the bundled run: steps, cadence, impacts, when it would buzz.
demo: $(STAMP)
	$(BIN)/footfall demo
	@# Then the virtual board: the real firmware replays the run, buzzes, logs the session;
	@# the host decodes the session file it wrote.
	@rm -rf build/demo-flash
	$(BIN)/footfall sim tests/data/synthetic_run.csv --out build/demo-flash
	$(BIN)/footfall inspect build/demo-flash/sessions/00001.ffs
	@# Last, the analyst's report of that session: one self-contained HTML file.
	@echo "report of the demo session written to:"
	@$(BIN)/footfall report --session-file build/demo-flash/sessions/00001.ffs \
		--out build/demo-report.html

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_analysis.py
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_sync.py

