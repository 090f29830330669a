# genoflow: `make demo` runs a demo batch through the whole flow; `make test` runs the test suite.
# Both install everything they need first (system packages, .venv, npm packages, reference data).

PY          := .venv/bin/python
GENOFLOW    := .venv/bin/genoflow
NPM_CI      := npm ci --no-audit --no-fund --loglevel=error
MIRROR      ?= $(wildcard $(CURDIR)/../shared/data)
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 90
export GENOFLOW_MIRROR := $(MIRROR)

.PHONY: install refdata demo test test-python test-contracts ui bench bench-accuracy clean
install: .venv/.installed .cache/system.ok refdata contracts/node_modules/.installed ipfs-node/node_modules/.installed

.cache/system.ok: scripts/install-system.sh
	bash scripts/install-system.sh
	mkdir -p .cache && touch $@

.venv/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

contracts/node_modules/.installed: contracts/package-lock.json .cache/system.ok
	cd contracts && $(NPM_CI)
	touch $@

ipfs-node/node_modules/.installed: ipfs-node/package-lock.json .cache/system.ok
	cd ipfs-node && $(NPM_CI)
	touch $@

refdata: .venv/.installed .cache/system.ok
	$(GENOFLOW) data fetch $(if $(MIRROR),--mirror $(MIRROR))

demo: install
	$(GENOFLOW) demo --outdir demo-output

test: install test-contracts test-python

test-contracts: contracts/node_modules/.installed
	cd contracts && npx vitest run

test-python: install
	$(PY) -m pytest

ui: install
	$(GENOFLOW) server

bench: install
	$(PY) bench/profile_bench.py
	$(PY) bench/validate_bench.py
	$(PY) bench/batch_bench.py
	$(PY) bench/store_bench.py
	$(PY) bench/ipfs_bench.py
	$(PY) bench/anchor_bench.py
	$(PY) bench/provenance_bench.py

bench-accuracy: install
	$(PY) bench/accuracy/run.py --depth 30

clean:
	rm -rf .venv .cache demo-output genoflow-store contracts/node_modules ipfs-node/node_modules
