# warmline: `make demo` analyses the bundled samples; `make test` runs every check.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLES := src/warmline/data/samples

.PHONY: demo test setup dev lint typecheck pytest eval clean

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

# The main job on the embedded default: score the bundled samples, write the HTML report, and store
# them (redacted, with their scores) in a SQLite file under .warmline/.
demo: setup
	$(BIN)/warmline analyze $(SAMPLES)
	$(BIN)/warmline analyze $(SAMPLES) --output html --out warmline-report.html
	WARMLINE_DATA_DIR=$(CURDIR)/.warmline $(BIN)/warmline import $(SAMPLES)
	@echo "open warmline-report.html in a browser to see why each point was given or taken"

lint: dev
	$(BIN)/ruff check src tests training benchmarks scripts
	$(BIN)/ruff format --check src tests training benchmarks scripts

typecheck: dev
	$(BIN)/mypy

pytest: dev
	$(BIN)/pytest

test: lint typecheck pytest

# Rebuild every shipped model from ../shared/data and reproduce every figure of docs/models.md
# (about an hour on 2 cores; needs the training extra: torch 2.13.0 CPU and '.[train]').
$(VENV)/.train: $(VENV)/.dev
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[train]'
	touch $@

eval: $(VENV)/.train
	$(BIN)/python training/build_encoder.py
	$(BIN)/python training/train_customer_emotion.py
	$(BIN)/python training/train_behaviour_heads.py
	$(BIN)/python training/eval_agent_behaviours.py
	$(BIN)/python training/eval_score_agreement.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
