# retrysim: build, test, benchmark, run.
#   make            build ./retrysim
#   make run        build, run the default experiment, render its charts
#   make experiments every experiment at full size, then make plots
#   make test       build and run every test (SANITIZE=1: under ASan + UBSan)
#   make asan       make test SANITIZE=1
#   make bench      build and run the benchmarks (prints tables)
#   make deps       install the Debian packages (apt-get)
#   make go-probe   measure real Go timer lateness (needs golang-go), compare with the GMP model

CC      ?= cc
SANITIZE ?= 0
# Quiet by default: V=1 shows every command.
V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
BUILD   := build
# Link-time optimisation: the engine, the pending event set and the models
# are separate files, and most of an event's cost was calls between them
# (eng_at into pes_push, the series and counters from every handler).
# Results are the same bits: -std=c11 keeps floating-point contraction off.
LTO     := -flto=auto
CFLAGS_OPT := -O2 -g $(LTO) -fno-strict-aliasing
LDFLAGS += $(LTO)
AR      := gcc-ar
BIN     := retrysim
ifeq ($(SANITIZE),1)
BUILD   := build-san
BIN     := build-san/retrysim
LTO     :=
CFLAGS_OPT := -O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined,float-cast-overflow
endif

# Warnings: GCC's -Wall -Wextra and Lua's developer set. -Werror always in
# make test, make asan and CI (they set WERROR=1); for a plain make only on
# the compiler the code is checked with (GCC 12, Debian 12), so that a newer
# compiler's new warning does not stop a build. Objects are rebuilt when
# the flags change ($(BUILD)/cflags).
CC_MAJOR := $(shell $(CC) -dumpversion 2>/dev/null | cut -d. -f1)
WERROR  ?= $(if $(filter 12,$(CC_MAJOR)),1,0)
WARN     = -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wundef -Wwrite-strings -Wdouble-promotion -Wsign-compare -Wredundant-decls
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L $(CFLAGS_OPT) $(WARN) -MMD -MP -Isim -Imodels -Iresults -Iconfig -Icli \
           -I$(BUILD)/gen
PKGS    := gsl sqlite3 inih jansson yaml-0.1

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

# The pending event set: PES=ladder (default, sim/ladder/pes_ladder.c: 1.4x
# the heap's events/s on bench_storm at 252 bytes per call in flight, 2-2.8x
# on the hold model) or PES=heap (sim/pes.c, a 4-ary heap: 155 bytes per
# call, into build-heap/). Same API and results.
PES     ?= ladder
ifeq ($(PES),heap)
BUILD   := $(BUILD)-heap
BIN     := $(BUILD)/retrysim
SIM_SRC := $(wildcard sim/*.c)
else
SIM_SRC := $(filter-out sim/pes.c,$(wildcard sim/*.c)) sim/ladder/pes_ladder.c
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

.PHONY: all run experiments plots test asan bench deps clean help go-probe go-probe-load FORCE
# Keep the objects of test and benchmark programs (no "rm ..." after a build).
.SECONDARY:
all: $(BIN)

$(BIN): $(CLI_OBJ) $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(BUILD)/cflags
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(OBJ_FLAGS) -c -o $@ $<

# The compiler and flags of the last build: rewritten (and every object
# rebuilt) only when they change.
$(BUILD)/cflags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CC) $(CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CFLAGS)' > $@
FORCE:

# results/schema.sql embedded in the recorder as C string literals, one per
# line (each far below the 4095 characters C11 guarantees).
$(BUILD)/gen/schema_sql.h: results/schema.sql
	@mkdir -p $(dir $@)
	$(Q){ echo '/* Generated by make from results/schema.sql: edit that file. */'; \
	  echo '#define REC_SCHEMA_SQL_LINES \\'; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n", \\/' $<; \
	  echo '    ""'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/results/rec.o $(BUILD)/tests/test_rec.o: $(BUILD)/gen/schema_sql.h

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# bench/pes_*.c compile sim/pes.c again under renamed functions
# (bench/pes_variants.h), which pes.h then declares a second time.
$(BUILD)/bench/pes_%.o: OBJ_FLAGS := -Wno-redundant-decls

# bench/bench_*.c are programs; the other bench/*.c are linked into each.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BENCH_AUX_OBJ) $(LIB)
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(BENCH_AUX_OBJ) $(LIB) $(LDFLAGS) $(PKG_LIBS)

# Runs every test binary even after a failure, one line each (its whole
# output in build/tests/NAME.log, printed when it fails; V=1 prints it
# always), then fails if any failed.
test: WERROR := 1
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
	if sh tools/check_models.sh; then pass=$$((pass+1)); echo "  ok    models/ structure"; \
	else fail=$$((fail+1)); bad=$$((bad+1)); echo "  FAIL  models/ structure"; fi; \
	if sh tools/check_prefetch.sh ./$(BIN); then pass=$$((pass+1)); echo "  ok    prefetch hints kept"; \
	else fail=$$((fail+1)); bad=$$((bad+1)); echo "  FAIL  prefetch hints kept"; fi; \
	echo "tests: $$pass passed, $$fail failed"; \
	[ $$bad -eq 0 ]

asan:
	$(MAKE) test SANITIZE=1

bench: WERROR := 1
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

# The real Go probe (tools/go-timer; Go only for this target: Debian's
# golang-go): build it and the thread wake-up probe, run the grid of
# experiments/timer-slop-real.ini on this machine (~7 minutes, one
# configuration at a time: run it on an otherwise idle machine) into
# $(GO_PROBE_DATA), then go-probe-load.
GO_PROBE_DATA ?= tools/go-timer/data
go-probe: $(BIN)
	@command -v go >/dev/null 2>&1 || { echo "make go-probe: no Go toolchain: apt-get install golang-go" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@cd tools/go-timer && go build -o ../../$(BUILD)/go-timer .
	@$(CC) -std=c11 -O2 -Wall -Wextra -pthread -o $(BUILD)/go-wake tools/go-timer/wake/wake.c
	@sh tools/go-timer/grid.sh $(BUILD)/go-timer $(GO_PROBE_DATA)
	@./$(BUILD)/go-wake > $(GO_PROBE_DATA)/wake.csv
	@$(MAKE) --no-print-directory go-probe-load

# The simulated grid, the probe's data (as committed, or just measured)
# beside it in results/timer-slop-real.db, and the chart; no Go needed.
go-probe-load: $(BIN)
	@./$(BIN) sweep experiments/timer-slop-real.ini --db results/timer-slop-real.db
	@sh tools/go-timer/load.sh $(GO_PROBE_DATA) results/timer-slop-real.db
	@sh tools/plot.sh results/timer-slop-real.db timer-slop-real plots/out && echo plots/out/timer-slop-real.png

clean:
	rm -rf build build-san build-heap build-san-heap build-ladder build-san-ladder build-mpi retrysim

help:
	@sed -n '2,9p' Makefile

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Fuzzing (clang + libFuzzer): make fuzz-build, make fuzz, make fuzz-ci.
include fuzz/fuzz.mk
