# Beacon: `make run` starts everything, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install lint format bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py make_signing_cert --if-missing
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo --no-logins
	@echo ""
	@echo "Beacon is starting at http://127.0.0.1:$(PORT)/  (a process that exits is restarted; Ctrl-C stops web, worker and beat)"
	@$(PY) manage.py seed_demo --logins-only
	@echo ""
	BEACON_PORT=$(PORT) BEACON_PUBLIC_URL=$${BEACON_PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
		BEACON_VAR_DIR=$${BEACON_VAR_DIR:-$(CURDIR)/var} \
		exec $(VENV)/bin/supervisord --configuration supervisord.conf

test: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/run_all.py

# Regenerate docs/screenshots/*.png (1280 px wide) from a seeded live server in Chromium.
screenshots: $(STAMP)
	BEACON_SCREENSHOTS=1 $(VENV)/bin/pytest --nomigrations tests/e2e -k screenshots

clean:
	rm -rf var/staticfiles var/broker var/test.sqlite3
