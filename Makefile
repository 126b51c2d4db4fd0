# Two commands on a fresh machine:  make run   and   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi:app

.PHONY: run install install-dev translations test test-sqlite test-postgresql bench translations-sync clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed $(VENV)/localstripe/bin/localstripe
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# A Stripe-compatible server for the payments tests, in a virtualenv of its own.
$(VENV)/localstripe/bin/localstripe: | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/localstripe
	$(VENV)/localstripe/bin/pip install --quiet localstripe==1.15.10

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund; fi

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d portal/translations >/dev/null

## make run: install, migrate, load demo data, serve http://127.0.0.1:5000 on SQLite
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "Portal on http://127.0.0.1:5000 (e-mails are printed here)"
	$(BIN)/python -m portal.devserver

## make test: install and run the whole suite (SQLite, then PostgreSQL, browser tests)
test: install-dev
	$(BIN)/python -m tests.run

## make translations-sync: refresh the catalogues after changing user-visible strings
translations-sync: $(VENV)/.installed
	$(BIN)/flask translations sync

## make bench: load the portal and a bare Flask ceiling with wrk; writes bench/RESULTS.md
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance node_modules
