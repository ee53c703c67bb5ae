PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev,bench]'
	touch $(STAMP)

## Run the example app on http://127.0.0.1:5000 (SQLite).
demo: $(STAMP)
	$(BIN)/python -m example_app

## Run every test (PostgreSQL/MariaDB too when PAT_TEST_DATABASE_URLS names them).
test: $(STAMP)
	$(BIN)/ruff check flask_pat example_app tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

fuzz: $(STAMP)
	PAT_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/test_fuzz.py

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache
