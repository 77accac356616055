# LA 311 assistant — `make run` starts the embedded default, `make test` runs every check.
# Two environments: .venv-rasa (Python 3.10, Rasa 3.6 server) and .venv (Python 3.11, the rest).
SHELL := /bin/bash
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA_PY := $(RASA_VENV)/bin/python
export PYTHONPATH := $(ROOT)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

# A Python 3.10 and a 3.11 interpreter: on PATH, or under pyenv. A pyenv shim that is not
# enabled fails the version check and is skipped.
find_python = $(shell for p in $$(command -v python$(1) 2>/dev/null) $(HOME)/.pyenv/versions/$(1).*/bin/python$(1) /usr/bin/python$(1) /usr/local/bin/python$(1); do \
  [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(1)".split("."))))' 2>/dev/null && { echo "$$p"; break; }; done)
PYTHON310 ?= $(call find_python,3.10)
PYTHON311 ?= $(call find_python,3.11)

.PHONY: help setup run test lint typecheck pytest validate test-stories eval model index encoder env browser haproxy fuzz clean

help:
	@echo "make run    install what is missing, train/index if needed, start everything"
	@echo "make test   install what is missing, run pytest, rasa validate + test stories, ruff, mypy"
	@echo "make eval   print the measured figures (NLU F1, retrieval recall, latency)"

# --- environments -----------------------------------------------------------------------------
$(VENV)/.installed: .lock/app.txt
	@[ -n "$(PYTHON311)" ] || { echo "Python 3.11 is needed: install it (e.g. 'pyenv install 3.11') or set PYTHON311=/path/to/python3.11"; exit 1; }
	@[ -x $(PY) ] || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r .lock/app.txt
	@touch $@

$(RASA_VENV)/.installed: .lock/rasa.txt
	@[ -n "$(PYTHON310)" ] || { echo "Rasa 3.6 needs Python 3.10: install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10"; exit 1; }
	@[ -x $(RASA_PY) ] || $(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_PY) -m pip install -q "pip<25" "setuptools==70.3.0"
	$(RASA_PY) -m pip install -q -r .lock/rasa.txt
	@touch $@

# .env with generated secrets: created on first run, completed (never overwritten) later.
env: $(VENV)/.installed
	@$(PY) -m bot.setup_env .env

browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is needed for the browser tests: sudo apt-get install chromium"; exit 1; fi; }

# HAProxy: the production front of Rasa's channels (connectors/guard/haproxy.cfg), tested by make test.
haproxy:
	@command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; \
	  else echo "HAProxy is needed for its tests: sudo apt-get install haproxy"; exit 1; fi; }

setup: $(VENV)/.installed $(RASA_VENV)/.installed env

# all-MiniLM-L6-v2 exported to ONNX for the Rasa featurizer (from the packaged weights).
encoder: $(VENV)/.installed
	@$(PY) -m bot.encoder.export

model: $(RASA_VENV)/.installed encoder
	@$(RASA_PY) -m bot.train

index: $(VENV)/.installed encoder
	@$(PY) -m knowledge_base.index

# --- run --------------------------------------------------------------------------------------
run: setup model index
	@umask 077 && mkdir -p var && chmod 700 var
	@echo ""
	@echo "  Resident chat page: http://127.0.0.1:8000/"
	@echo "  Staff review app:   http://127.0.0.1:8001/  (create a user: .venv/bin/python -m eval.review create-user NAME --role admin)"
	@echo "  Chat (REST):      POST http://127.0.0.1:5080/webhooks/rest/webhook (Authorization: Bearer REST_API_TOKEN from .env)"
	@echo "  SMS webhook:      POST http://127.0.0.1:5080/webhooks/sms/webhook (Twilio-signed)"
	@echo "  Rasa HTTP API:    http://127.0.0.1:5005 (token: RASA_AUTH_TOKEN in .env; local only)"
	@echo "  Action server:    http://127.0.0.1:5055/health (only Rasa may call it: ACTION_SERVER_TOKEN)"
	@echo "  Open311 backend:  http://127.0.0.1:8311/open311/v2/services.json"
	@echo "  Ctrl-C stops everything."
	@echo ""
	@umask 077 && $(VENV)/bin/honcho -f Procfile -e .env start

# --- test -------------------------------------------------------------------------------------
test: setup model index browser haproxy
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory typecheck || status=1; \
	$(MAKE) --no-print-directory validate || status=1; \
	$(MAKE) --no-print-directory test-stories || status=1; \
	$(MAKE) --no-print-directory pytest || status=1; \
	exit $$status

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy actions connectors knowledge_base bot/action_validation.py bot/action_timeout.py bot/conversation_lock.py bot/language.py bot/languages bot/safety.py bot/place_mask.py bot/text.py bot/train.py bot/setup_env.py bot/encoder eval

validate: $(VENV)/.installed $(RASA_VENV)/.installed
	@$(PY) -m bot.domain_build var/build/domain >/dev/null
	$(RASA_VENV)/bin/rasa data validate --domain var/build/domain --data $$($(PY) -m bot.train --print-data) --config config.yml 2>&1 | grep -v "^$$" | tail -n 3; exit $${PIPESTATUS[0]}

test-stories: $(RASA_VENV)/.installed model
	$(RASA_VENV)/bin/rasa test core --stories tests/rasa/test_stories.yml --model models \
	  --out var/test-stories --fail-on-prediction-errors 2>&1 | grep -v "^$$" | tail -n 4; \
	  exit $${PIPESTATUS[0]}

pytest: $(VENV)/.installed
	$(PY) -m pytest -q

# --- figures ----------------------------------------------------------------------------------
eval: setup model index
	$(RASA_PY) -m eval.nlu_eval
	$(PY) -m eval.retrieval_benchmark
	$(PY) -m eval.latency_benchmark

clean:
	rm -rf var/ models/ knowledge_base/index/ results/
