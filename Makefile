# Linli: two commands. `make run` serves the app; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= subdistrict
SCENARIOS ?=

.PHONY: run test test-pg setup messages bench lint worker beat serve-prod

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed messages

# Compiled catalogues are committed; recompile when gettext is present so edits take effect.
messages:
	@if command -v msgfmt >/dev/null 2>&1; then $(BIN)/python manage.py compilemessages --ignore=.venv -v0; fi

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "Linli is at http://127.0.0.1:$(PORT)/  (demo sign-ins above; stop with Ctrl-C)"
	LINLI_EMBEDDED_BEAT=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

test: setup
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest -n 2 --dist loadfile -q

# The suite against PostgreSQL (CI runs it where a server listens on 127.0.0.1:5432).
test-pg: setup
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m bench --scale $(SCALE) $(if $(SCENARIOS),--scenarios $(SCENARIOS),)

# Production-style processes (see README "Production").
worker: setup
	$(BIN)/celery -A config worker --loglevel=info
beat: setup
	$(BIN)/celery -A config beat --loglevel=info
serve-prod: setup
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 $(BIN)/gunicorn config.wsgi --workers $${WEB_CONCURRENCY:-4} --bind 127.0.0.1:$(PORT)
