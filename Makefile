# Two commands for a newcomer: `make run` and `make test`. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app

.PHONY: help run test lint fmt install migrate demo translations messages clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed ## create .venv and install the dependencies

translations: install ## compile the translation catalogues
	$(BIN)/pybabel compile --statistics -d views/translations

messages: install ## extract French source strings into the English catalogue (then translate the new ones)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o /tmp/pledge-tracker.pot --ignore-dirs=".venv tests bench instance" .
	$(BIN)/pybabel update -i /tmp/pledge-tracker.pot -d views/translations -l en --no-fuzzy-matching

migrate: install ## apply the database migrations (DATABASE_URL, default instance/pledges.db)
	$(BIN)/alembic upgrade head

demo: migrate ## load the Marseille demonstration data if the database is empty
	$(BIN)/flask demo load --if-empty

run: translations demo ## serve http://127.0.0.1:$(PORT) and poll the feeds (Procfile: web + poller; Ctrl-C stops both)
	FLASK_RUN_PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port $(PORT)

TEST_WORKERS ?= 2
test: translations ## run the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set) on TEST_WORKERS processes
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: install ## ruff check, format check and the mypy type check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install ## ruff fix and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean: ## remove the virtualenv and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
