# The two set-up commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help build demo test format lint bench pg-start pg-stop

help:
	@echo "make demo   start the embedded PostgreSQL, migrate, load the examples, print a report"
	@echo "make test   build (warnings are errors) and run every test against a real PostgreSQL"
	@echo "make bench  performance figures (scripts/bench)"

build:
	swift build

demo:
	scripts/install-deps
	scripts/demo

# Uses $$MSCREG_TEST_DATABASE when set; otherwise starts the embedded cluster (scripts/pg-local).
test:
	@scripts/install-deps
	@if [ -z "$${MSCREG_TEST_DATABASE:-}" ]; then \
	  scripts/pg-local start && eval "$$(scripts/pg-local env)"; \
	fi; \
	set -e; \
	swift build --build-tests; \
	swift test; \
	if [ -x scripts/crosscheck-stats ]; then scripts/crosscheck-stats; fi; \
	if [ -x scripts/validate-exports ]; then scripts/validate-exports; fi

format:
	swift format --in-place --recursive Package.swift Sources Tests

lint:
	swift format lint --strict --recursive Package.swift Sources Tests

bench:
	scripts/bench

pg-start:
	scripts/pg-local start

pg-stop:
	scripts/pg-local stop
