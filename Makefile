# Set-up and everyday commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
OUT    ?= out

.PHONY: install demo serve test lint typecheck bench wheels clean system-deps

$(BIN)/perfxl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/perfxl

system-deps:
	bash tools/ensure-system-deps.sh

demo: install
	bash tools/ensure-system-deps.sh --optional
	bash tools/demo.sh $(OUT)

lint: install
	$(BIN)/ruff check --no-cache perfxl tests benchmarks tools
	$(BIN)/ruff format --check --no-cache perfxl tests benchmarks tools

typecheck: install
	$(BIN)/mypy

# The collection round in the browser, with a demo round of examples/county's units (issue 16).
serve: install
	$(BIN)/perfxl serve --data $(OUT)/web --demo

test: install system-deps lint typecheck
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/run_all.py

# The pure wheel and the compiled one for this platform (PERFXL_MYPYC=1: mypyc, a few minutes),
# in dist/. The checkout's own install (`make install`) stays pure Python and editable.
wheels: install
	$(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
	PERFXL_MYPYC=1 $(BIN)/python -m pip wheel -q --no-deps --no-build-isolation -w dist .
	rm -rf build

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache build dist
