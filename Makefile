# ldnsite developer commands. `make run` serves the seeded site; `make test` runs
# the whole suite. Both create .venv with Python 3.12+ on first use.

VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install browser bench bench-pages bench-import two-servers lint format migrations-check seed admin-user check-deploy clean

run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_ldn_content
	$(PY) manage.py create_local_admin --site http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Requests per second of every public page as served in production (gunicorn,
# PostgreSQL, Redis, wrk), at the given numbers of studies, in each cache mode
# (pages, figures, none), as shares of a bare Django "hello" view.
BENCH_SIZES ?= 100 10000
BENCH_SECONDS ?= 5
BENCH_CACHE ?= pages figures none
bench: $(VENV)/.installed
	$(PY) benchmarks/serve.py $(BENCH_SIZES) --seconds $(BENCH_SECONDS) --cache $(BENCH_CACHE)

# Page times and query counts through the test client at growing content sizes.
bench-pages: $(VENV)/.installed
	$(PY) benchmarks/pages.py $(BENCH_ROWS)

# Two gunicorn servers on one PostgreSQL and one Redis: a publish, a staff
# session, the API throttle and the sign-in lockout are shared.
two-servers: $(VENV)/.installed
	$(PY) scripts/two_servers.py

# Citation import: time and queries of preview and import at 10 to 1,000 records.
bench-import: $(VENV)/.installed
	$(PY) benchmarks/imports.py $(BENCH_RECORDS)

# The browser tests drive Debian's chromium; install it when it is missing.
browser:
	@sh scripts/install-chromium

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python=$$(sh scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    rm -rf $(VENV); echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV) || exit 1; \
	  fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet '.[dev]'
	@touch $@

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

seed: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_ldn_content

admin-user: $(VENV)/.installed
	$(PY) manage.py create_local_admin

clean:
	rm -rf $(VENV) staticfiles test-artifacts
