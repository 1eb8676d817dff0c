# Podium: the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is a helper for them.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 0.0.0.0
PORT   ?= 8000
# Extra pytest options for `make test`; CI passes --create-db.
PYTEST_ARGS ?=

.PHONY: run test install lint format migrate demo clean

## Create the virtualenv, install, migrate, load the demo if the database is empty, serve.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo --if-empty
	$(BIN)/python manage.py show_urls --port $(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Run the whole test suite, in parallel (settings follow DATABASE_URL and REDIS_URL),
## keeping the test databases for the next run (--create-db starts afresh).
test: install
	$(BIN)/python -m pytest -n auto --dist loadgroup --reuse-db $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Podium needs Python 3.11 or newer.") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: install
	$(BIN)/python manage.py demo

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
