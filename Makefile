# smartcity: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
INSTANCE := instance

.PHONY: run test lint lock upgrade translations messages system-deps browser-deps node-deps serve screenshots clean bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs come from the lock files only: every package, direct or not, at one exact version
# with its hashes, so a new machine gets exactly what CI tested. `make lock` / `make upgrade`.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev-installed: requirements-dev.lock $(VENV)/.installed
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.lock
	touch $@

# Locust for the capacity benchmark (bench/capacity.py) on top of the test tools; nothing else
# needs it, so neither `make test` nor `make run` installs it.
$(VENV)/.bench-installed: requirements-bench.lock $(VENV)/.dev-installed
	$(BIN)/python -m pip install -q --require-hashes -r requirements-bench.lock
	touch $@

bench-deps: $(VENV)/.bench-installed

# pip-tools' pip-compile writes the locks from the ranges in requirements*.txt. It asks PyPI
# itself (a machine's own pip configuration, such as a local mirror, is left out) and names no
# index and no local path, so a lock made anywhere installs everywhere. The dev lock is made
# first; the runtime and benchmark locks then keep the dev lock's versions, so none disagree.
PIP_COMPILE := PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

define relock
	$(PIP_COMPILE) $(1) --output-file requirements-dev.lock requirements-dev.txt
	cp requirements-dev.lock requirements.lock
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	cp requirements-dev.lock requirements-bench.lock
	$(PIP_COMPILE) --output-file requirements-bench.lock requirements-bench.txt
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip check
	@echo "lock files written: run 'make test' (both databases) before committing them"
endef

# the locks again after a range in requirements*.txt changed (pinned versions kept where allowed)
lock: $(VENV)/.dev-installed
	$(call relock,)

# the newest versions the ranges allow
upgrade: $(VENV)/.dev-installed
	$(call relock,--upgrade)

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

# After adding or changing a message: new strings into messages.po (translate them, then `make
# translations`). Keywords: _l / lazy_gettext for forms, N_ for the domain's message keys
# (domain/messages.py); _, gettext and ngettext are Babel's defaults.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d smartcity/translations -l id --no-fuzzy-matching

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
	$(BIN)/ruff format --check .

# one pytest worker process per core (pytest-xdist); each gets its own database
PYTEST_WORKERS ?= auto

# the slowest tests and each run's time are printed: where the suite's minutes go (docs/TESTING.md)
PYTEST_ARGS ?= --durations=10

# With TEST_DATABASE_URL the PostgreSQL run runs every test and the SQLite run before it only
# those whose outcome depends on the test database, browser tests excepted: a test that uses
# no test database would repeat the same run (docs/TESTING.md).
test: $(VENV)/.dev-installed system-deps browser-deps node-deps translations lint
	@echo "== test suite on SQLite =="
	@start=$$(date +%s); \
	env -u TEST_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) \
	  $${TEST_DATABASE_URL:+--database-tests-only} || exit $$?; \
	echo "== SQLite: $$(( $$(date +%s) - start )) s =="
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== test suite on PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  start=$$(date +%s); \
	  $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || exit $$?; \
	  echo "== PostgreSQL: $$(( $$(date +%s) - start )) s =="; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
