# IntimacyHub: `make run` serves the demo on SQLite; `make test` runs everything.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
PYTEST_ARGS ?=
ARTICLES ?= 10000
# Each suite (SQLite, PostgreSQL) must end within this many seconds: past it, pytest gets Ctrl+C and prints
# where it was (a test that hangs fails sooner, after pyproject.toml's per-test `timeout`).
SUITE_LIMIT ?= 1800
LIMIT := timeout --signal=INT --kill-after=60 $(SUITE_LIMIT)

.PHONY: run install browser-deps bench-deps superuser lint check test test-sqlite test-postgres test-browser bench bench-peer loadtest clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# axe-core for the accessibility tests, exactly as package-lock.json pins it.
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $(AXE)

browser-deps: $(AXE)

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py setup_roles
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000/ (admin: http://127.0.0.1:8000/admin/; create an account with 'make superuser')"
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

superuser: install
	DJANGO_DEBUG=1 $(PY) manage.py createsuperuser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	DJANGO_DEBUG=1 $(PY) manage.py check --fail-level WARNING
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install browser-deps
	env -u DATABASE_URL INTIMACYHUB_TEST_DB=sqlite $(LIMIT) $(PY) -m pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: install browser-deps
ifeq ($(strip $(DATABASE_URL)),)
	.ci/with-postgres $(LIMIT) $(PY) -m pytest $(PYTEST_ARGS)
else
	INTIMACYHUB_TEST_DB=postgres $(LIMIT) $(PY) -m pytest $(PYTEST_ARGS)
endif

test: lint check test-sqlite test-postgres

# Only the browser tests, on SQLite (they also run inside test-sqlite and test-postgres).
test-browser: install browser-deps
	env -u DATABASE_URL INTIMACYHUB_TEST_DB=sqlite $(PY) -m pytest -m browser $(PYTEST_ARGS)

# wrk, for bench, bench-peer and loadtest (a fresh CI machine lacks it).
bench-deps:
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	test -x /usr/sbin/varnishd || (apt-get update -qq && apt-get install -y -qq varnish)
	test -x /usr/sbin/nginx || (apt-get update -qq && apt-get install -y -qq nginx)

bench: install bench-deps
	$(PY) bench/run.py --articles $(ARTICLES)
	# Issue 12: readers' page-cache hit rate while an editor saves drafts (about 100 s).
	$(PY) bench/draft_saves.py
	# Issue 15: the editorial checks on a 1 MB body (about 30 s).
	$(PY) bench/checks_bench.py
	# Issue 18: one article page from nginx (static copy), Varnish, the page cache, uncached; purge to visible.
	$(PY) bench/edge.py --articles $(ARTICLES)
	# Issue 16: what a cover costs the article page, rendition and page weights, storage per image (about 1 minute).
	$(PY) bench/images_bench.py
	# Issue 18: readers with and without a streaming replica while a writer keeps the primary busy (about 2 minutes).
	$(PY) bench/replica.py --articles $(ARTICLES)

# Issue 6: 50 readers for 60 s while 4 editors save the same 3 articles; zero
# errors, no lost edit (bench/loadtest.py says what it checks). About 2 minutes.
loadtest: install bench-deps
	$(PY) bench/loadtest.py

# The Wagtail peer, measured the same way on the same machine (see bench/README.md).
bench-peer: bench-deps
	rm -rf /tmp/intimacyhub-peer && cp -r ../shared /tmp/intimacyhub-peer && chmod -R u+w /tmp/intimacyhub-peer
	grep -v '^#' bench/queries.txt | cut -f2 > /tmp/intimacyhub-peer/bench/queries.txt
	mkdir -p bench/data && test -s bench/data/corpus-$(ARTICLES).jsonl \
	  || python3 bench/make_corpus.py --articles $(ARTICLES) > bench/data/corpus-$(ARTICLES).jsonl
	cd /tmp/intimacyhub-peer/peer/wagtail && ./bench.sh $(ARTICLES) --wrk-seconds 15 --search-repeats 20 \
	  --corpus $(CURDIR)/bench/data/corpus-$(ARTICLES).jsonl --out $(CURDIR)/bench/results/peer-$(ARTICLES).json

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache test-artifacts tests/browser/node_modules
