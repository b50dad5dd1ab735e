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
# Quiet by default: V=1 shows every command.
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
BUILD   := build
CFLAGS_OPT := -O2 -g
BIN     := retrysim
ifeq ($(SANITIZE),1)
BUILD   := build-san
BIN     := build-san/retrysim
CFLAGS_OPT := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined,float-cast-overflow
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
# MPI=1: sweeps across machines (cli/farm_mpi.c), built with mpicc into
# build-mpi/retrysim; run it under mpirun or srun. The default build needs
# no MPI.
MPI     ?= 0
ifeq ($(MPI),1)
CC      := mpicc
BUILD   := $(BUILD)-mpi
BIN     := $(BUILD)/retrysim
CFLAGS  += -DRETRYSIM_MPI
CLI_EXTRA := cli/farm_mpi.c
endif
LIB_SRC   := $(SIM_SRC) $(wildcard models/*.c results/*.c config/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libretrysim.a
CLI_SRC   := $(filter-out cli/farm_mpi.c,$(wildcard cli/*.c)) $(CLI_EXTRA)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_SRC  := $(wildcard tests/test_*.c)
TEST_BIN  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_MAIN := $(wildcard bench/bench_*.c)
BENCH_AUX := $(filter-out $(BENCH_MAIN),$(wildcard bench/*.c))
BENCH_AUX_OBJ := $(BENCH_AUX:%.c=$(BUILD)/%.o)
BENCH_BIN := $(BENCH_MAIN:bench/%.c=$(BUILD)/bench/%)

.PHONY: all run experiments plots test asan bench deps clean help
# Keep the objects of test and benchmark programs (no "rm ..." after a build).
.SECONDARY:
all: $(BIN)

$(BIN): $(CLI_OBJ) $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# bench/bench_*.c are programs; the other bench/*.c are linked into each.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_AUX_OBJ) $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BENCH_AUX_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

# Runs every test binary even after a failure, one line each (its whole
# output in build/tests/NAME.log, printed when it fails; V=1 prints it
# always), then fails if any failed.
test: $(TEST_BIN) $(BIN)
	@pass=0; fail=0; bad=0; \
	for t in $(TEST_BIN); do \
	  if (cd $(CURDIR) && RETRYSIM=./$(BIN) ./$$t) > $$t.log 2>&1; then \
	    n=$$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' $$t.log | tail -n 1); pass=$$((pass + $${n:-0})); \
	    printf '  ok    %-24s %s tests\n' "$${t##*/}" "$${n:-?}"; \
	    if [ "$(V)" = 1 ]; then cat $$t.log; fi; \
	  else \
	    n=$$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' $$t.log | tail -n 1); fail=$$((fail + $${n:-1})); \
	    m=$$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' $$t.log | tail -n 1); pass=$$((pass + $${m:-0})); \
	    bad=$$((bad+1)); printf '  FAIL  %s (its output follows, also in %s)\n' "$${t##*/}" "$$t.log"; cat $$t.log; \
	  fi; \
	done; \
	if RETRYSIM=./$(BIN) sh tools/readme_keys.sh check; then pass=$$((pass+1)); echo "  ok    README references"; \
	else fail=$$((fail+1)); bad=$$((bad+1)); echo "  FAIL  README references"; fi; \
	echo "tests: $$pass passed, $$fail failed"; \
	[ $$bad -eq 0 ]

asan:
	$(MAKE) test SANITIZE=1

bench: $(BENCH_BIN) $(BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; ./$$b || exit 1; done

# The default experiment: small versions of backoff-sweep (a sweep) and
# capacity-plan (a search), experiments/quick/, their charts and a summary.
run: $(BIN)
	@sh tools/run_default.sh ./$(BIN)

# Every experiment at full size, then every chart.
EXPERIMENTS := $(patsubst experiments/%.ini,%,$(wildcard experiments/*.ini))
experiments: $(BIN)
	@for e in $(EXPERIMENTS); do \
	  if grep -q '^\[search\]' experiments/$$e.ini; then cmd=search; else cmd=sweep; fi; \
	  ./$(BIN) $$cmd experiments/$$e.ini --db results/$$e.db || exit 1; \
	done
	@$(MAKE) --no-print-directory plots

# Charts of every experiment whose database exists, into plots/out/.
plots:
	@for e in $(EXPERIMENTS); do \
	  if [ -f results/$$e.db ] && [ -f plots/$$e.gp ]; then sh tools/plot.sh results/$$e.db $$e plots/out && echo "plots/out/$$e*.png"; fi; \
	done

deps:
	sh tools/deps.sh install

clean:
	rm -rf build build-san build-ladder build-san-ladder build-mpi retrysim

help:
	@sed -n '2,8p' Makefile

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
