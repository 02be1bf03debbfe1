# Lentera: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations extract-messages system-deps clean

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
	LMS_REQUIRE_2FA_FOR_ADMINS=false $(BIN)/lms run --host $(HOST) --port $(PORT)

# Debian packages the suite drives: Chromium for browser tests, poppler-utils (pdftoppm) to read certificate PDFs
# as a verifier's phone would see them.
system-deps:
	@missing=""; command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq $$missing; \
	  else echo "The test suite needs Debian's$$missing: run 'sudo apt-get install -y$$missing' and try again." >&2; exit 1; fi; \
	fi

test: $(VENV)/.installed-test translations system-deps
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check lms tests benchmarks
	$(BIN)/ruff format --check lms tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
