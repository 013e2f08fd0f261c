# The two commands of the README: `make demo` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test install install-test translations compile-translations bench soak architecture typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(MAKE) --no-print-directory compile-translations

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,prod]'
	$(MAKE) --no-print-directory compile-translations

compile-translations:
	$(BIN)/pybabel compile -d translations

## Run the demo: install, migrate, load the Safe Leiden campaign, serve it on http://$(HOST):$(PORT)
## (links in mails, the QR code, the poster and the embed follow: BASE_URL is set to match unless given)
demo: export BASE_URL ?= http://$(HOST):$(PORT)
demo: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --host $(HOST) --port $(PORT)

## Run the whole test suite (PostgreSQL, Redis, a real rq worker and SMTP server included), in
## TEST_PROCESSES processes (pytest-xdist; most tests wait on servers, so more processes than cores pay)
TEST_PROCESSES ?= 3
test: install-test
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

## After changing user-visible text: extract, update both catalogs, give English its own text, compile
translations: $(BIN)/python
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --add-comments=TRANSLATORS: --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100
	msgen --no-wrap translations/en/LC_MESSAGES/messages.po -o translations/en/LC_MESSAGES/messages.po
	$(MAKE) --no-print-directory compile-translations
	@for po in translations/*/LC_MESSAGES/messages.po; do printf '%s: ' $$po; msgfmt --statistics -o /dev/null $$po; done

## Every benchmark, with ratios to ceilings measured in the same run (docs/performance.md); installs wrk,
## nginx-light and the letter fonts first when missing (bench/prepare.sh). BENCH_ARGS=--quick for a smoke run
bench: install-test
	bench/prepare.sh
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## The soak (docs/resilience.md): a private stack, 300 signers over nginx, parts killed at random, then
## every mail, count and job checked. SOAK_SECONDS of chaos per pass; SOAK_REDIS=aof|plain|both;
## SOAK_SEED to replay a run; SOAK_ARGS for more (e.g. --signers 150 --keep-logs DIR).
SOAK_SECONDS ?= 600
SOAK_REDIS ?= both
soak: install-test
	$(BIN)/python bench/chaos.py --seconds $(SOAK_SECONDS) --redis $(SOAK_REDIS) $(if $(SOAK_SEED),--seed $(SOAK_SEED)) $(SOAK_ARGS)

## Redraw the import diagram in docs/architecture.md from the code (a test fails when it is stale)
architecture: install-test
	$(BIN)/python docs/import_diagram.py
	$(BIN)/lint-imports --config setup.cfg

## mypy with the strictness set in setup.cfg (also run by .ci/run)
typecheck: install-test
	$(BIN)/mypy

clean:
	rm -rf $(VENV) *.egg-info
