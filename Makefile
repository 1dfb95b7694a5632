# XMO — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= 1000000
export DJANGO_DEBUG ?= 1

.PHONY: help install run serve worker beat test test-deps test-fast lint format migrate seed bench stats clean messages messages-check

help:
	@echo "make run    install, migrate, load demo data once, serve web + worker + beat on http://$(HOST):$(PORT)"
	@echo "make test   run the whole test suite"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check"
	@echo "make bench  benchmarks (needs PostgreSQL and Redis; SCALE=$(SCALE))"
	@echo "make stats  quality figures: score-drop power, false alarms and interval coverage (simulated), tag-suggestion precision and recall; bench/stats.json"

# Installs the exact versions of requirements/dev.lock (hash-checked), then the app itself
# without resolving anything again. `make lock` regenerates the locks from pyproject.toml.
LOCK := requirements/dev.lock

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "XMO needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

.PHONY: lock
# Recompile requirements/runtime.lock and requirements/dev.lock after editing pyproject.toml
# (UPGRADE=1 moves every pin to the newest allowed version).
lock: install
	bash .ci/lock.sh $(if $(UPGRADE),--upgrade)

# var/ (git-ignored) holds the embedded database: it must exist before the first migrate.
migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# seed_demo is restartable (Ctrl-C at any point, then `make run` again finishes it); the
# marker only skips it once it has completed. E-mails link to the address being served.
run: migrate
	@test -f var/.demo-loaded || ( \
	  XMO_SITE_URL="$${XMO_SITE_URL:-http://$(HOST):$(PORT)}" PYTHONUNBUFFERED=1 \
	  $(PY) manage.py seed_demo && touch var/.demo-loaded)
	$(PY) manage.py run_all --host $(HOST) --port $(PORT)

# The OpenID Connect provider that the single sign-on tests start (tests/oidc/idp), installed
# exactly as its package-lock.json says. Without npm those tests skip (fail in CI).
OIDC_IDP := tests/oidc/idp
OIDC_IDP_STAMP := $(OIDC_IDP)/node_modules/.installed-stamp

$(OIDC_IDP_STAMP): $(OIDC_IDP)/package.json $(OIDC_IDP)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(OIDC_IDP) --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the single sign-on tests will be skipped"; fi

test-deps: install $(OIDC_IDP_STAMP)

XDIST ?= auto
test: test-deps
	$(PY) -m pytest -n $(XDIST) --dist load $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m bench.run --scale $(SCALE) $(BENCH_ARGS)

# Quality figures: simulations of the product's own drop detector and intervals (a few
# minutes on 2 cores), and tag-suggestion precision and recall on the two labelled samples
# (demo-style and free text), merged into bench/stats.json.
stats: install
	$(PY) -m bench.stats $(STATS_ARGS)
	$(PY) -m bench.tag_stats

# Extract every marked string into locale/de/LC_MESSAGES/django.po (keeping the translations
# already there), then compile django.mo. Translate the new empty msgstr entries, then run
# it again. `make messages-check` fails when any string has no German translation.
MESSAGE_IGNORES := --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=var --ignore=build
messages: install
	$(PY) manage.py makemessages --locale de --no-obsolete --no-location $(MESSAGE_IGNORES)
	$(PY) manage.py compilemessages --locale de --ignore=.venv --ignore=node_modules

messages-check: install
	bash .ci/messages-check

clean:
	rm -rf var/xmo.sqlite3* var/broker var/celerybeat-schedule* var/.demo-loaded var/mail
