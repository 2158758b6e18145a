# Yanglao — two commands for a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
DEMO_ENV := YANGLAO_DEMO=true YANGLAO_REQUIRE_2FA=false
DEMO_PEOPLE ?= 20000

.PHONY: demo test install bench lint check serve messages clean-demo

$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	touch $@

install: $(INSTALLED)

# The demo database is built once; later runs only apply new migrations and serve.
var/demo.ready: $(INSTALLED)
	mkdir -p var
	$(DEMO_ENV) $(BIN)/yanglao migrate --noinput
	$(DEMO_ENV) $(BIN)/yanglao load_divisions --city 4417
	$(DEMO_ENV) $(BIN)/yanglao load_demo --people $(DEMO_PEOPLE)
	touch $@

demo: var/demo.ready
	$(DEMO_ENV) $(BIN)/yanglao migrate --noinput -v 0
	@echo "养老服务平台演示：http://127.0.0.1:8000  (演示账户见 README.md)"
	$(DEMO_ENV) $(BIN)/yanglao serve_demo --addr 127.0.0.1:8000

test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED)
	$(BIN)/python bench/run_all.py

lint: $(INSTALLED)
	$(BIN)/ruff check yanglao tests bench
	$(BIN)/yanglao makemigrations --check --dry-run

messages: $(INSTALLED)
	cd yanglao && $(DEMO_ENV) ../$(BIN)/yanglao makemessages -l en --no-obsolete --no-location && $(DEMO_ENV) ../$(BIN)/yanglao compilemessages -l en

clean-demo:
	rm -f var/demo.ready var/yanglao.sqlite3*
