# `make run` starts Nuvem on 127.0.0.1:4566; `make test` runs the whole suite.
# Both create .venv in the repo and install what they need (Python 3.11+).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOTOCORE_VERSION := 1.44.8
VECTORS := .cache/botocore-$(BOTOCORE_VERSION)

.PHONY: run test bench vectors clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/nuvem serve $(ARGS)

# botocore's protocol test vectors and SigV4 suite ship only in its sdist.
$(VECTORS)/.done: | $(STAMP)
	mkdir -p .cache
	$(PY) -m pip download -q --no-binary :all: --no-deps botocore==$(BOTOCORE_VERSION) -d .cache
	tar -xzf .cache/botocore-$(BOTOCORE_VERSION).tar.gz -C .cache botocore-$(BOTOCORE_VERSION)/tests/unit/protocols botocore-$(BOTOCORE_VERSION)/tests/unit/auth
	touch $@

vectors: $(VECTORS)/.done

test: $(STAMP) vectors
	NUVEM_VECTORS=$(VECTORS) $(PY) -m pytest -n auto $(ARGS)

bench: $(STAMP)
	$(PY) benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) .cache
