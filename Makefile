# Every routine task. `make run` starts the assistant, `make test` runs the whole suite;
# both set up and train first when needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.sha256
# Rasa 3.6 supports Python 3.8-3.10 only: the first python3.10 that really runs, from
# pyenv's versions or PATH (a pyenv shim on PATH may exist and still refuse to run).
ifndef PYTHON310
PYTHON310 := $(shell for p in $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10.*/bin/python3.10 2>/dev/null | sort -rV) $$(command -v python3.10); do \
  "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED := 0

.PHONY: help setup train run run-prod shell test unit lint format validate pytest stories nlu-eval clean \
	accounts-reset accounts-unlock sms browser-deps audit bench report

help:
	@echo "make run      start the assistant: Rasa :5005 (web chat at /webchat, REST, SMS bridge),"
	@echo "             actions :5055, accounts :8088, mock SMS gateway :8089, agent desk :8090"
	@echo "             (prints the agent token); Ctrl-C stops them all"
	@echo "make run-prod the same behind nginx: 2 Rasa processes, PostgreSQL, Redis (installs them as root)"
	@echo "make shell    talk to the assistant in this terminal (accounts and actions included)"
	@echo "make sms FROM=13800138000 TEXT=查余额   text the running assistant as that customer"
	@echo "make audit    check the pinned dependencies for known vulnerabilities (needs OSV)"
	@echo "make test     lint, validate data, train if needed, run every test"
	@echo "make unit     the tests that need no trained model, PostgreSQL or a browser (fast)"
	@echo "make lint     ruff (formatting, lint; make format fixes what it can), mypy on bot/, actions/"
	@echo "make validate check data/, domain.yml and the responses the actions send"
	@echo "make stories  Rasa's story tests (tests/stories/)"
	@echo "make nlu-eval cross-validated intent and FAQ-answer F1 (results/)"
	@echo "make pytest   every pytest test (trains first; installs the browser as root)"
	@echo "make train    train a model if data, config or domain changed"
	@echo "make setup    the .venv from requirements.txt (again only when it changes)"
	@echo "make browser-deps  Chromium and a CJK font for the browser test (as root)"
	@echo "make format   format the code with ruff"
	@echo "make bench    load test (1, 10, 50 customers) against a plain \`rasa run\`:"
	@echo "             results/bench/bench.json and bench.png (BENCH_SECONDS=30 per level)"
	@echo "make report   how the assistant did (SINCE=2026-11-01 UNTIL=2026-11-30, default the"
	@echo "             last 7 days): results/report/report.json and report.html"
	@echo "make clean    remove trained models and test output (keeps .venv)"
	@echo "make accounts-reset                     demo accounts back to their first state"
	@echo "make accounts-unlock NUMBER=13700137000  lift a lock after three wrong passwords"

# Installs once, and again only when requirements.txt changes (content hash, not mtime).
setup:
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is required (Rasa 3.6 does not run on 3.11+)."; \
	  echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv',"; \
	  echo "or point to it: make PYTHON310=/path/to/python3.10 ..."; exit 1; fi
	@want=$$(sha256sum requirements.txt | cut -d' ' -f1); \
	if [ ! -x $(PY) ] || [ "$$(cat $(STAMP) 2>/dev/null)" != "$$want" ]; then \
	  echo "Setting up $(VENV) with $(PYTHON310) (a few minutes the first time)"; \
	  [ -x $(PY) ] || $(PYTHON310) -m venv $(VENV) || exit 1; \
	  $(PY) -m pip install --quiet --upgrade pip==24.0 && \
	  $(PY) -m pip install --quiet -r requirements.txt && \
	  echo "$$want" > $(STAMP); \
	fi

train: setup
	@$(PY) -m bot.cli.train

run: train
	@$(PY) -m bot.cli.run serve

# The production profile on this machine: PostgreSQL, Redis, nginx and RASA_PROCESSES (2) Rasa
# processes (bot/cli/run_prod.py; docs/production.md).
run-prod: train
	@$(PY) -m bot.cli.run_prod

shell: train
	@$(PY) -m bot.cli.run shell

lint: setup
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

validate: setup
	$(PY) -m bot.cli.validate

# Rasa's conversation tests: every story in tests/stories/ against the trained model.
stories: train
	$(PY) -m rasa test core --model "$$($(PY) -m bot.cli.train --path)" --stories tests/stories \
	  --fail-on-prediction-errors --out results/stories

# Cross-validated NLU scores; fails below the floors in bot/cli/evaluate_nlu.py.
nlu-eval: train
	$(PY) -m bot.cli.evaluate_nlu

# Text the running assistant (`make run`) through the mock SMS gateway; prints the replies.
sms: setup
	@test -n "$(FROM)" -a -n "$(TEXT)" || { echo 'usage: make sms FROM=13800138000 TEXT="查余额"'; exit 2; }
	@$(PY) -m bot.smsgateway send --from "$(FROM)" --text "$(TEXT)"

# Known vulnerabilities in the pinned dependencies, from the OSV database (which this
# development machine cannot reach: see docs/dependency_audit.md). pip-audit lives in its own
# venv so that it never changes the assistant's.
audit:
	@[ -x var/audit/bin/pip-audit ] || { $(PYTHON310) -m venv var/audit && var/audit/bin/pip install -q pip-audit==2.10.1; }
	var/audit/bin/pip-audit -r requirements.txt --no-deps --disable-pip --strict -s osv

# Load benchmark of the assistant against a plain `rasa run` of the same model (bot/bench/).
bench: train
	$(PY) -m bot.bench

# How the assistant did: results/report/report.json and report.html (docs/report.md).
report: setup
	$(PY) -m bot.report $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

# Chromium and a CJK font for the browser test: installed when we are root, else the test
# is skipped with the reason (CI must run it).
browser-deps: setup
	@$(PY) -m bot.cli.browser_deps

pytest: train browser-deps
	$(PY) -m pytest

# No model, no PostgreSQL, no browser: what can be checked in a minute or two after an edit.
unit: setup
	$(PY) -m pytest -m "not server" --ignore=tests/cluster --ignore=tests/browser -q

test: lint validate train stories nlu-eval pytest

# The mock account service's database (var/accounts.sqlite3 unless ACCOUNTS_DB says otherwise):
# `reset` deletes it, so the next start seeds the demo customers afresh.
accounts-reset: setup
	$(PY) -m bot.accounts reset

accounts-unlock: setup
	@if [ -z "$(NUMBER)" ]; then echo "usage: make accounts-unlock NUMBER=13700137000"; exit 1; fi
	$(PY) -m bot.accounts unlock "$(NUMBER)"

clean:
	rm -rf models/assistant-*.tar.gz models/spacy_zh_telecom results .pytest_cache
