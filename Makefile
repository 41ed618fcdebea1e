# Every target sets itself up: a virtual environment in .venv with the package and its dev extra.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup demo test test-slow docs readme bench bench-advice clean-nbs export

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/fastai-clr demo

# notebooks clean, modules exported, README fresh; then every notebook and the pytest suite
test: $(STAMP)
	$(PY) tools/check_sync.py
	$(PY) -m pytest -q tests

test-slow: $(STAMP)
	FASTAI_CLR_SLOW=1 $(PY) -m pytest -q tests

readme: $(STAMP)
	$(PY) tools/make_readme.py

export: $(STAMP)
	$(VENV)/bin/nbdev-export
	$(VENV)/bin/nbdev-clean

docs: $(STAMP)
	$(PY) tools/make_docs.py

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

# LR advice: each task's grid, every contender's suggestions and runs (cached as CSV in benchmarks/results/advice/), then the report benchmarks/advice.md
bench-advice: $(STAMP)
	$(PY) -m pip install -q -e ".[dev,bench]"  # the LR-free optimizers and Lightning, the contenders that are not range tests
	$(PY) benchmarks/advice.py all
