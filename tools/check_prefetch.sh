#!/bin/sh
# check_prefetch.sh BIN: the pending event set's cache hints survived the
# optimiser (make test runs it). GCC removes a call to a helper whose only
# effect is a prefetch (see PREFETCHER in sim/ladder/pes_ladder.c), and no
# result would show it: the hints change speed alone (bench_engine at a
# million pending events: 7-10 M holds/s without them, 13.5 with them).
# The ladder places four (look_ahead's three, the pop's one), the heap two.
# Prints what is missing and exits 1; silent and 0 when they are there.
set -eu
bin=${1:?usage: check_prefetch.sh BIN}
command -v objdump >/dev/null || { echo "check_prefetch: objdump (binutils) not found"; exit 1; }
case $("$bin" version) in
*ladder*) want=4 ;;
*) want=2 ;;
esac
n=$(objdump -d "$bin" | grep -c 'prefetcht0' || true)
if [ "$n" -lt "$want" ]; then
    echo "check_prefetch: $bin has $n prefetch instructions; its pending event set places $want"
    exit 1
fi
