# Two entry points for a fresh machine:
#   make report   -- set up .venv and regenerate figures/ from the bundled corpus
#   make test     -- set up .venv (with test extras) and run the test suite
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: report test bench venv clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask]"
	touch $@

venv: $(VENV)/.installed

report: $(VENV)/.installed
	$(PY) -m textmine.report

test: $(VENV)/.installed
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache
