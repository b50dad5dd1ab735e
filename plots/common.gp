# common.gp: conventions shared by every chart script (loaded first).
#
# A chart script is run by tools/plot.sh as
#   RETRYSIM_DB=results/X.db RETRYSIM_OUT=plots/out \
#     gnuplot -e "exp='X'; term='png'" plots/common.gp plots/X.gp
# once with term='png' (pngcairo, for screens) and once with term='svg'.
# It reads the database through the sqlite3 shell: q(sql) is a gnuplot
# data source of CSV rows, one(sql) the text of a single value. The
# database path reaches the shell only as "$RETRYSIM_DB", quoted, so no
# character of it is ever parsed (a path may hold spaces, quotes or ;).
# Scripts plot from the summary table (mean, ci95 over replications) or the
# series table, never recompute what is stored.

if (!exists("term")) term = 'png'
out = system('printf %s "${RETRYSIM_OUT:-plots/out}"')
if (term eq 'svg') {
    set terminal svg size 1200,800 dynamic enhanced font "DejaVu Sans,14" background rgb 'white'
} else {
    set terminal pngcairo size 1200,800 enhanced font "DejaVu Sans,12" background rgb 'white'
}
ext = term
outfile(name) = sprintf("%s/%s.%s", out, name, ext)
q(sql) = sprintf("< sqlite3 -csv -batch \"$RETRYSIM_DB\" \"%s\"", sql)
one(sql) = system(sprintf("sqlite3 -batch \"$RETRYSIM_DB\" \"%s\"", sql))
set datafile separator comma
set datafile missing "NaN"
set grid lc rgb '#dddddd'
set key top left box opaque
set border lw 1.2
set style line 1 lc rgb '#1f77b4' lw 2 pt 7 ps 1.0
set style line 2 lc rgb '#d62728' lw 2 pt 5 ps 1.0
set style line 3 lc rgb '#2ca02c' lw 2 pt 9 ps 1.2
set style line 4 lc rgb '#ff7f0e' lw 2 pt 11 ps 1.2
set style line 5 lc rgb '#9467bd' lw 2 pt 13 ps 1.2
set style line 6 lc rgb '#8c564b' lw 2 pt 15 ps 1.0
set style line 7 lc rgb '#e377c2' lw 2 pt 4 ps 1.0
set style line 8 lc rgb '#7f7f7f' lw 2 pt 6 ps 1.0
