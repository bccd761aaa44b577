# warmline: `make demo` analyses the bundled samples; `make test` runs every check.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLES := src/warmline/data/samples

.PHONY: demo test setup dev lint typecheck pytest services clean

$(BIN)/warmline: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(BIN)/warmline
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/warmline

dev: $(VENV)/.dev

demo: setup
	$(BIN)/warmline analyze $(SAMPLES)

lint: dev
	$(BIN)/ruff check src tests training benchmarks scripts
	$(BIN)/ruff format --check src tests training benchmarks scripts

typecheck: dev
	$(BIN)/mypy

pytest: dev
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
