# The two set-up commands of the README: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help build demo serve test install uninstall format lint bench pg-start pg-stop

# `make install`: PREFIX/bin/mscreg, its migrations and its bash, zsh and fish completions.
# DESTDIR is prepended to every path (packaging). SWIFT_BUILD_FLAGS go to the release build,
# e.g. SWIFT_BUILD_FLAGS=--static-swift-stdlib for a binary that outlives the toolchain.
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT_BUILD_FLAGS ?=
bindir := $(DESTDIR)$(PREFIX)/bin
sharedir := $(DESTDIR)$(PREFIX)/share

help:
	@echo "make demo     start the embedded PostgreSQL, migrate, load the examples, print a report"
	@echo "make test     build (warnings are errors) and run every test against a real PostgreSQL"
	@echo "make serve    the registry service (HTTP API) on the embedded database, 127.0.0.1:8080"
	@echo "make install  release mscreg into PREFIX/bin (default /usr/local), with shell completions"
	@echo "make pg-stop  stop the embedded PostgreSQL"
	@echo "make bench    performance figures (scripts/bench)"

build:
	swift build

demo:
	scripts/install-deps
	scripts/demo

# The HTTP API on the embedded database (scripts/serve; README "The registry service").
serve:
	scripts/serve

# Uses $$MSCREG_TEST_DATABASE when set; otherwise starts a scratch cluster of its own in .pg-test
# (scripts/pg-local with MSCREG_PGLOCAL_SCRATCH=1: no fsync, for throwaway test databases; the
# demo's and the service's .pg-local keeps its durability).
# Prints failures (with their details), skips and what tests print, not the line per passing
# test, and ends with ONE line of totals from scripts/test-totals ("tests: N passed, N failed,
# N skipped"; under CI a skip counts as a failure). The full output is in .build/test-output.log.
# The statistics cross-check, the export validation and the HTTP API contract (schemathesis)
# run beside swift test, each in a database of its own; their output is in .build/*.log.
# `make test FILTER=HelpTests` runs only the tests that match (swift test --filter).
test:
	@scripts/install-deps
	@if [ -z "$${MSCREG_TEST_DATABASE:-}" ]; then \
	  MSCREG_PGLOCAL_NAME=.pg-test MSCREG_PGLOCAL_SCRATCH=1 scripts/pg-local start && \
	  eval "$$(MSCREG_PGLOCAL_NAME=.pg-test scripts/pg-local env)"; \
	fi; \
	set -eo pipefail; \
	echo "== building (warnings are errors)"; \
	swift build --build-tests -q; \
	bin="$$(swift build --show-bin-path)/mscreg"; \
	rm -f .build/test-results.xml .build/test-results-swift-testing.xml .build/swift-test.ended \
	  .build/crosscheck-data.json .build/crosscheck.log .build/crosscheck.status \
	  .build/validate-exports.log .build/validate-exports.status \
	  .build/api-contract.log .build/api-contract.status; \
	checking=""; \
	if [ -x scripts/crosscheck-stats ]; then \
	  ( set +e; data=.build/crosscheck-data.json; \
	    until [ -s $$data ] || [ -e .build/swift-test.ended ]; do sleep 1; done; \
	    [ -s $$data ] && data="$$PWD/$$data" || data=""; \
	    MSCREG_CROSSCHECK_DATA="$$data" scripts/crosscheck-stats >.build/crosscheck.log 2>&1; \
	    echo $$? >.build/crosscheck.status ) & checking=$$!; \
	fi; \
	validating=""; \
	if [ -x scripts/validate-exports ]; then \
	  ( set +e; MSCREG_BIN="$$bin" scripts/validate-exports >.build/validate-exports.log 2>&1; \
	    echo $$? >.build/validate-exports.status ) & validating=$$!; \
	fi; \
	contracting=""; \
	if [ -x scripts/api-contract ]; then \
	  ( set +e; scripts/api-contract >.build/api-contract.log 2>&1; \
	    echo $$? >.build/api-contract.status ) & contracting=$$!; \
	fi; \
	echo "== swift test"; \
	status=0; \
	MSCREG_CROSSCHECK_OUT="$$PWD/.build/crosscheck-data.json" \
	swift test --skip-build --xunit-output .build/test-results.xml $(if $(FILTER),--filter '$(FILTER)') 2>&1 \
	  | tee .build/test-output.log | scripts/test-filter || status=$$?; \
	touch .build/swift-test.ended; \
	extra=""; \
	if [ -n "$$checking" ]; then \
	  echo "== statistics cross-check"; \
	  wait $$checking || true; \
	  out=$$(cat .build/crosscheck.log); \
	  if [ "$$(cat .build/crosscheck.status 2>/dev/null)" = 0 ]; then \
	    case "$$out" in *skipped:*) extra="--skipped crosscheck-stats";; *) extra="--passed crosscheck-stats";; esac; \
	  else extra="--failed crosscheck-stats"; fi; \
	  echo "$$out" | tail -n 3; \
	fi; \
	if [ -n "$$validating" ]; then \
	  echo "== standard exports through their validators (fhir.resources, odmlib)"; \
	  wait $$validating || true; \
	  out=$$(cat .build/validate-exports.log); \
	  if [ "$$(cat .build/validate-exports.status 2>/dev/null)" = 0 ]; then \
	    case "$$out" in *skipped:*) extra="$$extra --skipped validate-exports";; *) extra="$$extra --passed validate-exports";; esac; \
	  else extra="$$extra --failed validate-exports"; fi; \
	  echo "$$out" | tail -n 5; \
	fi; \
	if [ -n "$$contracting" ]; then \
	  echo "== the HTTP API against openapi.yaml (schemathesis)"; \
	  wait $$contracting || true; \
	  out=$$(cat .build/api-contract.log); \
	  if [ "$$(cat .build/api-contract.status 2>/dev/null)" = 0 ]; then \
	    case "$$out" in *skipped:*) extra="$$extra --skipped api-contract";; *) extra="$$extra --passed api-contract";; esac; \
	    echo "$$out" | tail -n 4; \
	  else extra="$$extra --failed api-contract"; echo "$$out" | tail -n 60; fi; \
	fi; \
	scripts/test-totals .build/test-results.xml .build/test-results-swift-testing.xml $$extra \
	  $$( [ "$$status" -ne 0 ] && [ "$$status" -ne 1 ] && echo "--failed swift-test-exit-$$status" )

# The migrations go to PREFIX/share/mscreg/migrations, where the installed binary finds them
# (README "Schema migrations"); completions where bash-completion, zsh and fish look.
install:
	swift build -c release --product mscreg $(SWIFT_BUILD_FLAGS)
	@set -e; bin="$$(swift build -c release $(SWIFT_BUILD_FLAGS) --show-bin-path)/mscreg"; \
	install -d "$(bindir)" "$(sharedir)/mscreg/migrations" \
	  "$(sharedir)/bash-completion/completions" "$(sharedir)/zsh/site-functions" \
	  "$(sharedir)/fish/vendor_completions.d"; \
	install -m 755 "$$bin" "$(bindir)/mscreg"; \
	install -m 644 sql/migrations/*.sql "$(sharedir)/mscreg/migrations/"; \
	"$$bin" --generate-completion-script bash > "$(sharedir)/bash-completion/completions/mscreg"; \
	"$$bin" --generate-completion-script zsh > "$(sharedir)/zsh/site-functions/_mscreg"; \
	"$$bin" --generate-completion-script fish > "$(sharedir)/fish/vendor_completions.d/mscreg.fish"; \
	echo "installed $(bindir)/mscreg"; \
	echo "  migrations  $(sharedir)/mscreg/migrations/"; \
	echo "  completions $(sharedir)/bash-completion/completions/mscreg," \
	  "$(sharedir)/zsh/site-functions/_mscreg, $(sharedir)/fish/vendor_completions.d/mscreg.fish"

uninstall:
	rm -f "$(bindir)/mscreg" "$(sharedir)/bash-completion/completions/mscreg" \
	  "$(sharedir)/zsh/site-functions/_mscreg" "$(sharedir)/fish/vendor_completions.d/mscreg.fish"
	rm -rf "$(sharedir)/mscreg"

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
	@if [ -e .pg-test ]; then MSCREG_PGLOCAL_NAME=.pg-test scripts/pg-local stop; fi
