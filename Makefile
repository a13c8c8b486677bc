# digestkit — the two set-up commands are `make test` and `make eval`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck pytest bench eval fuzz clean test-long

install: $(STAMP)

# The model file and mapped.py (its FORMAT) shape the mapped layout setup.py writes.
$(STAMP): pyproject.toml setup.py digestkit/repair/_kernel.c digestkit/repair/_codec.c \
		digestkit/repair/model/charlm.bin.gz digestkit/repair/model/mapped.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check digestkit tests eval tools
	$(BIN)/ruff format --check digestkit tests eval tools

typecheck: install
	$(BIN)/mypy digestkit

pytest: install
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: install
	mkdir -p eval/out
	$(BIN)/python -m pytest -q tests/bench --benchmark-enable --benchmark-only \
		--benchmark-columns=min,median,mean,ops --benchmark-sort=name \
		--benchmark-json=eval/out/bench.json
	$(BIN)/python -m eval.bench_table eval/out/bench.json

fuzz: install
	DIGESTKIT_FUZZ_EXAMPLES=$${DIGESTKIT_FUZZ_EXAMPLES:-1000} $(BIN)/python -m pytest -q \
		tests/test_cli_fuzz.py -p no:randomly

eval: install
	$(BIN)/python -m eval

# 50 trials each of overlapping `digest` runs and of kill -9 + rerun (minutes; not in `test`)
test-long: install
	DIGESTKIT_LONG_TESTS=1 $(BIN)/python -m pytest -q tests/sources/test_exactly_once.py -k fifty

clean:
	rm -rf $(VENV) eval/out .pytest_cache .mypy_cache .ruff_cache *.egg-info build \
		digestkit/repair/model/layout
