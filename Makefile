# Every target creates .venv itself: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WORKSPACE ?= parcours-workspace
DEMO_MAP := $(WORKSPACE)/exports/journey-map.json

# Offline by construction: no hub downloads, no telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test lint bench eval ui schema clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,llm,ui]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/parcours ingest samples/interviews samples/reviews -w $(WORKSPACE)
	$(BIN)/parcours build -w $(WORKSPACE)
	$(BIN)/parcours export -w $(WORKSPACE) --with-sources -o $(DEMO_MAP)
	$(BIN)/parcours verify $(DEMO_MAP)
	@echo "journey map: $(DEMO_MAP)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m evals.bench

eval: $(STAMP)
	$(BIN)/python -m evals.spine

ui: $(STAMP)
	$(BIN)/streamlit run ui/app.py --browser.gatherUsageStats false

schema: $(STAMP)
	$(BIN)/parcours schema > assistant/schema/journey-map.schema.json

clean:
	rm -rf $(VENV) $(WORKSPACE) .mypy_cache .pytest_cache .ruff_cache .hypothesis
