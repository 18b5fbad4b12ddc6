# The one place that knows how to build, test and run touchpoint. CI runs `make test` (.ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Keep the Rust build cache outside the clone so fresh CI clones reuse it.
CARGO_TARGET_DIR ?= $(HOME)/.cache/touchpoint/target
export CARGO_TARGET_DIR
CARGO ?= cargo

.PHONY: all help demo test lint rust-test doc c-test py-env py-develop py-test header lib install bench bench-memory bench-scaling bench-py peer-env bench-peers bench-peers-quick bench-journeymap bench-journeymap-quick bench-experience bench-bootstrap bench-crm bench-engines fuzz fuzz-cmin fmt clean

# Python: one virtual environment outside the clone, with everything the tests need.
VENV ?= $(HOME)/.cache/touchpoint/venv
PY := $(VENV)/bin/python
PY_DEPS := "maturin>=1.8,<2" "pytest>=8" "hypothesis>=6" pandas polars pyarrow numpy mypy networkx plotly \
	"dask[dataframe]" distributed pyspark nbclient nbformat ipykernel playwright tqdm

PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
RELEASE_DIR := $(CARGO_TARGET_DIR)/release
DEBUG_DIR := $(CARGO_TARGET_DIR)/debug
C_BUILD := $(CARGO_TARGET_DIR)/c-tests
C_TESTS := oracles misuse quickstart optimize enums journeymap experience segments crm crm_threads threads4 partial own_data bad_input
CC ?= cc
C_TEST_FLAGS := -std=c11 -Wall -Wextra -Werror -g -Iinclude -Itouchpoint-ffi/tests/c
VALGRIND := valgrind --quiet --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
# Threads sharing handles read-only; the suppressions cover only rayon/crossbeam/atomics
# hand-offs helgrind cannot see (each is explained in the file).
HELGRIND := valgrind --quiet --tool=helgrind --error-exitcode=1 --num-callers=40 \
	--suppressions=touchpoint-ffi/tests/c/helgrind.supp
# Under helgrind, crm_threads and threads4 (four threads with their own handles plus a shared
# graph, journeys and comparison) skip helgrind's checks of thread stacks: rayon jobs read their
# caller's stack (the job and what its closure borrows) and the caller reuses those slots after
# the join, a hand-off through rayon's latches that helgrind cannot see. Its traces stop in
# whatever the caller does next with the slot (a Vec::reserve, a drop_in_place), so no
# suppression could name it narrowly; CI once failed on one in crm_threads (a WhileSome flag on
# the caller's stack read by a worker, the slot then reused by a Vec). The library shares stack
# data between threads only that way; heap state (graphs, analyses, scorers, journeys,
# comparisons) is still checked. threads4 runs with `warm`: the shared graph's analysis is
# computed before the threads start, since helgrind cannot see the std OnceLock that publishes it
# when computed on first use (the cold run, four threads racing to compute it, is checked by
# valgrind and ASan).
HELGRIND_STACKLESS := $(HELGRIND) --check-stack-refs=no
# Every C test again, linked against the debug static library with AddressSanitizer and
# UndefinedBehaviorSanitizer on the C side (any report aborts the test). The Rust code is not
# instrumented: ASan checks the C programs' own accesses (reading past a returned string or row,
# use after free of a handle's memory, ...) but not the library's writes into a caller's buffer,
# and LeakSanitizer sees every allocation of both sides (Rust allocates with malloc), so a handle
# or string the C side forgets to free is reported. No suppressions are needed. A leak's trace
# stops at the first Rust frame (no frame pointers there): rerun the test with
# ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 for whole stacks.
# ThreadSanitizer is not used: it sees only the C side and the libc calls of the uninstrumented
# Rust code (memcpy, malloc, free), not the atomics that synchronise rayon's jobs, crossbeam's
# deques or a OnceLock, so threads4 under -fsanitize=thread reports ~150 races, every one a rayon
# job or its result handed between threads (e.g. a StackJob written by the caller, read by a
# worker). It would need the Rust side built with -Zsanitizer=thread (nightly, -Zbuild-std).
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
NIGHTLY := $(C_BUILD)/crm_nightly

## Default: the C library (release .so and .a) and its pkg-config file.
all: lib

help:
	@echo "make demo    - journey report on the built-in demo dataset (text, and an HTML file)"
	@echo "make test    - everything CI runs: fmt, clippy, Rust, C (valgrind) tests, docs"
	@echo "make         - release C library + touchpoint.pc; make install PREFIX=..."
	@echo "make header  - regenerate include/touchpoint.h"
	@echo "make bench   - criterion benches (slow; not part of make test)"
	@echo "make fuzz    - each fuzz target for FUZZ_SECONDS (nightly, cargo-fuzz; not part of make test)"

## The journey report on the demo dataset (DEMO_ARGS="customers seed order"), then the same
## report as one self-contained HTML file (tp.report(...).to_html) under $(CARGO_TARGET_DIR).
DEMO_HTML ?= $(CARGO_TARGET_DIR)/touchpoint-demo-report.html
demo: py-develop
	$(CARGO) run --release -q -p touchpoint-core --example demo -- $(DEMO_ARGS)
	@$(PY) -c 'import sys, touchpoint as tp; a = [int(x) for x in sys.argv[2:5]]; c, s, o = a + [20000, 7, 1][len(a):]; \
	  rep = tp.report(tp.Events.demo(c, s), order=o, lookback="30d", title=f"touchpoint demo report ({c} customers, seed {s})"); \
	  print("\nHTML report:", rep.to_html(sys.argv[1]))' "$(DEMO_HTML)" $(DEMO_ARGS)

test: lint rust-test doc c-test py-test
	@echo "make test: all checks passed"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p touchpoint-core --no-default-features --all-targets -- -D warnings

rust-test:
	$(CARGO) test --workspace --exclude touchpoint-py
	$(CARGO) test -p touchpoint-core --no-default-features

## C programs against the header and each of the static and shared library, under valgrind.
c-test:
	@command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
	$(CARGO) build -p touchpoint-ffi
	mkdir -p $(C_BUILD)
	for t in $(C_TESTS); do \
	  $(CC) $(C_TEST_FLAGS) touchpoint-ffi/tests/c/$$t.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(C_BUILD)/$$t-static; \
	  $(CC) $(C_TEST_FLAGS) touchpoint-ffi/tests/c/$$t.c -L$(DEBUG_DIR) -ltouchpoint -Wl,-rpath,$(DEBUG_DIR) -lm -o $(C_BUILD)/$$t-shared; \
	done
	for t in $(C_TESTS); do \
	  $(VALGRIND) $(C_BUILD)/$$t-static $(C_BUILD) >/dev/null; \
	  $(VALGRIND) $(C_BUILD)/$$t-shared $(C_BUILD); \
	done
	for m in static shared; do \
	  $(HELGRIND_STACKLESS) $(C_BUILD)/crm_threads-$$m; \
	  $(HELGRIND_STACKLESS) $(C_BUILD)/threads4-$$m $(C_BUILD) warm; \
	done
	for t in $(C_TESTS); do \
	  $(CC) $(C_TEST_FLAGS) $(SANITIZE) touchpoint-ffi/tests/c/$$t.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(C_BUILD)/$$t-asan; \
	  $(SANITIZER_ENV) $(C_BUILD)/$$t-asan $(C_BUILD) >/dev/null; \
	done
	$(CC) $(C_TEST_FLAGS) examples/crm_nightly.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(NIGHTLY)-static
	$(CC) $(C_TEST_FLAGS) examples/crm_nightly.c -L$(DEBUG_DIR) -ltouchpoint -Wl,-rpath,$(DEBUG_DIR) -lm -o $(NIGHTLY)-shared
	for m in static shared; do \
	  rm -rf $(NIGHTLY)-$$m.state && mkdir -p $(NIGHTLY)-$$m.state; \
	  $(VALGRIND) $(NIGHTLY)-$$m $(NIGHTLY)-$$m.state examples/data/today.csv examples/data/history.csv; \
	  $(VALGRIND) $(NIGHTLY)-$$m $(NIGHTLY)-$$m.state examples/data/tomorrow.csv | tee $(NIGHTLY)-$$m.state/run2.txt; \
	  grep -q "^journeys: loaded" $(NIGHTLY)-$$m.state/run2.txt; \
	done
	mkdir -p $(C_BUILD)/shards && $(C_BUILD)/partial-static $(C_BUILD) $(C_BUILD)/shards >/dev/null
	$(CC) $(C_TEST_FLAGS) examples/merge_shards.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(C_BUILD)/merge_shards-static
	$(CC) $(C_TEST_FLAGS) examples/merge_shards.c -L$(DEBUG_DIR) -ltouchpoint -Wl,-rpath,$(DEBUG_DIR) -lm -o $(C_BUILD)/merge_shards-shared
	for m in static shared; do \
	  $(VALGRIND) $(C_BUILD)/merge_shards-$$m $(C_BUILD)/shards/shard-a.tpp $(C_BUILD)/shards/shard-b.tpp \
	    | tee $(C_BUILD)/shards/out-$$m.txt | head -3; \
	  grep -q "^markov" $(C_BUILD)/shards/out-$$m.txt; \
	done
	@# the two examples again with ASan and UBSan (the nightly twice: a fresh state, then its reload)
	$(CC) $(C_TEST_FLAGS) $(SANITIZE) examples/crm_nightly.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(NIGHTLY)-asan
	rm -rf $(NIGHTLY)-asan.state && mkdir -p $(NIGHTLY)-asan.state
	$(SANITIZER_ENV) $(NIGHTLY)-asan $(NIGHTLY)-asan.state examples/data/today.csv examples/data/history.csv >/dev/null
	$(SANITIZER_ENV) $(NIGHTLY)-asan $(NIGHTLY)-asan.state examples/data/tomorrow.csv > $(NIGHTLY)-asan.state/run2.txt
	grep -q "^journeys: loaded" $(NIGHTLY)-asan.state/run2.txt
	$(CC) $(C_TEST_FLAGS) $(SANITIZE) examples/merge_shards.c $(DEBUG_DIR)/libtouchpoint.a -lpthread -ldl -lm -o $(C_BUILD)/merge_shards-asan
	$(SANITIZER_ENV) $(C_BUILD)/merge_shards-asan $(C_BUILD)/shards/shard-a.tpp $(C_BUILD)/shards/shard-b.tpp > $(C_BUILD)/shards/out-asan.txt
	grep -q "^markov" $(C_BUILD)/shards/out-asan.txt
	@echo "c-test: $(words $(C_TESTS)) programs x 2 link modes passed under valgrind (crm_threads and threads4 also under helgrind), and with ASan and UBSan; examples/crm_nightly.c ran twice and examples/merge_shards.c once per link mode, under valgrind and again with ASan and UBSan"

## The virtual environment with maturin, pytest, pandas, polars, pyarrow, mypy, plotly, networkx.
py-env:
	@test -x $(PY) || python3 -m venv $(VENV)
	@# Spark's JVM (tests/test_engines.py): the distribution's headless OpenJDK 17 when missing
	@command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	@# The HTML report's browser test (tests/test_report_browser.py): Debian's Chromium, driven by Playwright
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(PY) -m pip install -q --disable-pip-version-check $(PY_DEPS)

## Build the extension into the virtual environment (editable).
py-develop: py-env
	cd touchpoint-py && VIRTUAL_ENV=$(VENV) PATH="$(VENV)/bin:$$PATH" $(VENV)/bin/maturin develop -q

## pytest (oracles, interop, errors, properties, doctests, README), then the stub check.
py-test: py-develop
	cd touchpoint-py && $(PY) -m pytest tests -q -p no:cacheprovider
	cd touchpoint-py && $(PY) -m mypy.stubtest touchpoint._touchpoint

## Regenerate include/touchpoint.h with the pinned cbindgen (commit the result).
header:
	TOUCHPOINT_BLESS=1 $(CARGO) test -q -p touchpoint-ffi --test header

## Release C library + pkg-config file in $(RELEASE_DIR).
lib:
	$(CARGO) build --release -p touchpoint-ffi
	printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: touchpoint\nDescription: Customer-journey analytics: journey graphs and exact attribution\nVersion: %s\nLibs: -L$${libdir} -ltouchpoint\nLibs.private: -lpthread -ldl -lm\nCflags: -I$${includedir}\n' \
	  "$(PREFIX)" "$(VERSION)" > $(RELEASE_DIR)/touchpoint.pc
	@echo "built $(RELEASE_DIR)/libtouchpoint.so, libtouchpoint.a and touchpoint.pc"

## Install lib, header and .pc under PREFIX (default /usr/local).
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 644 $(RELEASE_DIR)/libtouchpoint.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(RELEASE_DIR)/libtouchpoint.so $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/touchpoint.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(RELEASE_DIR)/touchpoint.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p touchpoint-core -p touchpoint-ffi

## Criterion benches of the core (TOUCHPOINT_BENCH_EVENTS / TOUCHPOINT_BENCH_PATHS set sizes;
## BENCH_ARGS=--quick for a short run).
bench: bench-memory
	$(CARGO) bench -p touchpoint-benches --bench core -- $(BENCH_ARGS)

## Python face timings (release wheel in its own environment): ingest by customer-column layout,
## attribution from Python, the fixed cost of one call over the core's.
bench-py:
	@test -x $(HOME)/.cache/touchpoint/bench-venv/bin/python || python3 -m venv $(HOME)/.cache/touchpoint/bench-venv
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --disable-pip-version-check "maturin>=1.8,<2" polars pyarrow pandas
	cd touchpoint-py && $(HOME)/.cache/touchpoint/bench-venv/bin/maturin build --release -q -o $(HOME)/.cache/touchpoint/wheels
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --force-reinstall --no-deps $(HOME)/.cache/touchpoint/wheels/touchpoint-$(VERSION)-*.whl
	$(CARGO) run --release -q -p touchpoint-benches --bin path_csv
	OPENBLAS_NUM_THREADS=1 $(HOME)/.cache/touchpoint/bench-venv/bin/python benches/python/bench_ingest.py
	$(CARGO) build --release -q -p touchpoint-benches --bin call_cost
	$(HOME)/.cache/touchpoint/bench-venv/bin/python benches/python/bench_call.py 100000 $(RELEASE_DIR)/call_cost

## The CRM jobs: load a saved graph, score 1M open journeys (Rust, C, Python), append a day.
bench-crm:
	$(CARGO) build --release -q -p touchpoint-benches --bin crm_timing
	$(CARGO_TARGET_DIR)/release/crm_timing $(CRM_ARGS)
	$(CARGO) bench -q -p touchpoint-ffi --bench crm_timing
	@test -x $(HOME)/.cache/touchpoint/bench-venv/bin/python || python3 -m venv $(HOME)/.cache/touchpoint/bench-venv
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --disable-pip-version-check "maturin>=1.8,<2" polars pyarrow pandas
	cd touchpoint-py && $(HOME)/.cache/touchpoint/bench-venv/bin/maturin build --release -q -o $(HOME)/.cache/touchpoint/wheels
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --force-reinstall --no-deps $(HOME)/.cache/touchpoint/wheels/touchpoint-$(VERSION)-*.whl
	$(HOME)/.cache/touchpoint/bench-venv/bin/python benches/python/bench_score.py

## Partials: the core against one machine, then touchpoint on Spark (local[2]) against Spark SQL
## and on Dask (2 worker processes) against one machine (ENGINE_ARGS="--events N --runs R").
bench-engines:
	$(CARGO) build --release -q -p touchpoint-benches --bin partial_timing
	$(CARGO_TARGET_DIR)/release/partial_timing
	@test -x $(HOME)/.cache/touchpoint/bench-venv/bin/python || python3 -m venv $(HOME)/.cache/touchpoint/bench-venv
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --disable-pip-version-check "maturin>=1.8,<2" polars pyarrow pandas \
		"dask[dataframe]" distributed pyspark
	@command -v java >/dev/null || { apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; }
	cd touchpoint-py && $(HOME)/.cache/touchpoint/bench-venv/bin/maturin build --release -q -o $(HOME)/.cache/touchpoint/wheels
	$(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --force-reinstall --no-deps $(HOME)/.cache/touchpoint/wheels/touchpoint-$(VERSION)-*.whl
	$(HOME)/.cache/touchpoint/bench-venv/bin/python benches/python/bench_engines.py $(ENGINE_ARGS)

## Peak memory and single-thread throughput of journeys + graph on 10M events.
bench-memory:
	$(CARGO) run --release -q -p touchpoint-benches --bin journey_memory -- 10000000

## Scaling curve of journeys + order-1 graph + Markov at 1M, 10M, 30M and 100M events (one
## process per size: time per stage, peak RSS, log-log exponents; SCALING_ARGS="--sizes A,B,...");
## writes benches/scaling.json and the plot benches/scaling.png (100M events peak at about 6.4 GB).
bench-scaling:
	$(CARGO) build --release -q -p touchpoint-benches --bin scaling
	$(RELEASE_DIR)/scaling --json benches/scaling.json $(SCALING_ARGS)
	@test -x $(HOME)/.cache/touchpoint/bench-venv/bin/python || python3 -m venv $(HOME)/.cache/touchpoint/bench-venv
	@$(HOME)/.cache/touchpoint/bench-venv/bin/python -c 'import matplotlib' 2>/dev/null \
		|| $(HOME)/.cache/touchpoint/bench-venv/bin/pip install -q --disable-pip-version-check matplotlib
	$(HOME)/.cache/touchpoint/bench-venv/bin/python benches/scaling_plot.py --json benches/scaling.json --out benches/scaling.png

## Side-by-side benchmark against channelattribution, marketing-attribution-models, pm4py, and
## ClickHouse (chdb) and DuckDB for funnels and retention (benches/peers/run.py; writes
## benches/RESULTS.md). Its own virtual environment; touchpoint is
## installed from the release wheel, built here unless PEER_BUILD_WHEEL=0 (then the newest wheel
## already in $(WHEEL_DIR) is used). A peer that fails to install is skipped and reported.
PEER_VENV ?= $(HOME)/.cache/touchpoint/peer-venv
PEER_PY := $(PEER_VENV)/bin/python
PEER_LIBS := channelattribution marketing-attribution-models pm4py chdb duckdb
PEER_DEPS := pandas polars pyarrow numpy
WHEEL_DIR ?= $(HOME)/.cache/touchpoint/wheels
VENV_BIN := $(PEER_VENV)/bin
PEER_BUILD_WHEEL ?= 1
PEER_ARGS ?=

peer-env:
	@test -x $(PEER_PY) || python3 -m venv $(PEER_VENV)
	$(PEER_PY) -m pip install -q --disable-pip-version-check $(PEER_DEPS)
	mkdir -p $(PEER_VENV)/install-logs
	for p in $(PEER_LIBS); do \
	  $(PEER_PY) -m pip install --disable-pip-version-check $$p > $(PEER_VENV)/install-logs/$$p.log 2>&1 \
	    || echo "peer-env: could not install $$p (see $(PEER_VENV)/install-logs/$$p.log); it will be skipped"; \
	done
	if [ "$(PEER_BUILD_WHEEL)" = 1 ]; then \
	  $(PEER_PY) -m pip install -q --disable-pip-version-check "maturin>=1.8,<2" && \
	  cd touchpoint-py && $(VENV_BIN)/maturin build --release -q -o $(WHEEL_DIR); \
	fi
	wheel=$$(ls -t $(WHEEL_DIR)/touchpoint-$(VERSION)-*.whl | head -n 1); \
	$(PEER_PY) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$$wheel"

bench-peers: peer-env
	$(PEER_PY) benches/peers/run.py --out benches/RESULTS.md $(PEER_ARGS)

bench-peers-quick: peer-env
	$(PEER_PY) benches/peers/run.py --quick --out benches/RESULTS.md $(PEER_ARGS)

## Only the funnel and retention section (ClickHouse via chdb, DuckDB): 10M events (quick: 1M).
## Rewrites benches/RESULTS.md, keeping the other sections of its last full (or quick) run.
bench-journeymap: peer-env
	$(PEER_PY) benches/peers/run.py --only journeymap --out benches/RESULTS.md $(PEER_ARGS)

bench-journeymap-quick: peer-env
	$(PEER_PY) benches/peers/run.py --quick --only journeymap --out benches/RESULTS.md $(PEER_ARGS)

## The experience analyses against pandas group-bys + pingouin (10M events; EVENTS=... to change);
## rewrites the Experience section of benches/RESULTS.md.
EVENTS ?= 10000000
## Bootstrap timing (1M-path table, B = 200), segment overhead and interval coverage; rewrites
## the Bootstrap section of benches/RESULTS.md.
bench-bootstrap:
	cargo build --release -p touchpoint-benches --bin bootstrap_timing --bin bootstrap_coverage
	python3 benches/bootstrap.py --bin-dir $(CARGO_TARGET_DIR)/release --out benches/RESULTS.md

bench-experience:
	@test -x $(PEER_PY) || python3 -m venv $(PEER_VENV)
	$(PEER_PY) -m pip install -q --disable-pip-version-check pandas numpy pingouin
	$(PEER_PY) benches/peers/experience.py --events $(EVENTS) --out benches/RESULTS.md

## The fuzz targets of fuzz/ (paths_csv, events_csv, catalog, c_api), one after another, for
## FUZZ_SECONDS each, on nightly with cargo-fuzz (installed when missing), growing
## fuzz/corpus/<target>; a crash leaves its input in fuzz/artifacts/<target>/. `make test`
## replays the committed corpora on stable (touchpoint-ffi/tests/fuzz_corpus.rs). Minimise a
## grown corpus with `make fuzz-cmin` before committing it. FUZZ_SANITIZER=none builds without
## AddressSanitizer: 2-5x the executions per second, but the few unsafe blocks (the fast path
## reader's SIMD scan, the step matrix's parallel writes) and the C API's pointer handling are
## then checked only by Rust's own bounds checks and debug assertions; FUZZ_RUNS=N stops each target
## after N executions (FUZZ_SECONDS=0: no time limit). The long run of the issue-17 note:
##   make fuzz FUZZ_SANITIZER=none FUZZ_SECONDS=0 FUZZ_RUNS=10000000
FUZZ_SECONDS ?= 300
FUZZ_RUNS ?=
FUZZ_SANITIZER ?= address
FUZZ_TARGETS ?= paths_csv events_csv catalog c_api
FUZZ_TARGET_DIR ?= $(HOME)/.cache/touchpoint/target-fuzz-$(FUZZ_SANITIZER)
FUZZ_ARGS ?= -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  RAYON_NUM_THREADS=1 $(CARGO) +nightly fuzz run $$t -O -a -s $(FUZZ_SANITIZER) --target-dir $(FUZZ_TARGET_DIR) -- \
	    -max_total_time=$(FUZZ_SECONDS) $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS)) $(FUZZ_ARGS); \
	done

## Shrink each fuzz/corpus/<target> to a set cover of its edges (few hundred files; libFuzzer's
## -set_cover_merge without hit counts, which `cargo fuzz cmin` keeps and so keeps thousands);
## crash-* inputs (fixed crashes, kept as regressions) stay.
FUZZ_BIN = $(FUZZ_TARGET_DIR)/$(shell rustc -vV | sed -n 's/^host: //p')/release
fuzz-cmin:
	cd fuzz && $(CARGO) +nightly fuzz build -O -a -s $(FUZZ_SANITIZER) --target-dir $(FUZZ_TARGET_DIR)
	cd fuzz && for t in $(FUZZ_TARGETS); do \
	  rm -rf corpus-new/$$t && mkdir -p corpus-new/$$t && cp corpus/$$t/crash-* corpus-new/$$t/ 2>/dev/null || true; \
	  RAYON_NUM_THREADS=1 $(FUZZ_BIN)/$$t -set_cover_merge=1 -use_counters=0 $(FUZZ_ARGS) corpus-new/$$t corpus/$$t; \
	  rm -rf corpus/$$t && mv corpus-new/$$t corpus/$$t; \
	  echo "$$t: $$(ls corpus/$$t | wc -l) inputs"; \
	done

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
