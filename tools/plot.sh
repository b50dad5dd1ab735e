#!/bin/sh
# plot.sh DB EXPERIMENT OUTDIR: render plots/EXPERIMENT.gp from DB into
# OUTDIR as PNG and SVG. Exits non-zero if gnuplot fails.
#
# The paths reach gnuplot and the shells it starts only through the
# environment (RETRYSIM_DB, RETRYSIM_OUT), always expanded inside double
# quotes, so any character in them is just a character (plots/common.gp).
set -eu
db=$1 exp=$2 out=$3
case $exp in
    *[!a-z0-9-]* | "") echo "plot.sh: '$exp' is not an experiment name (a-z, 0-9, -)" >&2; exit 2 ;;
esac
script=plots/$exp.gp
[ -f "$script" ] || { echo "plot.sh: no $script" >&2; exit 1; }
[ -f "$db" ] || { echo "plot.sh: no database $db (run the experiment first)" >&2; exit 1; }
mkdir -p "$out"
RETRYSIM_DB=$db RETRYSIM_OUT=$out
export RETRYSIM_DB RETRYSIM_OUT
for term in png svg; do
    gnuplot -e "exp='$exp'; term='$term'" plots/common.gp "$script"
done
