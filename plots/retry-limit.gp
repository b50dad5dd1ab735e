# retry-limit.gp: the retry frontier from `retrysim search`
# (experiments/retry-limit.ini).
#   retry-limit: for each first backoff delay, the most attempts per call
#     that still let the service recover within 30 s after the stall (the
#     answer, a point) and the next count, which does not (the bar's top):
#     the frontier lies between. Shaded up to the answer: recovers. A
#     triangle at the top: even the most attempts searched recovered; at the
#     bottom: not even one attempt did.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

CUR = sprintf("(SELECT sweep FROM summary WHERE experiment = '%s' LIMIT 1)", exp)
ONE = sprintf("(SELECT r.id FROM run r WHERE r.sweep = %s AND r.status = 'ok' ORDER BY r.id LIMIT 1)", CUR)
param(k) = one(sprintf("SELECT value FROM param WHERE key = '%s' AND run = %s", k, ONE))
CAP = real(one(sprintf("SELECT p.value / o.value / (r.bucket_ns / 1e9) FROM run r \
  JOIN scalar p ON p.run = r.id AND p.name = 'peak_arrivals_per_bucket' \
  JOIN scalar o ON o.run = r.id AND o.name = 'peak_over_capacity' WHERE r.id = %s", ONE)))
LOAD = real(param('arrivals.rate'))
REPS = one(sprintf("SELECT min(n) || '-' || max(n) FROM search_probe WHERE sweep = %s", CUR))
RUNS = one(sprintf("SELECT sum(runs) FROM search WHERE sweep = %s", CUR))
AMAX = real(one(sprintf("SELECT max(CAST(value AS REAL)) FROM search_probe WHERE sweep = %s", CUR)))

# The first backoff delay of a group, in seconds, from its variable.
BASE = sprintf("(SELECT v.value FROM point_var v WHERE v.experiment = '%s' AND v.point = s.point AND v.name = 'base')", exp)
SECS = sprintf("CASE WHEN %s LIKE '%%ms' THEN CAST(replace(%s, 'ms', '') AS REAL) / 1000 ELSE CAST(replace(%s, 's', '') AS REAL) END", BASE, BASE, BASE)
rows = q(sprintf("SELECT %s, CAST(s.boundary AS REAL), CAST(s.other AS REAL), \
  CASE s.status WHEN 'found' THEN 0 WHEN 'non_monotone' THEN 0 WHEN 'all_pass' THEN 1 ELSE 2 END, %s \
  FROM search s WHERE s.sweep = %s ORDER BY 1", SECS, BASE, CUR))
BASES = one(sprintf("SELECT group_concat(b, ' ') FROM (SELECT DISTINCT %s AS b FROM search s WHERE s.sweep = %s ORDER BY %s)", SECS, CUR, SECS))

set output outfile(exp)
set title sprintf("{/:Bold=15 The most attempts per call that still recover within 30 s after a %s stall}\n%g calls/s Poisson against %g req/s (%.0f%% headroom), exponential backoff x2 + full jitter, attempt timeout %s.\nPoint: the answer of retrysim search (recovers in at least 90%% of replications, Wald's sequential test; %s replications per verdict, %s runs);\nbar: up to the next count, which does not (the frontier lies between). Shaded: recovers.", \
  "5 s", LOAD, CAP, 100 * (CAP / LOAD - 1), param('retry.attempt_timeout'), REPS, RUNS) font ",11"
set logscale x
XMIN = real(word(BASES, 1)); XMAX = real(word(BASES, words(BASES)))
set xrange [XMIN / 1.6 : XMAX * 1.6]
set xtics () 
do for [b in BASES] { set xtics add (real(b) < 1 ? sprintf("%g ms", 1000 * real(b)) : sprintf("%g s", real(b)) real(b)) }
set yrange [0 : AMAX + 1.2]
set ytics 1
set grid xtics ytics lc rgb '#e0e0e0'
set xlabel "first backoff delay (base; each retry doubles it, up to 10 s)"
set ylabel "attempts per call (max\\_attempts)"
set key off
set style fill transparent solid 0.15 noborder
plot rows using 1:($4 == 0 ? $2 / 2 : $4 == 1 ? AMAX / 2 : 1/0):($1 / 1.22):($1 * 1.22):(0):($4 == 0 ? $2 : AMAX) \
       with boxxyerror lc rgb '#2ca02c', \
     '' using 1:($4 == 0 ? $2 : 1/0):2:($3) with yerrorbars ls 3 pt 7 ps 1.4 lw 2, \
     '' using 1:($4 == 0 ? $2 : 1/0) with lines ls 3 lw 1.5 dt 2, \
     '' using 1:($4 == 0 ? $2 : 1/0):(sprintf("%d", $2)) with labels offset 1.2, -0.2 font ",10", \
     '' using 1:($4 == 1 ? AMAX : 1/0) with points ls 3 pt 9 ps 2, \
     '' using 1:($4 == 1 ? AMAX : 1/0):(sprintf(">= %g: all recover", AMAX)) with labels offset 0, 1.3 font ",10", \
     '' using 1:($4 == 2 ? 0.6 : 1/0) with points ls 2 pt 11 ps 2
