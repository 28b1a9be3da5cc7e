# Two commands for people: `make run` and `make test`. Everything else is a helper.
PY ?= python3
VENV := .venv
PORT ?= 8501
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test venv samples bench screenshots clean lint

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch drags in a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

samples: $(STAMP)
	$(BIN)/claims ingest samples/articles
	$(BIN)/claims import-factchecks samples/factchecks.csv

run: samples
	$(BIN)/claims serve --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The README's screenshots: the browser tests write them into docs/ only when asked.
screenshots: $(STAMP)
	CLAIMS_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/test_browser.py

bench: $(STAMP)
	$(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
