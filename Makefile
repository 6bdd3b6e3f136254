# Two commands: `make demo` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: demo test lint bench docs clean setup

setup: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (iads needs Python 3.11)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/iads detection-table --out $(OUT)/detection-table
	$(BIN)/iads coverage scenarios/turkey-2019/base.yaml --out $(OUT)/murted-coverage
	$(BIN)/iads compare scenarios/turkey-2019 --out $(OUT)/compare --workers 2
	@echo "demo outputs: $(OUT)/detection-table, $(OUT)/murted-coverage (maps, tables, GeoTIFF, GeoJSON), $(OUT)/compare (the comparison)"
	@echo "the report (open it in a browser; it makes no network request):"
	@$(BIN)/iads report $(OUT)/compare

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

docs: $(STAMP)
	$(BIN)/python tools/gen_docs.py docs
	$(BIN)/mkdocs build --strict --quiet
	@echo "documentation: out/site/index.html"

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
