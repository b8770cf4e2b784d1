# Beijing hukou programmes back end. `make demo` runs the main job; `make test` runs every test.
SHELL := /bin/bash
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: install system-deps demo run chaos test test-unit test-integration lint bench deploy-check schemas clean

install: system-deps .venv/.installed

system-deps:
	@bash scripts/install-system-deps.sh

.venv/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || [ -x "$(HOME)/.local/bin/uv" ] || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@UV=$$(command -v uv || echo $(HOME)/.local/bin/uv); $$UV sync --frozen --python 3.11
	@touch $@

demo: install
	$(PY) -m demo

run: install
	$(PY) -m shared.devstack run

# A points round while workers, an API and the broker are killed with SIGKILL; then the invariants.
chaos: install
	$(PY) -m demo.chaos

test: install
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests -m "not integration"

lint: install
	$(PY) -m ruff check services shared tests bench demo deploy
	$(PY) -m ruff format --check services shared tests bench demo deploy
	$(PY) -m mypy services shared demo deploy/entrypoint.py
	.venv/bin/lint-imports

# Figures are printed and written to bench/results/*.json.
bench: install
	$(PY) bench/scoring_bench.py
	$(PY) bench/publicity_bench.py
	$(PY) bench/consumer_bench.py
	$(PY) bench/review_bench.py
	$(PY) bench/intake_login_bench.py
	$(PY) bench/pipeline_bench.py

# The compose file and the Kubernetes manifests: schema, kubernetes-validate, yamllint, policy checks.
deploy-check: install
	$(PY) -m yamllint docker-compose.yml deploy/ .yamllint
	$(PY) -m tests.deploy.checks
	$(PY) -m pytest -q tests/deploy

schemas: install
	$(PY) -m shared.events.schemagen

clean:
	rm -rf var .venv
