# Two commands matter: `make run` (set up and serve on http://127.0.0.1:8000/, or on the
# port given as `make run PORT=8731`) and `make test` (the whole suite). Both create
# .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Given on the command line (`make run PORT=8731`), make passes PORT to every command's
# environment too: the settings build development links in emails from it (SITE_URL).
PORT ?= 8000

.PHONY: run test lint typecheck check-python demo worker clean messages check-messages

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || \
	  { echo "Dormant Guard needs Python 3.12 or newer; '$(PYTHON)' is older. Try: make run PYTHON=python3.12"; exit 1; }

$(BIN)/python: | check-python
	@echo "==> Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip's own lines ("Collecting ...") are the progress report: the first install takes
# about a minute.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> Installing Dormant Guard's dependencies into $(VENV) (about a minute the first time)"
	$(BIN)/python -m pip install --progress-bar off -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	@echo "==> Installing the development tools (tests, linters) into $(VENV)"
	$(BIN)/python -m pip install --progress-bar off -e '.[dev]'
	@touch $@

# A local .env with DEBUG on and a fresh secret key; never committed.
.env: | $(BIN)/python
	@$(BIN)/python -c 'import secrets; print("DEBUG=true\nSECRET_KEY=" + secrets.token_urlsafe(50))' > .env
	@echo "Wrote .env for local development (DEBUG on, console email)."

run: $(VENV)/.installed .env
	@echo "==> Preparing the database"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_guidance
	@if [ -n "$(DEMO)" ]; then $(BIN)/python manage.py seed_demo; fi
	@echo "==> Serving on http://127.0.0.1:$(PORT)/ (emails are printed below; Ctrl-C stops)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

demo:
	$(MAKE) run DEMO=1

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/python -m ruff check .

# mypy with django-stubs; what it checks is configured in pyproject.toml ([tool.mypy]).
typecheck: $(VENV)/.installed-dev
	$(BIN)/python -m mypy

# Translations (needs GNU gettext: apt-get install gettext). `messages` re-extracts every
# marked string into locale/<lang>/LC_MESSAGES/django.po and compiles the .mo files;
# `check-messages` is what CI runs (current, complete, .mo matching .po).
messages: $(VENV)/.installed
	$(BIN)/python .ci/catalogs.py update

check-messages: $(VENV)/.installed
	$(BIN)/python .ci/catalogs.py check

worker: $(VENV)/.installed .env
	$(BIN)/python manage.py db_worker

clean:
	rm -rf $(VENV) staticfiles screenshots test-results
