# Beijing hukou programmes back end. `make demo` runs the main job; `make test` runs every test.
SHELL := /bin/bash
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: install system-deps demo run test test-unit test-integration lint bench schemas clean

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

test: install
	$(PY) -m pytest

test-unit: install
	$(PY) -m pytest tests -m "not integration"

lint: install
	$(PY) -m ruff check services shared tests bench demo
	$(PY) -m ruff format --check services shared tests bench demo
	$(PY) -m mypy services shared demo
	.venv/bin/lint-imports

bench: install
	$(PY) bench/scoring_bench.py
	$(PY) bench/publicity_bench.py

schemas: install
	$(PY) -m shared.events.schemagen

clean:
	rm -rf var .venv
