# fuzz.mk: the libFuzzer harnesses (fuzz/fuzz_*.c), a fragment the main
# Makefile includes after it defines LIB_SRC and PKG_CFLAGS / PKG_LIBS.
#   make fuzz-build   every harness into build-fuzz/ (clang, ASan + UBSan)
#   make fuzz         each harness for FUZZ_SECONDS (default 60), one at a time,
#                     on a copy of its checked-in corpus; fails if any crashed
#   make fuzz-ci      the same for 10 s each (what CI runs)
# Harnesses: config (INI -> cfg_apply -> cfg_params round trip), sweep
# (sweep_plan, sweep_run, sweep_parse_selection), expr (the constraint
# language), trace (arrivals_trace_check and a run that loads the trace),
# run (run_execute under a small event budget), clientconf (gRPC service
# configs and Envoy retry policies, JSON and YAML, mapped and applied).
#
# Needs clang with libFuzzer: Debian's clang and libclang-rt-14-dev (through
# libclang-rt-dev); fuzz/deps.sh installs them when run as root, otherwise
# it prints the apt-get line.
#
# A crash leaves its input in build-fuzz/crashes/NAME-crash-<sha1> (also
# leak-, timeout-, oom-). To reproduce it, run the harness on that file alone:
#     build-fuzz/fuzz_NAME build-fuzz/crashes/NAME-crash-<sha1>
# which prints the sanitizer's report and exits non-zero; add
# -minimize_crash=1 -runs=10000 for a smaller input.
# Longer campaigns: make fuzz FUZZ_SECONDS=600, or run one harness by hand,
#     build-fuzz/fuzz_run -dict=fuzz/config.dict WORKDIR fuzz/corpus/run
# (new inputs go to WORKDIR, the first directory).

FUZZ_PREV_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := config sweep expr trace run clientconf
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_SAN     := -fsanitize=address,undefined -fsanitize=float-cast-overflow -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra \
                -Isim -Imodels -Iresults -Iconfig -Icli -I$(BUILD)/gen $(PKG_CFLAGS)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
# libFuzzer options of every run: one process, a per-input time limit far
# above what a harness needs, crashes collected under build-fuzz/crashes/.
FUZZ_OPTS    := -timeout=20 -rss_limit_mb=2560 -print_final_stats=1
# A dictionary per harness (the INI keys for the ones that read INI text).
FUZZ_DICT_config := -dict=fuzz/config.dict
FUZZ_DICT_sweep  := -dict=fuzz/config.dict
FUZZ_DICT_run    := -dict=fuzz/config.dict
FUZZ_DICT_expr   := -dict=fuzz/expr.dict
FUZZ_DICT_trace  :=
FUZZ_DICT_clientconf :=

.PHONY: fuzz-build fuzz fuzz-ci fuzz-deps fuzz-clean

fuzz-deps:
	@msg=$$(sh fuzz/deps.sh ensure) || { echo "$$msg" >&2; exit 1; }

fuzz-build: $(FUZZ_BINS)

# The project's sources: instrumented for coverage and the sanitizers, but
# without libFuzzer's main (which comes with each harness).
$(FUZZ_BUILD)/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/results/rec.o: $(BUILD)/gen/schema_sql.h

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_util.c fuzz/fuzz_util.h $(FUZZ_LIB_OBJ) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -Ifuzz -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< fuzz/fuzz_util.c \
	  $(FUZZ_LIB_OBJ) $(PKG_LIBS)

# Each harness in turn for $(1) seconds (-jobs=1: the machine is shared), on
# a fresh copy of its corpus in build-fuzz/corpus/ so that the tree is not
# modified. Every harness runs even after a crash; the recipe fails at the
# end if any did.
define FUZZ_RUN
failed=""; mkdir -p $(FUZZ_BUILD)/crashes; \
for n in $(FUZZ_NAMES); do \
  rm -rf $(FUZZ_BUILD)/corpus/$$n; mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
  cp fuzz/corpus/$$n/* $(FUZZ_BUILD)/corpus/$$n/ 2>/dev/null; \
  case $$n in config) d='$(FUZZ_DICT_config)';; sweep) d='$(FUZZ_DICT_sweep)';; run) d='$(FUZZ_DICT_run)';; \
    expr) d='$(FUZZ_DICT_expr)';; *) d='';; esac; \
  echo "== fuzz_$$n for $(1) s"; \
  if ./$(FUZZ_BUILD)/fuzz_$$n $(FUZZ_OPTS) $$d -max_total_time=$(1) \
       -artifact_prefix=$(FUZZ_BUILD)/crashes/$$n- $(FUZZ_BUILD)/corpus/$$n \
       >$(FUZZ_BUILD)/fuzz_$$n.log 2>&1; then \
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' $(FUZZ_BUILD)/fuzz_$$n.log; \
  else \
    failed="$$failed $$n"; tail -n 60 $(FUZZ_BUILD)/fuzz_$$n.log; \
  fi; \
done; \
if [ -n "$$failed" ]; then \
  echo "fuzz: crashed:$$failed (inputs in $(FUZZ_BUILD)/crashes/, logs in $(FUZZ_BUILD)/fuzz_NAME.log)"; exit 1; \
fi; \
echo "fuzz: $(words $(FUZZ_NAMES)) harnesses, $(1) s each, no crash"
endef

fuzz: $(FUZZ_BINS)
	@$(call FUZZ_RUN,$(FUZZ_SECONDS))

fuzz-ci: $(FUZZ_BINS)
	@$(call FUZZ_RUN,10)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)

.DEFAULT_GOAL := $(FUZZ_PREV_GOAL)
