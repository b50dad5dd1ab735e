#!/bin/sh
# plot.sh DB EXPERIMENT OUTDIR: render plots/EXPERIMENT.gp from DB into
# OUTDIR as PNG and SVG. Exits non-zero if gnuplot fails.
set -eu
db=$1 exp=$2 out=$3
script=plots/$exp.gp
[ -f "$script" ] || { echo "plot.sh: no $script" >&2; exit 1; }
[ -f "$db" ] || { echo "plot.sh: no database $db (run the experiment first)" >&2; exit 1; }
mkdir -p "$out"
for term in png svg; do
    gnuplot -e "db='$db'; exp='$exp'; out='$out'; term='$term'" plots/common.gp "$script"
done
