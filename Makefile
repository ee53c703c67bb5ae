PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-lowest lint docs bench fuzz mutate clean translations check-translations screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# One stamp per set of extras, remade when pyproject.toml changes.
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

# The lowest versions pyproject.toml admits for its direct dependencies, in a venv of their
# own, installed by uv (from PyPI, into the main venv): what a host on older pins gets. The
# constraints add a pinned host's versions of what flask-pat only depends on through others.
LOWEST := .venv-lowest
LOWEST_CONSTRAINTS := tests/support/lowest-constraints.txt

$(BIN)/uv: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.5'

$(LOWEST)/.installed: pyproject.toml $(LOWEST_CONSTRAINTS) | $(BIN)/uv
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(BIN)/python $(LOWEST)
	$(BIN)/uv pip install --quiet --python $(LOWEST)/bin/python --resolution lowest-direct \
		--constraint $(LOWEST_CONSTRAINTS) -e '.[test]'
	touch $@

$(VENV)/.installed-mutate: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	touch $@

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

## Run the example app on http://127.0.0.1:$(PORT) (SQLite): `PORT=8000 make demo` for another.
PORT ?= 5000
demo: $(VENV)/.installed-base
	PORT=$(PORT) $(BIN)/python -m example_app

## Lint, type-check and run every test. PAT_TEST_DATABASE_URLS adds PostgreSQL and MariaDB.
## The tests run in TEST_WORKERS processes (pytest-xdist), a test file to a process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## The suite on the lowest versions pyproject.toml admits (without the browser tests, which
## need no version variety). PAT_TEST_DATABASE_URLS adds PostgreSQL and MariaDB.
test-lowest: $(LOWEST)/.installed
	PAT_LOWEST_RUN=1 $(LOWEST)/bin/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile \
		--ignore=tests/browser -m "not browser"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Build the documentation into docs/_build/html (warnings are errors).
docs: $(VENV)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

## Benchmarks: prints the table and writes docs/performance.md.
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench
	$(BIN)/python -m bench.revoke_next

## Extract the messages of the code, update the de/es/fr catalogues and compile them.
## New messages arrive untranslated: translate them in each .po, then run it again.
POT := flask_pat/translations/flask_pat.pot
LANGUAGES := de es fr
translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k ngettext:1,2 \
		--add-location=file --sort-by-file --no-wrap \
		--project=flask-pat --copyright-holder="flask-pat contributors" \
		--msgid-bugs-address="" -o $(POT).new flask_pat
	@# Keep the old template (and so the catalogues) when only its date would change.
	@if diff -q -I '^"POT-Creation-Date' $(POT) $(POT).new >/dev/null 2>&1; \
		then rm $(POT).new; else mv $(POT).new $(POT); fi
	for lang in $(LANGUAGES); do \
		test -f flask_pat/translations/$$lang/LC_MESSAGES/flask_pat.po || \
		$(BIN)/pybabel init -i $(POT) -d flask_pat/translations -D flask_pat -l $$lang --no-wrap; \
	done
	$(BIN)/pybabel update -i $(POT) -d flask_pat/translations -D flask_pat \
		--ignore-obsolete --no-fuzzy-matching --no-wrap
	$(BIN)/pybabel compile --statistics -d flask_pat/translations -D flask_pat

## Refresh the docs' screenshots (docs/img/) from the example app in Chromium.
screenshots: $(VENV)/.installed-test
	PAT_SCREENSHOTS=1 $(BIN)/pytest tests/browser/test_screenshots.py tests/browser/test_i18n.py \
		tests/browser/test_admin.py -p no:cacheprovider -q

## Fail when a catalogue is out of step with the code (also part of make test).
check-translations: $(VENV)/.installed-test
	$(BIN)/pytest tests/test_i18n.py -k catalogue -p no:cacheprovider

## A longer fuzzing run of the JSON API.
fuzz: $(VENV)/.installed-test
	PAT_FUZZ_EXAMPLES=2000 $(BIN)/pytest tests/api/test_fuzz.py

## Mutation testing of the security core (mutmut, SQLite, about half an hour on two cores):
## the score per module and the surviving mutants (docs/testing.md). Not part of make test.
mutate: $(VENV)/.installed-mutate
	$(BIN)/python -m tests.support.mutate

clean:
	rm -rf $(VENV) $(LOWEST) dist build docs/_build .pytest_cache .mypy_cache .ruff_cache mutants
