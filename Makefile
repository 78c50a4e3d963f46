# PanBot. Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint format migrate worker beat clean messages

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PanBot needs Python 3.11 or newer (set PYTHON=...).")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The dashboard's compiled translations, by Babel from the venv (no system gettext needed).
MO := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))
%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

messages: $(MO)

# The dashboard's browser libraries (package.json; served from node_modules by Django/WhiteNoise).
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --silent

install: $(STAMP) $(MO) $(NODE_STAMP)

# Embedded default unless DATABASE_URL / REDIS_URL are set: SQLite, in-memory channel layer, eager Celery.
run: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo
	@echo "API docs (Swagger UI): http://127.0.0.1:8000/api/v1/docs/  schema: http://127.0.0.1:8000/api/v1/schema/"
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite on PostgreSQL and Redis (local defaults; override with DATABASE_URL / REDIS_URL).
# Two workers (pytest-xdist): the suite is written for it (a database and a channel-layer prefix per worker).
PYTEST_WORKERS ?= 2
test: install lint
	$(PY) -m pytest -n $(PYTEST_WORKERS)

# Ruff, mypy (strict on panbot/ and the services and selectors; pyproject.toml), and the OpenAPI
# schema: valid and generated without a single warning.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A panbot worker -Q celery,printing --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A panbot beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-shm db.sqlite3-wal .pytest_cache .ruff_cache .mypy_cache
