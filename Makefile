# weir: one plain Makefile (see ../shared/STYLE.md section 7).
#   make            release build: build/release/weir
#   make debug      ASan+UBSan build: build/debug/weir
#   make run        set up, build and start the server on 127.0.0.1:4567 with ./weir-data
#   make test       set up and run every test (unit, e2e, fuzz regression) under ASan+UBSan
#   make unit | e2e | fuzz | fuzz-regress | bench | lint | clean
MODE ?= release
CC   ?= cc
PKGS := libuv libnghttp2 jansson libcrypto sqlite3 zlib libpcre2-8 libzstd libcurl snappy
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
BASE := -std=c11 -D_GNU_SOURCE -g -MMD -MP -Isrc $(WARN) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpg_query -lprotobuf-c -lpthread -lm

ifeq ($(MODE),debug)
CFLAGS  := $(BASE) -O1 -g3 -DWEIR_DEBUG -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS := -fsanitize=address,undefined
else
CFLAGS  := $(BASE) -O2 -DNDEBUG -fno-omit-frame-pointer
LDFLAGS :=
endif

OUT      := build/$(MODE)
LIB_SRC  := $(sort $(wildcard src/base/*.c src/store/*.c src/net/*.c src/http/*.c src/sql/*.c src/exec/*.c src/pgwire/*.c src/gen/*.c src/stream/*.c src/sink/*.c))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(OUT)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(OUT)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BIN := $(UNIT_SRC:%.c=$(OUT)/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:%.c=$(OUT)/%)

.PHONY: all release debug run test unit e2e fuzz fuzz-regress bench lint clean deps
all: release
release: ; @$(MAKE) --no-print-directory MODE=release build
debug:   ; @$(MAKE) --no-print-directory MODE=debug build
build: $(OUT)/weir $(BENCH_BIN)

deps:
	@bash scripts/install-deps.sh

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libweir.a: $(LIB_OBJ)
	@rm -f $@; ar rcs $@ $^

# `weir sql` is a libpq client with libedit line editing: only the weir binary links them.
CLI_LIBS := $(shell pkg-config --libs libpq libedit 2>/dev/null)
$(CLI_OBJ): CFLAGS += $(shell pkg-config --cflags libpq 2>/dev/null)

$(OUT)/weir: $(CLI_OBJ) $(OUT)/libweir.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(CLI_LIBS)

$(OUT)/tests/unit/%: tests/unit/%.c $(OUT)/libweir.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(OUT)/libweir.a $(LIBS) -lcmocka

$(OUT)/bench/%: bench/%.c $(OUT)/libweir.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(OUT)/libweir.a $(LIBS)

run: deps release
	./build/release/weir server --data ./weir-data --listen 127.0.0.1:4567

unit: deps
	@$(MAKE) --no-print-directory MODE=debug unit-run
unit-run: $(UNIT_BIN)
	@bash tests/run-unit.sh $(OUT)

e2e: deps
	@$(MAKE) --no-print-directory MODE=debug build
	@WEIR_BIN=$(CURDIR)/build/debug/weir bash tests/e2e/run.sh

test: deps
	@$(MAKE) --no-print-directory MODE=debug build unit-run
	@$(MAKE) --no-print-directory fuzz-regress
	@WEIR_BIN=$(CURDIR)/build/debug/weir bash tests/e2e/run.sh
	@WEIR_BIN=$(CURDIR)/build/debug/weir /usr/bin/python3 tests/sql/run.py
	@WEIR_BIN=$(CURDIR)/build/debug/weir /usr/bin/python3 tests/diff/run.py

# libFuzzer targets (clang); fuzz/<target>.c, corpus in fuzz/corpus/<target>/.
FUZZ_SRC   := $(sort $(wildcard fuzz/*.c))
FUZZ_OUT   := build/fuzz
FUZZ_BIN   := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_OUT)/%)
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -Isrc $(WARN) -Wno-unused-command-line-argument \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_OUT)/%.o)
$(FUZZ_OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@
# An archive, as for the other builds: a target links only the modules it uses.
$(FUZZ_OUT)/libweir.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_OUT)/%: fuzz/%.c $(FUZZ_OUT)/libweir.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OUT)/libweir.a $(LIBS)
.SECONDARY:
fuzz: $(FUZZ_BIN)
fuzz-regress: $(FUZZ_BIN)
	@bash fuzz/regress.sh $(FUZZ_OUT) $(FUZZ_SECONDS)

bench: deps release
	@bash bench/run.sh

# SQL harnesses (tests/sql/README.md, tests/diff/README.md, bench/README.md). The golden suite and the
# differential test fail when the server cannot answer SQL; `make test` runs both.
.PHONY: sql-test sql-diff sql-e2e bench-sql
sql-test: deps
	@$(MAKE) --no-print-directory MODE=debug build
	@WEIR_BIN=$(CURDIR)/build/debug/weir /usr/bin/python3 tests/sql/run.py
sql-diff: deps
	@$(MAKE) --no-print-directory MODE=debug build
	@WEIR_BIN=$(CURDIR)/build/debug/weir /usr/bin/python3 tests/diff/run.py
sql-e2e: deps
	@$(MAKE) --no-print-directory MODE=debug build
	@E2E_SQL=1 WEIR_BIN=$(CURDIR)/build/debug/weir bash tests/e2e/run.sh test_pg_
bench-sql: deps release
	@bash bench/sql/run.sh
# The streaming state table against redis-server (bench/README.md).
.PHONY: bench-state
bench-state: deps release
	@bash bench/state_run.sh
# Nexmark q0-q5 as materialized views: events/s and window latency (bench/nexmark_views.sh).
.PHONY: bench-nexmark
bench-nexmark: deps release
	@bash bench/nexmark_views.sh
# Parquet written by COPY from a 10-million-record JSON stream, against DuckDB's COPY (bench/parquet_write.sh).
.PHONY: bench-parquet
bench-parquet: deps release
	@bash bench/parquet_write.sh
# Delivery streams: a 10-million-record JSON stream delivered as Parquet, against DuckDB's COPY (bench/delivery_parquet.sh).
.PHONY: bench-delivery
bench-delivery: deps release
	@bash bench/delivery_parquet.sh

lint:
	@bash scripts/lint.sh

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
