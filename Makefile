# make pipeline=NAME run   — set up (once), then run a pipeline on the embedded CPU teacher
# make test                — ruff, then the whole test suite (what .ci/run calls)
# make lint                — ruff only (rules in pyproject.toml)
# make sandbox-image       — build the sandbox base image (Docker + bubblewrap), no registry
# make bench               — benchmarks that print figures
# make chaos               — fault injection (kills, disk full, damaged shards) with a table of figures
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
pipeline ?= math
config ?=
ARGS ?=

.PHONY: setup run lint test sandbox-image bench chaos clean
setup:
	@VENV=$(VENV) bash scripts/setup.sh

run: setup
	$(BIN)/factory run --pipeline $(pipeline) $(if $(config),--config $(config)) $(ARGS)

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

sandbox-image: setup
	$(BIN)/factory sandbox build $(ARGS)

bench: setup
	$(BIN)/python -m bench $(ARGS)

chaos: setup
	$(BIN)/python -m chaos $(ARGS)

clean:
	rm -rf runs .pytest_cache
