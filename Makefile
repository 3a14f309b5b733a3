# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SANDBOX_PORT ?= 8100
# The stand-in identity provider (oidc-provider-mock) behind "Sign in with …".
OIDC_PORT ?= 9400
PORT ?= 8000
# `make test` also runs the suite here when it answers (pytest-django creates test_dashboard).
POSTGRES_TEST_URL ?= postgres://postgres@127.0.0.1:5432/dashboard

.PHONY: run test lint venv env migrate clean screenshots

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "Python 3.12+ is required (found: $$($(PYTHON) --version 2>&1)). Install 3.13 (see .python-version), e.g. 'pyenv install 3.13'."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever the lock file changes.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

venv: $(VENV)/.installed

# DEBUG=True: settings refuse development keys with DEBUG off, and there is no .env yet.
.env:
	DEBUG=True $(BIN)/python manage.py init_env

env: venv .env

migrate: env
	$(BIN)/python manage.py migrate --noinput

# Sandbox, stand-in identity provider, task worker, scheduler and web server together;
# Ctrl-C stops them all. The app signs in through the stand-in unless OIDC_ISSUER is set
# (in the environment or .env), e.g. to a real provider.
run: env
	$(BIN)/python manage.py migrate --noinput
	@trap 'kill 0' EXIT INT TERM; \
	if [ -z "$$OIDC_ISSUER" ] && ! grep -q '^OIDC_ISSUER=.' .env; then \
	  export OIDC_ISSUER=http://127.0.0.1:$(OIDC_PORT) OIDC_CLIENT_ID=vendor-dashboard \
	    OIDC_CLIENT_SECRET=stand-in OIDC_BUTTON_LABEL="Sign in with the stand-in provider"; \
	fi; \
	NO_COLOR=1 $(BIN)/python -m oidc_provider_mock --port $(OIDC_PORT) \
	  --user-claims-file dashboard/sso/stand_in_users.yaml & \
	$(BIN)/python manage.py sandbox --port $(SANDBOX_PORT) & \
	$(BIN)/python manage.py db_worker --interval 0.5 --no-startup-delay & \
	$(BIN)/python manage.py run_scheduler & \
	$(BIN)/python manage.py seed_demo --sandbox-url http://127.0.0.1:$(SANDBOX_PORT) \
	  --app-url http://127.0.0.1:$(PORT)/ --wait && \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The README's pictures, made again by driving Chromium against the sandbox.
screenshots: venv
	$(BIN)/pytest -q -p no:cacheprovider tests/browser/screenshots.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: venv
	@if [ -x /usr/bin/chromium ]; then echo "Browser tests: Chromium found at /usr/bin/chromium."; \
	 else echo "Browser tests will be SKIPPED: /usr/bin/chromium is missing (apt-get install chromium)."; fi
	$(BIN)/ruff check .
	DEBUG=True $(BIN)/python manage.py makemigrations --check --dry-run > /dev/null
	@echo "== The suite on SQLite =="
	$(BIN)/pytest
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(POSTGRES_TEST_URL)'.rsplit('/', 1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== The suite on PostgreSQL ($(POSTGRES_TEST_URL)) =="; \
	  DATABASE_URL=$(POSTGRES_TEST_URL) $(BIN)/pytest; \
	elif [ "$${REQUIRE_POSTGRES:-0}" = 1 ]; then \
	  echo "PostgreSQL is not reachable at $(POSTGRES_TEST_URL) and REQUIRE_POSTGRES=1."; exit 1; \
	else \
	  echo "The PostgreSQL run is SKIPPED: nothing answers at $(POSTGRES_TEST_URL)."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
