# The one place that knows how to build, test and run touchpoint. CI runs `make test` (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Keep the Rust build cache outside the clone so fresh CI clones reuse it.
CARGO_TARGET_DIR ?= $(HOME)/.cache/touchpoint/target
export CARGO_TARGET_DIR
CARGO ?= cargo

.PHONY: help demo test lint rust-test doc bench bench-memory fmt clean

help:
	@echo "make demo   - journey report on the built-in demo dataset"
	@echo "make test   - everything CI runs: fmt, clippy, Rust tests (core, ffi), docs"
	@echo "make bench  - criterion benches (slow; not part of make test)"

## The journey report on the demo dataset (DEMO_ARGS="customers seed order").
demo:
	$(CARGO) run --release -q -p touchpoint-core --example demo -- $(DEMO_ARGS)

test: lint rust-test doc
	@echo "make test: all checks passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p touchpoint-core --no-default-features --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace --exclude touchpoint-py
	$(CARGO) test -p touchpoint-core --no-default-features

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p touchpoint-core -p touchpoint-ffi

## Criterion benches of the core (TOUCHPOINT_BENCH_EVENTS / TOUCHPOINT_BENCH_PATHS set sizes).
bench: bench-memory
	$(CARGO) bench -p touchpoint-benches

## Peak memory and single-thread throughput of journeys + graph on 10M events.
bench-memory:
	$(CARGO) run --release -q -p touchpoint-benches --bin journey_memory -- 10000000

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
