# smartcity: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
INSTANCE := instance

.PHONY: run test lint translations system-deps browser-deps node-deps serve screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# WeasyPrint needs Pango and fonts from the OS; installed when missing (needs root or sudo).
system-deps:
	@missing=""; \
	ldconfig -p | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "installing OS packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; \
	fi

# Browser tests drive Debian's Chromium; never a downloaded browser.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; \
	fi

# axe-core for the accessibility tests, pinned in package-lock.json; installed when missing.
node-deps: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  echo "installing Debian's npm"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d smartcity/translations

run: $(VENV)/.installed system-deps translations
	$(FLASK) db upgrade
	@mkdir -p $(INSTANCE)
	@if [ ! -f $(INSTANCE)/demo-seeded ]; then \
	  umask 077; $(FLASK) seed-demo | tee $(INSTANCE)/demo-logins.txt && touch $(INSTANCE)/demo-seeded; \
	else \
	  echo "Demo logins (saved on first run in $(INSTANCE)/demo-logins.txt):"; cat $(INSTANCE)/demo-logins.txt; \
	fi
	@echo "Serving on http://127.0.0.1:5000"
	$(FLASK) run --host 127.0.0.1 --port 5000

# The production setup on this machine: gunicorn (gunicorn.conf.py: 2+ workers, 60 s timeout)
# on 127.0.0.1:8000 against DATABASE_URL (default: the SQLite file in instance/); no demo data.
serve: $(VENV)/.installed system-deps translations
	$(FLASK) db upgrade
	@echo "Serving with gunicorn on http://$${BIND:-127.0.0.1:8000} (database: $${DATABASE_URL:+DATABASE_URL}$${DATABASE_URL:-SQLite in $(INSTANCE)/})"
	$(BIN)/gunicorn --config gunicorn.conf.py app:app

# PNGs of the main pages into docs/screenshots/ (demo data, Debian's Chromium).
screenshots: $(VENV)/.dev-installed system-deps browser-deps translations
	env -u TEST_DATABASE_URL $(BIN)/python -m tools.screenshots docs/screenshots

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

# one pytest worker process per core (pytest-xdist); each gets its own database
PYTEST_WORKERS ?= auto

test: $(VENV)/.dev-installed system-deps browser-deps node-deps translations lint
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== test suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
