# Two entry points for a fresh machine:
#   make report   -- set up .venv and regenerate figures/ (and figures/provinces2026/) from the bundled corpora
#   make test     -- set up .venv (with test extras) and run the test suite
#   make browser  -- install Debian's Chromium for the explorer's browser test (root; .ci/run does it)
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python

.PHONY: report test bench venv clean browser

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask,formats]"
	touch $@

venv: $(VENV)/.installed

# One report (figures, CSVs and the explorer page index.html) per bundled corpus.
report: $(VENV)/.installed
	$(PY) -m textmine.report
	$(PY) -m textmine.report --corpus provinces2026 --out figures/provinces2026

test: $(VENV)/.installed
	$(PY) -m pytest -q

# What the explorer's browser test (tests/test_explorer.py) needs from Debian: Chromium, and CJK
# fonts so its screenshots show Chinese. Needs root (CI runs as root); without Chromium that test skips.
browser:
	dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	chromium --version 2>/dev/null

bench: $(VENV)/.installed
	$(PY) benchmarks/wall.py $(BENCH_ARGS)
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
