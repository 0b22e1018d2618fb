# ffnn: library, tests and the Jupyter Book that builds the library.
#
#   make test      create .venv, install ffnn[test], run tests/ and every chapter notebook (nbval)
#   make test-min  create .venv-min, install ffnn[test] with the lowest numpy, matplotlib, tqdm,
#                  scikit-learn and joblib that pyproject.toml allows, run tests/ there
#   make book      create .venv, install ffnn[book], build the book into _build/html (offline maths)
#   make test-book make book, then make check-book-pages
#   make check-book-pages
#                  install ffnn[browser] (Playwright), open every page of _build/html in headless
#                  Chromium (the system's `chromium`, or FFNN_CHROMIUM) and check console errors,
#                  network requests, images, maths, widgets and static controls; full-page
#                  screenshots go to _build/screenshots/
#   make lab       create .venv, install ffnn[lab], open JupyterLab on the chapters
#   make clean     remove _build/, _offline/ and caches (make distclean also removes both venvs)
#
# Only Python >= 3.10 is needed (`make book` also reaches the npm registry once, with Python's
# urllib, for MathJax and the widget manager), and Chromium for the browser checks (Debian/Ubuntu:
# apt-get install chromium). Nothing has to be activated.

PYTHON ?= python3
VENV = .venv
VENV_MIN = .venv-min

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
BIN := $(VENV)/bin
PY := $(BIN)/python
NBTEST := _build/nbtest
NB_CELL_TIMEOUT := 600

# Shared data next to the checkout (../shared/data/{mnist,fashion-mnist}), if there is one,
# for ffnn.datasets. A value already set in the environment wins.
SHARED_DATA := $(abspath $(ROOT)/../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/mnist/.),)
FFNN_DATA_DIR ?= $(SHARED_DATA)/mnist
endif
ifneq ($(wildcard $(SHARED_DATA)/fashion-mnist/.),)
FFNN_FASHION_DATA_DIR ?= $(SHARED_DATA)/fashion-mnist
endif
ifdef FFNN_DATA_DIR
export FFNN_DATA_DIR
endif
ifdef FFNN_FASHION_DATA_DIR
export FFNN_FASHION_DATA_DIR
endif

export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Silences debugpy's "frozen modules" warning that Python >= 3.11 kernels print at start-up.
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help test test-min book test-book check-book-pages lab clean distclean offline-assets nbtest-convert
.DEFAULT_GOAL := help

# Prints the header comment at the top of this file, from its third line on.
help:
	@awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' $(firstword $(MAKEFILE_LIST))

# --- environment ---------------------------------------------------------------------------
# One stamp per extra. A stamp is rebuilt when pyproject.toml changes or when it was written
# for another checkout (an editable install points at one directory; a copied .venv would
# silently import the other checkout's ffnn).

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "error: ffnn needs Python >= 3.10, $(PYTHON) is " + sys.version.split()[0])'
	@echo ">>> creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV) || { echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }

STAMPS := $(VENV)/.installed-test $(VENV)/.installed-book $(VENV)/.installed-lab $(VENV)/.installed-browser
STALE_STAMPS := $(foreach s,$(STAMPS),$(if $(filter $(ROOT),$(shell cat $(s) 2>/dev/null)),,$(s)))

$(STALE_STAMPS): FORCE
.PHONY: FORCE
FORCE:

$(STAMPS): $(VENV)/.installed-%: pyproject.toml | $(PY)
	@echo ">>> pip install -e \".[$*]\" into $(VENV) (about a minute on a fresh venv)"
	$(PY) -m pip install --quiet --progress-bar off -e ".[$*]"
	@echo "$(ROOT)" > $@

# --- make test ----------------------------------------------------------------------------
# Chapter notebooks are the book/**/*.md files whose YAML front matter has both `jupytext:`
# and `kernelspec:` keys; plain pages such as book/intro.md have no front matter.
# jupytext converts each into _build/nbtest/<same path>.ipynb; conftest.py starts each
# kernel in the chapter's *source* directory, as jupyter-book does.
IS_NOTEBOOK = awk 'NR == 1 { if ($$0 != "---") exit; next } \
                   $$0 == "---" { ok = j && k; exit } \
                   /^jupytext:/ { j = 1 } /^kernelspec:/ { k = 1 } \
                   END { exit !ok }'

nbtest-convert: $(VENV)/.installed-test
	@rm -rf $(NBTEST) && mkdir -p $(NBTEST)
	@n=0; for md in $$(find book -name '*.md' -not -path '*/.ipynb_checkpoints/*' | LC_ALL=C sort); do \
	    $(IS_NOTEBOOK) "$$md" || continue; \
	    out="$(NBTEST)/$${md%.md}.ipynb"; mkdir -p "$$(dirname "$$out")"; \
	    $(BIN)/jupytext --quiet --to ipynb --output "$$out" "$$md" || exit 1; \
	    echo "    $$md -> $$out"; n=$$((n + 1)); \
	done; echo ">>> converted $$n chapter notebook(s) into $(NBTEST)/"

test: nbtest-convert
	@echo ">>> pytest tests/ + chapter notebooks (FFNN_DATA_DIR=$(FFNN_DATA_DIR) FFNN_FASHION_DATA_DIR=$(FFNN_FASHION_DATA_DIR))"
	$(PY) -m pytest -ra tests/ $(NBTEST)/ \
	    --nbval-lax --nbval-current-env --nbval-cell-timeout=$(NB_CELL_TIMEOUT)

# --- make test-min -------------------------------------------------------------------------
# The same tests/ (not the chapter notebooks) against the lowest versions that pyproject.toml
# declares. pyproject.toml is the one source of truth: its ">=" bounds for MIN_PACKAGES become
# "==" pins in $(VENV_MIN)/constraints.txt (where a package appears in several lists, the
# highest of its bounds). The pinned packages must come as wheels, so a bound that has none
# for this Python fails the install at once instead of building from source; everything else
# (scipy, pytest, ...) is whatever pip picks beside the pins. pip's output goes to
# $(VENV_MIN)/pip.log.
MIN_PACKAGES := numpy matplotlib tqdm scikit-learn joblib
PY_MIN := $(VENV_MIN)/bin/python
MIN_STAMP := $(VENV_MIN)/.installed-test

define MIN_CONSTRAINTS_PY
import re, sys
text = open("pyproject.toml", encoding="utf-8").read()
for name in sys.argv[1:]:
    bounds = re.findall(r'"' + re.escape(name) + r'\s*(?:\[[^]]*\])?\s*(?:[<>=!~][^";,]*,\s*)*>=\s*([0-9][0-9.]*)', text)
    if not bounds:
        sys.exit("error: pyproject.toml declares no lower bound (>=) for " + name)
    print(name + "==" + max(bounds, key=lambda v: tuple(int(p) for p in v.split("."))))
endef
export MIN_CONSTRAINTS_PY

$(PY_MIN):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "error: ffnn needs Python >= 3.10, $(PYTHON) is " + sys.version.split()[0])'
	@echo ">>> creating $(VENV_MIN) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV_MIN) || { echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }

$(if $(filter $(ROOT),$(shell cat $(MIN_STAMP) 2>/dev/null)),,$(MIN_STAMP)): FORCE

$(MIN_STAMP): pyproject.toml | $(PY_MIN)
	@$(PYTHON) -c "$$MIN_CONSTRAINTS_PY" $(MIN_PACKAGES) > $(VENV_MIN)/constraints.txt
	@echo ">>> pip install -e \".[test]\" into $(VENV_MIN) with $$(tr '\n' ' ' < $(VENV_MIN)/constraints.txt)"
	@$(PY_MIN) -m pip install --progress-bar off -c $(VENV_MIN)/constraints.txt \
	    --only-binary $$(echo $(MIN_PACKAGES) | tr ' ' ',') -e ".[test]" > $(VENV_MIN)/pip.log 2>&1 \
	    || { tail -n 25 $(VENV_MIN)/pip.log; echo "error: see $(VENV_MIN)/pip.log" >&2; exit 1; }
	@echo "$(ROOT)" > $@

test-min: $(MIN_STAMP)
	@$(PY_MIN) -c 'import sys, importlib.metadata as m; print(">>> pytest tests/ with Python", sys.version.split()[0] + ",", ", ".join(p + " " + m.version(p) for p in sys.argv[1:]))' $(MIN_PACKAGES) scipy
	$(PY_MIN) -m pytest -ra tests/

# --- make book ----------------------------------------------------------------------------
offline-assets: | $(PY)
	@$(PY) scripts/fetch_offline_assets.py

book: $(VENV)/.installed-book offline-assets
	rm -rf _build
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo ">>> book: file://$(ROOT)/_build/html/index.html"

# --- make test-book ------------------------------------------------------------------------
# The book is built by `make book` itself; check-book-pages then runs browser_tests/ (the
# checks' own self-test on small hand-written pages first, then <page>::<check> for every page
# of _toc.yml) on whatever _build/html holds. Extra pytest options: BOOK_PAGES_ARGS="-k forward".
BOOK_PAGES_ARGS ?=
test-book: book
	@$(MAKE) --no-print-directory check-book-pages

check-book-pages: $(VENV)/.installed-browser
	@test -f _build/html/index.html || { echo "error: no book in _build/html; run 'make book' first (or 'make test-book')" >&2; exit 1; }
	@echo ">>> pytest browser_tests/ on _build/html (screenshots: _build/screenshots/)"
	$(PY) -m pytest -ra browser_tests/ $(BOOK_PAGES_ARGS)

# --- make lab -----------------------------------------------------------------------------
# jupytext's server extension (installed with it) lets JupyterLab open .md text notebooks;
# the overrides below make a double click open them as notebooks ("Jupytext Notebook"),
# for this venv only. Other .md files (README.md) then open as notebooks too: right-click
# -> Open With -> Editor / Markdown Preview for those.
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json

# (The news feed is switched off too: the book must not need the network.)
$(LAB_OVERRIDES): Makefile | $(VENV)/.installed-lab
	@mkdir -p $(dir $@)
	@printf '%s\n' '{' \
	  '  "@jupyterlab/docmanager-extension:plugin": {' \
	  '    "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}' \
	  '  },' \
	  '  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}' \
	  '}' > $@

# Extra options, e.g. make lab LAB_ARGS="--no-browser --port=8890". Jupyter refuses to run as
# root (containers) without --allow-root.
LAB_ARGS ?=
LAB_AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
lab: $(VENV)/.installed-lab $(LAB_OVERRIDES)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(ROOT)" --LabApp.default_url=/lab/tree/book $(LAB_AS_ROOT) $(LAB_ARGS)

# --- cleaning -----------------------------------------------------------------------------
clean:
	rm -rf _build _offline .pytest_cache .hypothesis
	find . \( -path ./$(VENV) -o -path ./$(VENV_MIN) \) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(VENV_MIN) *.egg-info
