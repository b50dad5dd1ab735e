#!/bin/sh
# run_default.sh BIN: the default experiment behind `make run`: small
# versions of backoff-sweep and outage-capacity (experiments/quick/), their
# charts, and a one-screen summary. (Filled in with the experiments.)
set -eu
bin=$1
mkdir -p results/quick plots/out/quick
for e in backoff-sweep outage-capacity; do
    [ -f experiments/quick/$e.ini ] || continue
    "$bin" sweep experiments/quick/$e.ini --db results/quick/$e.db
    sh tools/plot.sh results/quick/$e.db $e plots/out/quick
done
echo "charts: plots/out/quick/"
