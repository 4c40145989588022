# The two commands: `make run` and `make test`. Both bootstrap .venv from pyproject.toml.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test chaos bench lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or: make PYTHON=python3)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/zhanwu dev

# scripts/ensure-postgres installs Debian's PostgreSQL when missing; what it prints is why there is none,
# which the PostgreSQL tests report as their skip reason.
test: $(STAMP)
	ZHANWU_POSTGRES_NOTE="$$(scripts/ensure-postgres)" PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pytest -q $(PYTEST_ARGS)

# The long fault-injection runs (chaos/; ~15 min on 2 cores): worker kills, Temporal restarts, a store outage;
# then the fuzzers at 5× their `make test` size. All run, and the target fails if any found a violation.
chaos: $(STAMP)
	scripts/ensure-postgres >/dev/null
	export PATH="$(CURDIR)/$(BIN):$$PATH"; rc=0; \
	$(BIN)/python -m chaos.worker_kills --runs 200 --spread 420 --min-kills 60 || rc=1; \
	$(BIN)/python -m chaos.server_restart --cases 100 --restarts 3 || rc=1; \
	$(BIN)/python -m chaos.store_outage --outage 20 || rc=1; \
	ZHANWU_FUZZ_EXAMPLES=600 $(BIN)/pytest -q tests/fuzz || rc=1; \
	exit $$rc

# Each benchmark starts what it needs on 127.0.0.1, prints its figures and fails when it misses its
# target; all run even when one fails. BENCH_ARGS=--print-only: figures only.
BENCHES := actions floor opens queries history campaign
bench: $(STAMP)
	@failed=""; for b in $(BENCHES); do echo "== bench.$$b"; \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m bench.$$b $(BENCH_ARGS) || failed="$$failed $$b"; \
	done; test -z "$$failed" || { echo "missed:$$failed"; exit 1; }

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/mypy zhanwu bench  # the code is not in ruff format's layout: no format check

clean:
	rm -rf $(VENV) var
