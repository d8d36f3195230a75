# The project's commands. Each one sets up .venv from the pinned requirements first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export NO_MKDOCS_2_WARNING := 1
STAMP := $(VENV)/.installed

.PHONY: site test check serve pdf bench clean schema review

$(STAMP): requirements.lock pyproject.toml
	'$(PYTHON)' -m venv '$(VENV)'
	'$(PY)' -m pip install --quiet --upgrade pip
	'$(PY)' -m pip install --quiet -r requirements.lock
	'$(PY)' -m pip install --quiet --no-deps -e .
	touch '$(STAMP)'

## site: validate the data and build the website, with its PDF and every release's edition, into site/ (strict)
site: $(STAMP)
	'$(PY)' -m refsite build --pdf --editions

## test: the whole test suite (lint and types included)
## ruff, mypy and lint-imports run beside the tests (their output follows the tests'); any failure fails.
test: $(STAMP)
	@checks=$$(mktemp); \
	( status=0; \
	  '$(PY)' -m ruff check refsite tests macros.py || status=1; \
	  '$(PY)' -m mypy || status=1; \
	  '$(VENV)/bin/lint-imports' || status=1; \
	  exit $$status ) >"$$checks" 2>&1 & pid=$$!; \
	'$(PY)' -m pytest -q -n auto --dist worksteal; tests=$$?; \
	wait $$pid; lint=$$?; \
	echo '== ruff, mypy, lint-imports'; cat "$$checks"; rm -f "$$checks"; \
	if [ $$lint -ne 0 ]; then echo 'make test: ruff, mypy or lint-imports failed (see above)' >&2; fi; \
	if [ $$tests -ne 0 ]; then echo 'make test: the tests failed (see above)' >&2; fi; \
	[ $$tests -eq 0 ] && [ $$lint -eq 0 ]

## check: validate data/, bib/ and docs/ only
check: $(STAMP)
	'$(PY)' -m refsite check

## serve: live preview on http://127.0.0.1:8000/japan-russia/, rebuilt when docs/, data/, bib/ or mkdocs.yml change
serve: $(STAMP)
	'$(PY)' -m refsite serve

## pdf: the whole reference as a PDF in site/reference.pdf (the website is rebuilt with it)
pdf: $(STAMP)
	'$(PY)' -m refsite pdf

## bench: build times and memory at 500 and 2000 synthetic records, the real PDF's time, the live preview's latencies
## (make bench LARGE=1 adds 10,000 records)
bench: $(STAMP)
	'$(PY)' -m refsite bench $(if $(LARGE),--large)

## review: what the working tree changes against BASE (default origin/main), as Markdown
## BASE reaches the review through the environment, unexpanded: it is never make or shell text.
BASE ?= origin/main
unexport BASE
review: export REFSITE_REVIEW_BASE = $(value BASE)
review: $(STAMP)
	$(PY) -m refsite review -- "$$REFSITE_REVIEW_BASE"

## schema: JSON Schemas for editors, in schema/
schema: $(STAMP)
	'$(PY)' -m refsite schema --out schema

clean:
	rm -rf site .refsite .site-build-* .site-old-* .pytest_cache .mypy_cache .ruff_cache
