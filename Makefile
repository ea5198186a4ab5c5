# Switchboard: `make run` serves the demo, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test deps lint format lock clean

run: deps
	$(BIN)/python manage.py migrate --no-input -v 0
	LOG_LEVEL=WARNING $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Switchboard is starting at http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/, admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Log in with any login above and the demo password. Stop with Ctrl-C."
	@# Forwarded headers count only from TRUSTED_PROXIES (none by default): docs/operations.md
	$(BIN)/uvicorn switchboard.asgi:application --host $(HOST) --port $(PORT) --no-access-log \
		--ws-max-size 65536 --ws-per-message-deflate false \
		$$($(BIN)/python -m switchboard.common.proxies)

# Production mode: DEBUG off, WORKERS workers, run_scheduler on its own (docs/deployment.md).
serve: deps
	bash scripts/serve.sh

test: deps
	bash scripts/test.sh

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the lock after changing pyproject.toml.
lock:
	$(PYTHON) -m venv /tmp/switchboard-lock && /tmp/switchboard-lock/bin/pip install --quiet uv
	/tmp/switchboard-lock/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
		--python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles
