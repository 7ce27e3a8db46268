# Two commands a person needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install run test lock bench eval clean postgres

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Moodtune needs Python 3.10 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

install: $(STAMP)  ## create .venv with everything pinned by constraints.txt

run: $(STAMP)      ## start the bots from .env, or the offline demo when no token is set
	$(PY) -m bot

test: $(STAMP) postgres  ## the whole test suite
	$(PY) -m pytest -q -n 2  # two processes: the suite is half waiting on servers and child processes

# The PostgreSQL tests start their own throw-away server from Debian's binaries; install them when
# missing and allowed (root with apt-get). Without them those tests skip and say why.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing Debian's postgresql for the store tests"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null) \
	        || echo "could not install PostgreSQL: its tests will skip"; \
	    else echo "PostgreSQL is not installed: its tests will skip"; fi; }

bench: $(STAMP)    ## latency and memory of the photo pipeline
	$(PY) scripts/benchmark.py

lock:              ## re-resolve constraints.txt for every supported Python (needs uv)
	uv pip compile pyproject.toml --extra test --universal --python-version 3.10 -o constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
