# retrysim: build, test, benchmark, run.
#   make            build ./retrysim
#   make run        build, run the default experiment, render its charts
#   make experiments every experiment at full size, then make plots
#   make test       build and run every test (SANITIZE=1: under ASan + UBSan)
#   make asan       make test SANITIZE=1
#   make bench      build and run the benchmarks (prints tables)
#   make deps       install the Debian packages (apt-get)

CC      ?= cc
SANITIZE ?= 0
BUILD   := build
CFLAGS_OPT := -O2 -g
BIN     := retrysim
ifeq ($(SANITIZE),1)
BUILD   := build-san
BIN     := build-san/retrysim
CFLAGS_OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L $(CFLAGS_OPT) $(WARN) -MMD -MP -Isim -Imodels -Iresults -Iconfig -Icli
PKGS    := gsl sqlite3 inih

# Stop with one line naming the apt-get command when a package is missing
# (as root, tools/deps.sh installs it instead), before any compiler error.
NODEPS_GOALS := deps clean help plots
ifeq ($(filter $(NODEPS_GOALS),$(MAKECMDGOALS)),)
DEPS_MSG := $(shell sh tools/deps.sh ensure)
ifneq ($(DEPS_MSG),)
$(error $(DEPS_MSG))
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)
endif
CFLAGS += $(PKG_CFLAGS)

# The pending event set: PES=heap (default, sim/pes.c) or PES=ladder
# (sim/ladder/pes_ladder.c: 1.3-1.4x faster on bench_storm, meets the hold
# goals, but 312 vs 176 bytes per call in flight). Same API and results.
PES     ?= heap
ifeq ($(PES),ladder)
BUILD   := $(BUILD)-ladder
BIN     := $(BUILD)/retrysim
SIM_SRC := $(filter-out sim/pes.c,$(wildcard sim/*.c)) sim/ladder/pes_ladder.c
else
SIM_SRC := $(wildcard sim/*.c)
endif
LIB_SRC   := $(SIM_SRC) $(wildcard models/*.c results/*.c config/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libretrysim.a
CLI_SRC   := $(wildcard cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_MAIN := $(wildcard bench/bench_*.c)
BENCH_AUX := $(filter-out $(BENCH_MAIN),$(wildcard bench/*.c))
BENCH_AUX_OBJ := $(BENCH_AUX:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_MAIN:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run experiments plots test asan bench deps clean help
all: $(BIN)

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# bench/bench_*.c are programs; the other bench/*.c are linked into each.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_AUX_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(BENCH_AUX_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

# Runs every test binary even after a failure, then fails if any failed.
test: $(TEST_BIN) $(BIN)
	@pass=0; fail=0; \
	for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  if (cd $(CURDIR) && RETRYSIM=./$(BIN) ./$$t); then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "== README configuration reference"; \
	if RETRYSIM=./$(BIN) sh tools/readme_keys.sh check; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	echo "tests: $$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]

asan:
	$(MAKE) test SANITIZE=1

bench: $(BENCH_BIN) $(BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; ./$$b || exit 1; done

# The default experiment: small versions of backoff-sweep and
# outage-capacity (experiments/quick/), their charts and a summary.
run: $(BIN)
	@sh tools/run_default.sh ./$(BIN)

# Every experiment at full size, then every chart.
EXPERIMENTS := $(patsubst experiments/%.ini,%,$(wildcard experiments/*.ini))
experiments: $(BIN)
	@for e in $(EXPERIMENTS); do ./$(BIN) sweep experiments/$$e.ini --db results/$$e.db || exit 1; done
	@$(MAKE) --no-print-directory plots

# Charts of every experiment whose database exists, into plots/out/.
plots:
	@for e in $(EXPERIMENTS); do \
	  if [ -f results/$$e.db ] && [ -f plots/$$e.gp ]; then sh tools/plot.sh results/$$e.db $$e plots/out && echo "plots/out/$$e*.png"; fi; \
	done

deps:
	sh tools/deps.sh install

clean:
	rm -rf build build-san build-ladder build-san-ladder retrysim

help:
	@sed -n '2,8p' Makefile

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
