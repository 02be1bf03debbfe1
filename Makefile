# Lentera: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations extract-messages chromium clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Lentera needs Python 3.11 or newer." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: run 'sudo apt-get install -y python3-venv' and try again." >&2; exit 1; fi; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

translations: | $(BIN)/python $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d lms/translations -D "messages wtforms"

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

run: $(VENV)/.installed translations
	$(BIN)/lms init
	$(BIN)/lms demo
	$(BIN)/lms run --host $(HOST) --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's Chromium: run 'sudo apt-get install -y chromium' and try again." >&2; exit 1; fi; }

test: $(VENV)/.installed-test translations chromium
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lms tests benchmarks
	$(BIN)/ruff format --check lms tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
