# Two commands a person needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lock bench eval clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Moodtune needs Python 3.10 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

install: $(STAMP)  ## create .venv with everything pinned by constraints.txt

run: $(STAMP)      ## start the bots from .env, or the offline demo when no token is set
	$(PY) -m bot

test: $(STAMP)     ## the whole test suite
	$(PY) -m pytest -q

bench: $(STAMP)    ## latency and memory of the photo pipeline
	$(PY) scripts/benchmark.py

lock:              ## re-resolve constraints.txt for every supported Python (needs uv)
	uv pip compile pyproject.toml --extra test --universal --python-version 3.10 -o constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
