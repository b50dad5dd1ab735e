# capacity-plan.gp: the capacity-planning chart from `retrysim search`
# (experiments/capacity-plan.ini, and its quick form behind make run).
#   capacity-plan: for each retry policy (a panel), the least headroom that
#     recovers within 30 s, vs the stall length. The point is the answer the
#     search found (the least headroom tested whose share of recovering
#     replications passed the sequential test); the bar reaches down to its
#     neighbour that did not pass: the true boundary lies in between. Only
#     the stall lengths searched are on the axis. A triangle pointing down at
#     the smallest headroom searched: even that recovered (the answer is at
#     or below it); pointing up at the largest: none did.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

CUR = sprintf("(SELECT sweep FROM summary WHERE experiment = '%s' LIMIT 1)", exp)
PV(name) = sprintf("(SELECT v.value FROM point_var v WHERE v.experiment = '%s' AND v.point = s.point AND v.name = '%s')", exp, name)

# Per worker: the capacity (peak arrivals per bucket / peak over capacity,
# per second, over the run's workers) and the offered load, from a run.
ONE = sprintf("(SELECT r.id FROM run r WHERE r.sweep = %s AND r.status = 'ok' ORDER BY r.id LIMIT 1)", CUR)
PER_WORKER = real(one(sprintf("SELECT p.value / o.value / (r.bucket_ns / 1e9) / CAST(w.value AS REAL) FROM run r \
  JOIN scalar p ON p.run = r.id AND p.name = 'peak_arrivals_per_bucket' \
  JOIN scalar o ON o.run = r.id AND o.name = 'peak_over_capacity' \
  JOIN param w ON w.run = r.id AND w.key = 'server.workers' WHERE r.id = %s", ONE)))
LOAD = real(one(sprintf("SELECT value FROM param WHERE key = 'arrivals.rate' AND run = %s", ONE)))
START = real(one(sprintf("SELECT CAST(replace(substr(value, 1, instr(value, '-') - 1), 's', '') AS REAL) \
  FROM param WHERE key = 'server.outages' AND run = %s", ONE)))
SHARE = one(sprintf("SELECT printf('%%g%%%%', 100 * CAST(trim(substr(t, instr(t, '=') + 1)) AS REAL)) FROM \
  (SELECT substr(config_text, instr(config_text, char(10) || 'share') + 1) AS t FROM sweep WHERE id = %s)", CUR))
REPS = one(sprintf("SELECT min(n) || '-' || max(n) FROM search_probe WHERE sweep = %s", CUR))
RUNS = one(sprintf("SELECT sum(runs) FROM search WHERE sweep = %s", CUR))
LO_W = real(one(sprintf("SELECT min(CAST(value AS REAL)) FROM search_probe WHERE sweep = %s", CUR)))
HI_W = real(one(sprintf("SELECT max(CAST(value AS REAL)) FROM search_probe WHERE sweep = %s", CUR)))
h(w) = 100.0 * (w * PER_WORKER / LOAD - 1)
HMIN = h(LO_W); HMAX = h(HI_W)

# Policy p (1..5) of a group, from its lockstep variables, as in the experiment file.
POL = sprintf("CASE WHEN %s = 'true' THEN 4 WHEN %s = 'token_bucket' THEN 5 WHEN %s = '1' THEN 1 \
  WHEN %s = '5' THEN 3 ELSE 2 END", PV('budget'), PV('limiter'), PV('attempts'), PV('attempts'))
STALL = sprintf("CAST(replace(%s, 's', '') AS REAL) - %g", PV('stall_end'), START)
# Rows of policy p: stall, headroom of the answer, of its failing neighbour, status code
rows(p) = q(sprintf("SELECT %s, \
  CASE WHEN s.boundary IS NULL THEN NULL ELSE 100.0 * (CAST(s.boundary AS REAL) * %.17g / %g - 1) END, \
  CASE WHEN s.other IS NULL THEN NULL ELSE 100.0 * (CAST(s.other AS REAL) * %.17g / %g - 1) END, \
  CASE s.status WHEN 'found' THEN 0 WHEN 'non_monotone' THEN 0 WHEN 'all_pass' THEN 1 ELSE 2 END \
  FROM search s WHERE s.sweep = %s AND (%s) = %d ORDER BY 1", STALL, PER_WORKER, LOAD, PER_WORKER, LOAD, CUR, POL, p))
STALLS = one(sprintf("SELECT group_concat(d, ' ') FROM (SELECT DISTINCT %s AS d FROM search s WHERE s.sweep = %s ORDER BY 1)", STALL, CUR))

names = "'no retries' '3 attempts\nfull jitter' '5 attempts\nfull jitter' '3 attempts, full jitter\n+ retry budget 10%' '3 attempts, full jitter\n+ limiter 0.9 x capacity'"

set output outfile(exp)
set multiplot layout 1, 5 title sprintf("{/:Bold=15 Least capacity headroom that recovers within 30 s after the server stalls for D s}\n%g calls/s Poisson; recovered = in at least %s of replications (Wald's sequential test; %s replications per verdict, %s runs in all)\nPoint: the answer found by retrysim search; bar: down to the headroom below it that did not pass (the boundary lies in between).\nTriangles: beyond the headroom searched, %.3g%% (pointing down: even that recovered) to %.0f%% (pointing up: none did).", LOAD, SHARE, REPS, RUNS, HMIN, HMAX) font ",11" margins 0.07, 0.99, 0.12, 0.76 spacing 0.012, 0
set logscale x
XMIN = real(word(STALLS, 1)); XMAX = real(word(STALLS, words(STALLS)))
set xrange [XMIN / 1.6 : XMAX * 1.6]
set yrange [HMIN - 0.08 * (HMAX - HMIN) : HMAX + 0.12 * (HMAX - HMIN)]
# the markers' rows that are not markers sit below the axis (valid, not drawn): a
# marker series with nothing to show then draws nothing without a warning
OFF = HMIN - 10 * (HMAX - HMIN)
set xtics () font ",10"
do for [d in STALLS] { set xtics add (sprintf("%g", real(d)) real(d)) }
set ytics 50 font ",10"
set format y "%g%%"
set grid xtics ytics lc rgb '#e0e0e0'
set key off
set xlabel "stall D (s)" font ",11"
do for [p = 1:5] {
  set title word(names, p) font ",11"
  if (p == 1) { set ylabel "headroom (capacity / offered load - 1)" font ",11"; set format y "%g%%" } else { unset ylabel; set format y "" }
  # a value is labelled where it changes along the stalls (equal neighbours share the first's label)
  last = -1e9
  plot rows(p) using 1:($4 == 0 ? $2 : 1/0):3:2 with yerrorbars ls p pt 7 ps 1.2 lw 2, \
       '' using 1:($4 == 0 ? $2 : 1/0) with lines ls p lw 1.5 dt 2, \
       '' using 1:($4 == 0 ? $2 : 1/0):(lbl = ($2 == last ? "" : sprintf("%.3g%%", $2)), last = $2, lbl) \
          with labels offset 0, 1.1 font ",9", \
       '' using 1:($4 == 1 ? HMIN : OFF) with points ls p pt 11 ps 1.8, \
       '' using 1:($4 == 2 ? HMAX : OFF) with points ls p pt 9 ps 1.8
}
unset multiplot
