#!/bin/sh
# grid.sh BIN OUTDIR: run the go-timer probe over the grid of
# experiments/timer-slop-real.ini and write OUTDIR/runs.csv (one line per
# run: run number, configuration (point), replication, then the probe's
# columns), OUTDIR/hist.csv (run, lower_ns, upper_ns, count) and
# OUTDIR/machine.csv (key,value: the cores from nproc, the CPU model, the
# kernel, the Go version, the date, the probe's settings).
#
# Grid: GOMAXPROCS P in {1, 2, 4}, sleep d in {1, 10, 100 ms}, k in
# {0, 1, 2, 4, 8} CPU-bound goroutines, with and without allocation
# (1 KiB per work unit of 10,000 xorshift steps); 10 sleepers; each
# configuration REPS times (default 3, sleepers' phases seeded 1, 2, 3;
# replications are the outer loop, so a burst of load from elsewhere hits
# one replication of many configurations rather than every replication of
# one), each 0.25 s of warm-up then DURATION (default 2 s) measured: about
# 10 minutes in all. One run at a time: the probe measures the machine, so
# run it on an otherwise idle machine: each line records the 1-minute load
# average and other_cpu_s, the CPU time every other process used during
# the measurement. QUIET=c (CPUs, default: off) makes each run wait, at
# most WAIT seconds (default 30), until the rest of the machine uses less
# than c CPUs over half a second.
set -eu
bin=$1 out=$2
dur=${DURATION:-2s}
warm=${WARMUP:-250ms}
reps=${REPS:-3}
quiet=${QUIET:-}
wait_max=${WAIT:-30}
# CPUs busy over half a second (every process), from /proc/stat
busy() {
    a=$(head -n 1 /proc/stat)
    sleep 0.5
    b=$(head -n 1 /proc/stat)
    printf '%s\n%s\n' "$a" "$b" | awk '{ t = 0; for (i = 2; i <= NF; i++) t += $i; idle = $5 + $6 }
        NR == 1 { t0 = t; i0 = idle } NR == 2 { printf "%.2f\n", ((t - t0) - (idle - i0)) / 50 }'
}
wait_quiet() {
    [ -n "$quiet" ] || return 0
    w=0
    while [ "$w" -lt $((2 * wait_max)) ] && [ "$(busy | awk -v q="$quiet" '{ print ($1 >= q) }')" = 1 ]; do
        w=$((w + 1))
    done
}
mkdir -p "$out"
runs=$out/runs.csv hist=$out/hist.csv
tmp=$out/.probe.$$
{
    echo "key,value"
    echo "nproc,$(nproc)"
    echo "cpu_model,\"$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)\""
    echo "kernel,$(uname -r)"
    echo "go_version,$(go env GOVERSION 2>/dev/null || echo unknown)"
    echo "date,$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "duration,$dur"
    echo "warmup,$warm"
    echo "replications,$reps"
    echo "sleepers,10"
    echo "alloc_bytes_per_unit,1024"
    echo "quiet,${quiet:-off}"
} > "$out/machine.csv"
n=0
first=1
: > "$hist"
rep=0
while [ $rep -lt "$reps" ]; do
point=0
for alloc in 0 1024; do
for P in 1 2 4; do
for d in 1ms 10ms 100ms; do
for k in 0 1 2 4 8; do
    if [ $first = 1 ]; then h=-header; else h=; fi
    wait_quiet
    "$bin" $h -hist -procs $P -sleep $d -k $k -alloc $alloc -sleepers 10 -duration "$dur" -warmup "$warm" \
        -seed $((rep + 1)) > "$tmp"
    if [ $first = 1 ]; then
        head -n 1 "$tmp" | sed 's/^/run,point,rep,/' > "$runs"
        sed -n 2p "$tmp" | sed "s/^/$n,$point,$rep,/" >> "$runs"
        first=0
    else
        sed -n 1p "$tmp" | sed "s/^/$n,$point,$rep,/" >> "$runs"
    fi
    grep '^hist,' "$tmp" | sed "s/^hist,/$n,/" >> "$hist"
    tail -n 1 "$runs" | cut -d, -f1-15 >&2
    n=$((n + 1))
    point=$((point + 1))
done
done
done
done
rep=$((rep + 1))
done
rm -f "$tmp"
echo "go-timer: $n runs in $runs" >&2
