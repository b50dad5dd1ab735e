# backoff-sweep.gp: the QPS amplification curves (experiments/backoff-sweep.ini).
#   backoff-sweep-amplification: total amplification (top) and peak arrivals /
#     capacity (bottom) vs base, multiplier and max_attempts, the other two at
#     the centre policy (base 1 s, multiplier 2, 5 attempts); one line per
#     jitter; error bars = 95% CI over replications (summary.ci95).
#   backoff-sweep-timeline: server arrivals per second (series, replication 0)
#     for a few policies through the outage.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

LAST = sprintf("(SELECT max(id) FROM run WHERE experiment = '%s' AND status = 'ok')", exp)
# The setup, from the latest run: offered load (calls/s), the server's
# capacity (req/s, as peak_over_capacity counts it), the outage window 'S-E
# kind' (seconds) and the end of the arrival window.
RATE = real(one(sprintf("SELECT value FROM param WHERE key = 'arrivals.rate' AND run = %s", LAST)))
CAP = real(one(sprintf("SELECT p.value / o.value / (r.bucket_ns / 1e9) FROM scalar p, scalar o, run r WHERE p.run = %s AND o.run = p.run AND r.id = p.run AND p.name = 'peak_arrivals_per_bucket' AND o.name = 'peak_over_capacity'", LAST)))
OUTAGE = sprintf("(SELECT value FROM param WHERE key = 'server.outages' AND run = %s)", LAST)
OSTART = real(one(sprintf("SELECT replace(substr(%s, 1, instr(%s, '-') - 1), 's', '')", OUTAGE, OUTAGE)))
OEND = real(one(sprintf("SELECT replace(substr(substr(%s, instr(%s, '-') + 1), 1, instr(substr(%s, instr(%s, '-') + 1), ' ') - 1), 's', '')", OUTAGE, OUTAGE, OUTAGE, OUTAGE)))
DUR = real(one(sprintf("SELECT duration_ns / 1e9 FROM run WHERE id = %s", LAST)))
NREP = real(one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp)))

# The sweep's variables per point (the latest text of the experiment).
PV = sprintf("(SELECT point, name, value FROM point_var WHERE experiment = '%s')", exp)

# A duration label ('10ms', '1s') in seconds, for the base axis.
SECS(c) = sprintf("(CASE WHEN %s LIKE '%%ms' THEN CAST(replace(%s, 'ms', '') AS REAL) / 1000.0 ELSE CAST(replace(%s, 's', '') AS REAL) END)", c, c, c)

# The centre policy: the values the other knobs hold on each column.
C_BASE = '1s'; C_MULT = '2'; C_ATT = '5'
JIT = "none full equal decorrelated"
jlabel(i) = (i == 1 ? 'no jitter' : i == 2 ? 'full jitter' : i == 3 ? 'equal jitter' : 'decorrelated (ignores multiplier)')

# mean, ci95 of scalar `sc` vs variable `var` for jitter `j`, the other two
# knobs at the centre. xexpr turns the variable's text into the x value.
sweepq(sc, var, xexpr, j) = sprintf( \
  "SELECT %s, s.mean, s.ci95 FROM summary s \
   JOIN %s x ON x.point = s.point AND x.name = '%s' \
   JOIN %s jj ON jj.point = s.point AND jj.name = 'jitter' AND jj.value = '%s' \
   JOIN %s b ON b.point = s.point AND b.name = 'base' \
   JOIN %s m ON m.point = s.point AND m.name = 'multiplier' \
   JOIN %s a ON a.point = s.point AND a.name = 'max_attempts' \
   WHERE s.experiment = '%s' AND s.name = '%s' \
     AND (b.value = '%s' OR '%s' = 'base') \
     AND (m.value = '%s' OR '%s' = 'multiplier') \
     AND (a.value = '%s' OR '%s' = 'max_attempts') \
   ORDER BY 1", \
  xexpr, PV, var, PV, j, PV, PV, PV, exp, sc, C_BASE, var, C_MULT, var, C_ATT, var)

# The jitter lines are nudged sideways a little so coinciding lines and
# their error bars stay visible (x1.04 per line on the log axis, +0.03 on
# the linear ones).
nudge_log(x, i) = x * (1.0 + 0.04 * (i - 2.5))
nudge_lin(x, i) = x + 0.03 * (i - 2.5)

# ---------------------------------------------------------------- amplification
set output outfile(exp . '-amplification')
set multiplot layout 2, 3 margins 0.07, 0.98, 0.08, 0.87 spacing 0.07, 0.16 \
    title sprintf("{/:Bold=15 QPS amplification of retries through a %g s outage}\n%g calls/s Poisson, capacity %g req/s. Knobs not on the x axis: base 1 s, multiplier 2, 5 attempts. Bars: 95%% CI, %g replications", OEND - OSTART, RATE, CAP, NREP) font ",12"
# One key for all six panels, in the empty lower part of the bottom-left one.
unset key
set style data yerrorlines
set bars small
# Same y range along a row, so the panels compare at a glance.
set yrange [1:3.2]
set logscale x
set xtics ("10 ms" 0.01, "100 ms" 0.1, "1 s" 1, "3 s" 3)
set xrange [0.006:5]
set ylabel "server arrivals / calls"
set xlabel "base (first backoff delay)"
set title "total amplification vs base"
plot for [i=1:4] q(sweepq('amplification', 'base', SECS('x.value'), word(JIT, i))) \
     using (nudge_log($1, i)):2:3 ls i notitle
unset logscale x
set xtics autofreq
set xtics (1, 1.5, 2, 2.5, 3)
set xrange [0.8:3.2]
set xlabel "multiplier (growth per retry)"
set ylabel "server arrivals / calls"
set title "total amplification vs multiplier"
plot for [i=1:4] q(sweepq('amplification', 'multiplier', 'CAST(x.value AS REAL)', word(JIT, i))) \
     using (nudge_lin($1, i)):2:3 ls i notitle
set xtics (2, 3, 4, 5, 6, 7, 8)
set xrange [1.5:8.5]
set xlabel "max attempts (first included)"
set title "total amplification vs max attempts"
plot for [i=1:4] q(sweepq('amplification', 'max_attempts', 'CAST(x.value AS REAL)', word(JIT, i))) \
     using (nudge_lin($1, i)):2:3 ls i notitle

set logscale x
set xtics ("10 ms" 0.01, "100 ms" 0.1, "1 s" 1, "3 s" 3)
set xrange [0.006:5]
set xlabel "base (first backoff delay)"
set ylabel "peak arrivals in 1 s / capacity"
set yrange [0:5.6]
set arrow 10 from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#555555' dt 2 lw 1.2 back
set label 10 "capacity" at graph 0.98, first 1 right offset 0, 0.6 font ",9" tc rgb '#555555'
set title "peak load vs base"
set key at graph 0.03, 0.5 left top reverse Left box opaque font ",10" spacing 1.0 samplen 2 width -2
plot for [i=1:4] q(sweepq('peak_over_capacity', 'base', SECS('x.value'), word(JIT, i))) \
     using (nudge_log($1, i)):2:3 ls i title jlabel(i)
unset key
unset logscale x
set xtics (1, 1.5, 2, 2.5, 3)
set xrange [0.8:3.2]
set xlabel "multiplier (growth per retry)"
set title "peak load vs multiplier"
plot for [i=1:4] q(sweepq('peak_over_capacity', 'multiplier', 'CAST(x.value AS REAL)', word(JIT, i))) \
     using (nudge_lin($1, i)):2:3 ls i notitle
set xtics (2, 3, 4, 5, 6, 7, 8)
set xrange [1.5:8.5]
set xlabel "max attempts (first included)"
set title "peak load vs max attempts"
plot for [i=1:4] q(sweepq('peak_over_capacity', 'max_attempts', 'CAST(x.value AS REAL)', word(JIT, i))) \
     using (nudge_lin($1, i)):2:3 ls i notitle
unset multiplot
unset title
unset arrow 10
unset label 10
set xtics autofreq
set autoscale xy

# ---------------------------------------------------------------- timeline
# Server arrivals per 1 s bucket of replication 0 of one policy (the latest
# such run in the database).
runq(b, m, a, j) = sprintf( \
  "SELECT t_ns / 1e9, server_arrivals FROM series WHERE run = ( \
     SELECT r.id FROM run r \
     JOIN runvar vb ON vb.run = r.id AND vb.name = 'base' AND vb.value = '%s' \
     JOIN runvar vm ON vm.run = r.id AND vm.name = 'multiplier' AND vm.value = '%s' \
     JOIN runvar va ON va.run = r.id AND va.name = 'max_attempts' AND va.value = '%s' \
     JOIN runvar vj ON vj.run = r.id AND vj.name = 'jitter' AND vj.value = '%s' \
     WHERE r.experiment = '%s' AND r.replication = 0 AND r.status = 'ok' \
     ORDER BY r.id DESC LIMIT 1) ORDER BY t_ns", b, m, a, j, exp)

set output outfile(exp . '-timeline')
set title sprintf("{/:Bold=15 Server arrivals per second through a %g s reject outage (replication 0)}\n%g calls/s Poisson, capacity %g req/s, attempt timeout 1 s, exponential backoff x2 capped at 20 s", OEND - OSTART, RATE, CAP) font ",12"
set xlabel "simulated time (s)"
set ylabel "server arrivals (requests/s)"
unset key
set key inside top right box opaque font ",11"
set xrange [OSTART - 10:DUR - 1]
set yrange [0:*]
set object 1 rect from OSTART, graph 0 to OEND, graph 1 fc rgb '#f2dede' fs solid 0.6 noborder behind
set label 1 "outage: every request rejected (503)" at OSTART + 1, graph 0.97 font ",10" front
set arrow 1 from graph 0, first CAP to graph 1, first CAP nohead lc rgb '#555555' lw 1.5 dt 2 front
set label 2 sprintf("capacity %g req/s", CAP) at graph 0.8, first CAP offset 0, 0.7 font ",10" front
set arrow 2 from graph 0, first RATE to graph 1, first RATE nohead lc rgb '#999999' lw 1 dt 3 front
set label 3 sprintf("offered load %g calls/s", RATE) at graph 0.8, first RATE offset 0, -0.9 font ",10" front
plot q(runq('100ms', '2', '5', 'full')) using 1:2 with lines ls 3 lw 2 title "5 attempts, base 100 ms, full jitter", \
     q(runq('1s', '2', '5', 'none')) using 1:2 with lines ls 1 lw 2 title "5 attempts, base 1 s, no jitter", \
     q(runq('1s', '2', '5', 'full')) using 1:2 with lines ls 2 lw 2 title "5 attempts, base 1 s, full jitter", \
     q(runq('1s', '2', '8', 'none')) using 1:2 with lines ls 5 lw 2 title "8 attempts, base 1 s, no jitter", \
     q(runq('1s', '2', '8', 'full')) using 1:2 with lines ls 4 lw 2 title "8 attempts, base 1 s, full jitter"
