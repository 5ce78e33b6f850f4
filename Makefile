# User-facing commands. Everything builds with CMake under build/.
#   make demo    install what is missing, build, run the demonstration
#   make check   install what is missing, build with sanitizers, run every test
#   make bench   build optimised, run every benchmark, print one report
#                (also in build/release/bench/results.md, .json, .png)
#   make fuzz    fuzz every parser for FUZZ_SECONDS each

BUILD        ?= build
FUZZ_SECONDS ?= 60
CMAKE_GEN    := -G Ninja

RELEASE_DIR := $(BUILD)/release
CHECK_DIR   := $(BUILD)/check
FUZZ_DIR    := $(BUILD)/fuzz
TSAN_DIR    := $(BUILD)/tsan
FAILINJ_DIR := $(BUILD)/failinj
VALGRIND_DIR := $(BUILD)/valgrind

.PHONY: all deps demo check check-unit check-fuzz check-tsan check-failinj check-valgrind \
        bench fuzz clean

all: $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR)

deps:
	@scripts/install-deps

$(RELEASE_DIR)/build.ninja:
	cmake -S . -B $(RELEASE_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCLOGIN_BUILD_TESTS=OFF

# Serves http://127.0.0.1:8080/ (users in demo.db, made on first start);
# DEMO_ARGS passes options, e.g. make demo DEMO_ARGS="--port 9000".
demo: deps $(RELEASE_DIR)/build.ninja
	cmake --build $(RELEASE_DIR)
	$(RELEASE_DIR)/examples/demo/clogin-demo $(DEMO_ARGS)

# Unit, interop and packaging tests under ASan+UBSan, the threaded tests
# under ThreadSanitizer, every fuzz corpus and regression input replayed
# through the libFuzzer builds, allocation-failure injection, then the unit
# tests again under valgrind.
check: deps
	$(MAKE) check-unit check-tsan check-fuzz check-failinj check-valgrind

check-unit:
	cmake -S . -B $(CHECK_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCLOGIN_SANITIZE=ON
	cmake --build $(CHECK_DIR)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(CHECK_DIR) --output-on-failure -j2

$(TSAN_DIR)/build.ninja:
	CC=clang cmake -S . -B $(TSAN_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLOGIN_BUILD_BENCH=OFF -DCLOGIN_BUILD_TOOLS=OFF \
	  -DCMAKE_C_FLAGS=-fsanitize=thread -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
	  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread

# Eight threads share one SQLite file: under TSan on a busy machine a write
# may wait for the lock longer than the store's default second.
check-tsan: $(TSAN_DIR)/build.ninja
	cmake --build $(TSAN_DIR) --target test_concurrency test_threads \
	  test_store_memory test_store_sqlite test_store_redis
	TSAN_OPTIONS=halt_on_error=1 CLOGIN_TEST_STORE_TIMEOUT_MS=10000 \
	  ctest --test-dir $(TSAN_DIR) --output-on-failure \
	  -R 'unit/test_(concurrency(@.*)?|threads|store_memory|store_sqlite|store_redis)$$'

# Every allocation of a typical request made to fail in turn
# (tests/failinj): without sanitizers, which would own malloc.
$(FAILINJ_DIR)/build.ninja:
	cmake -S . -B $(FAILINJ_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLOGIN_BUILD_BENCH=OFF -DCLOGIN_BUILD_TOOLS=OFF -DCLOGIN_BUILD_MHD=OFF

check-failinj: $(FAILINJ_DIR)/build.ninja
	cmake --build $(FAILINJ_DIR) --target test_alloc_failure
	ctest --test-dir $(FAILINJ_DIR) --output-on-failure -R '^failinj/'

# Every unit test program (and the login tests with each store) under
# valgrind's memcheck, in a Debug build without sanitizers: any memory
# error or definite/indirect leak fails (tests/CMakeLists.txt).
$(VALGRIND_DIR)/build.ninja:
	cmake -S . -B $(VALGRIND_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCLOGIN_VALGRIND=ON \
	  -DCLOGIN_BUILD_BENCH=OFF -DCLOGIN_BUILD_TOOLS=OFF -DCLOGIN_BUILD_MHD=OFF

check-valgrind: $(VALGRIND_DIR)/build.ninja
	cmake --build $(VALGRIND_DIR)
	ctest --test-dir $(VALGRIND_DIR) --output-on-failure -j2 -R '^unit/'

$(FUZZ_DIR)/build.ninja:
	CC=clang cmake -S . -B $(FUZZ_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCLOGIN_FUZZ=ON -DCLOGIN_SANITIZE=ON -DCLOGIN_BUILD_TESTS=OFF \
	  -DCLOGIN_BUILD_BENCH=OFF -DCLOGIN_BUILD_TOOLS=OFF \
	  -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link

check-fuzz: $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR)
	ctest --test-dir $(FUZZ_DIR) --output-on-failure -j2

# New inputs go to build/fuzz/work/NAME; crashes to build/fuzz/crash-NAME-*.
# Keep a crash as a regression input by copying it to fuzz/regressions/NAME/.
fuzz: deps $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR)
	@set -e; for f in $(FUZZ_DIR)/fuzz/fuzz_*; do \
	  name=$$(basename $$f); short=$${name#fuzz_}; \
	  mkdir -p $(FUZZ_DIR)/work/$$short; \
	  echo "== $$name for $(FUZZ_SECONDS)s"; \
	  if ! $$f $(FUZZ_DIR)/work/$$short fuzz/corpus/$$short \
	      -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	      -artifact_prefix=$(FUZZ_DIR)/crash-$$short- > $(FUZZ_DIR)/$$short.log 2>&1; then \
	    tail -n 60 $(FUZZ_DIR)/$$short.log; echo "$$name FOUND A CRASH"; exit 1; \
	  fi; \
	  grep -E "stat::number_of_executed_units|stat::new_units_added" $(FUZZ_DIR)/$$short.log; \
	done

bench: deps
	scripts/install-deps bench
	cmake -S . -B $(RELEASE_DIR) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCLOGIN_BUILD_TESTS=OFF
	cmake --build $(RELEASE_DIR)
	/usr/bin/python3 bench/run.py $(RELEASE_DIR)

clean:
	rm -rf $(BUILD)
