# outage-capacity.gp: the capacity-planning charts (experiments/outage-capacity.ini).
#   outage-capacity: minimum headroom that recovers within T seconds vs stall
#     length, one line per retry policy.
#   outage-capacity-recovery: recovery time vs headroom after a 10 s stall, one
#     line per policy, error bars = 95% CI over replications.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

if (!exists("T")) T = 30          # recovery target (s) of the headline chart
if (!exists("D_REC")) D_REC = 10  # stall length (s) of the recovery-time chart

# The sweep's variables per point (the latest text of the experiment).
PV = sprintf("(SELECT point, name, value FROM point_var WHERE experiment = '%s')", exp)

# Setup text for the subtitles, from the latest run.
LAST = sprintf("(SELECT max(id) FROM run WHERE experiment = '%s' AND status = 'ok')", exp)
param(k) = one(sprintf("SELECT value FROM param WHERE key = '%s' AND run = %s", k, LAST))
SETUP = sprintf("%s calls/s Poisson, attempt timeout %s; recovered = success rate >= %g%% held %s", \
  param('arrivals.rate'), param('retry.attempt_timeout'), 100 * real(param('run.recovery_threshold')), param('run.recovery_hold'))

# The stall starts at the same time in every run: read it from the outage
# spec 'START-END capacity 0' (seconds) of the latest run.
stats q(sprintf("SELECT CAST(replace(substr(value, 1, instr(value, '-') - 1), 's', '') AS REAL) FROM param WHERE key = 'server.outages' AND run = (SELECT max(id) FROM run WHERE experiment = '%s')", exp)) using 1 nooutput name "START"
START = START_max

# One row per sweep point: policy number (1..8, as listed in the experiment
# file, recognised from the lockstep variables), stall length d (s) and
# headroom h (%) = capacity / offered load - 1, where capacity is the
# server's own (peak_arrivals_per_bucket / peak_over_capacity per 1 s
# bucket) and the offered load is arrivals.rate.
PTS = sprintf("(SELECT p.point, \
   CASE WHEN p.bud = 'true' THEN 8 WHEN p.lim = 'token_bucket' AND p.ra <> '0s' THEN 7 WHEN p.lim = 'token_bucket' THEN 6 \
        WHEN p.att = '1' THEN 1 WHEN p.att = '5' THEN 5 WHEN p.bo = 'constant' THEN 2 \
        WHEN p.jit = 'full' THEN 3 ELSE 4 END AS pol, \
   CAST(replace(p.se, 's', '') AS REAL) - %g AS d, \
   ROUND(100.0 * (pk.mean / po.mean / (SELECT bucket_ns / 1e9 FROM run WHERE experiment = '%s' AND point = p.point ORDER BY id DESC LIMIT 1) \
          / (SELECT CAST(value AS REAL) FROM param WHERE key = 'arrivals.rate' AND run = (SELECT max(id) FROM run WHERE experiment = '%s' AND point = p.point)) - 1), 2) AS h \
 FROM (SELECT point, \
         MAX(CASE WHEN name = 'attempts' THEN value END) AS att, \
         MAX(CASE WHEN name = 'backoff' THEN value END) AS bo, \
         MAX(CASE WHEN name = 'jitter' THEN value END) AS jit, \
         MAX(CASE WHEN name = 'limiter' THEN value END) AS lim, \
         MAX(CASE WHEN name = 'retry_after' THEN value END) AS ra, \
         MAX(CASE WHEN name = 'budget' THEN value END) AS bud, \
         MAX(CASE WHEN name = 'stall_end' THEN value END) AS se \
       FROM %s GROUP BY point) p \
 JOIN summary pk ON pk.experiment = '%s' AND pk.point = p.point AND pk.name = 'peak_arrivals_per_bucket' \
 JOIN summary po ON po.experiment = '%s' AND po.point = p.point AND po.name = 'peak_over_capacity')", \
 START, exp, exp, PV, exp, exp)

# Each point with its recovery: rn replications recovered out of cn, mean
# recovery time rm; good = recovered in every replication, mean <= T.
REC = sprintf("(SELECT x.*, s.n AS rn, c.n AS cn, s.mean AS rm, s.ci95 AS rci, \
   (s.n = c.n AND s.mean <= %g) AS good \
 FROM %s x \
 JOIN summary s ON s.experiment = '%s' AND s.point = x.point AND s.name = 'recovery_time_s' \
 JOIN summary c ON c.experiment = '%s' AND c.point = x.point AND c.name = 'calls')", T, PTS, exp, exp)

# Minimum headroom per stall length for policy p: the smallest headroom that
# is good and above which every tested headroom is good too (NaN: none).
minq(p) = sprintf("SELECT d, IFNULL((SELECT MIN(o2.h) FROM %s o2 WHERE o2.pol = o.pol AND o2.d = o.d AND o2.good \
     AND NOT EXISTS (SELECT 1 FROM %s o3 WHERE o3.pol = o2.pol AND o3.d = o2.d AND o3.h > o2.h AND NOT o3.good)), 'NaN') \
   FROM %s o WHERE o.pol = %d GROUP BY d ORDER BY d", REC, REC, REC, p)
# Stall lengths where no tested headroom is enough for policy p. Queries that
# may find nothing end with a row at x = 1e-9, outside the plotted range, so
# that gnuplot has a point to skip instead of warning about an empty file.
noneq(p) = sprintf("SELECT * FROM (SELECT d FROM %s o WHERE o.pol = %d GROUP BY d \
   HAVING NOT EXISTS (SELECT 1 FROM %s o2 WHERE o2.pol = o.pol AND o2.d = o.d AND o2.good \
     AND NOT EXISTS (SELECT 1 FROM %s o3 WHERE o3.pol = o2.pol AND o3.d = o2.d AND o3.h > o2.h AND NOT o3.good)) ORDER BY d) \
   UNION ALL SELECT 1e-9", REC, p, REC, REC)

plabel(p) = p == 1 ? 'no retries' : \
            p == 2 ? '3 attempts, immediate' : \
            p == 3 ? '3 attempts, exp. backoff + full jitter' : \
            p == 4 ? '3 attempts, exp. backoff, no jitter' : \
            p == 5 ? '5 attempts, exp. backoff + full jitter' : \
            p == 6 ? '3 + full jitter, limiter at 0.9 x capacity' : \
            p == 7 ? '3 + full jitter, limiter + Retry-After 2 s' : \
                     '3 + full jitter, retry budget 10%'
pstyle(p) = p == 1 ? 3 : p == 2 ? 2 : p == 3 ? 1 : p == 4 ? 8 : p == 5 ? 6 : p == 6 ? 4 : p == 7 ? 5 : 7
# Lines are nudged sideways a little (log axis: x1.015 per policy) so that
# coinciding policies stay visible.
nudge(x, p) = x * (1.0 + 0.015 * (p - 4.5))

stats q(sprintf("SELECT MAX(h) FROM %s", PTS)) using 1 nooutput name "HMAX"
stats q(sprintf("SELECT MIN(h) FROM %s", PTS)) using 1 nooutput name "HMIN"
HMAX = HMAX_max; HMIN = HMIN_min
HTOP = HMAX * 1.6   # where "not within the tested headroom" is drawn

# ---------------------------------------------------------------- headline
set output outfile(exp)
set title sprintf("{/:Bold=15 Minimum capacity headroom to recover within %g s after the server stalls}\n%s", T, SETUP) font ",12"
set label 4 "minimum: the smallest headroom tested that recovers in time in every\nreplication, as every larger headroom tested does" at graph 0.98, graph 0.375 right font ",9" tc rgb '#444444'
set xlabel "stall length D (s): server queues but serves nothing"
set ylabel "minimum headroom (capacity / offered load - 1)"
set logscale xy
set xrange [0.8:40]
set xtics (1, 2, 3, 4, 6, 10, 20, 30)
set yrange [HMIN * 0.7:HTOP * 1.4]
set ytics ("6.25%%" 6.25, "12.5%%" 12.5, "25%%" 25, "50%%" 50, "100%%" 100, "200%%" 200, "300%%" 300, "500%%" 500)
set key at graph 0.98, graph 0.645 right top reverse Left box opaque font ",10" spacing 1.1 samplen 2.5
set arrow 1 from graph 0, first HTOP to graph 1, first HTOP nohead lc rgb '#999999' dt 3
set label 1 sprintf("more than the %g%% tested", HMAX) at graph 0.99, first HTOP right offset 0, 0.7 font ",9" tc rgb '#666666'
set arrow 2 from graph 0, first 200 to graph 1, first 200 nohead lc rgb '#bbbbbb' dt 2 back
set label 2 "3 attempts x load = capacity" at graph 0.99, first 200 right offset 0, -0.7 font ",9" tc rgb '#888888'
set arrow 3 from graph 0, first 400 to graph 1, first 400 nohead lc rgb '#bbbbbb' dt 2 back
set label 3 "5 attempts x load = capacity" at graph 0.99, first 400 right offset 0, -0.7 font ",9" tc rgb '#888888'
plot for [p=1:8] q(minq(p)) using (nudge($1, p)):2 with linespoints ls pstyle(p) title plabel(p), \
     for [p=1:8] q(noneq(p)) using (nudge($1, p)):(HTOP) with points ls pstyle(p) pt 2 ps 2 notitle
unset arrow 1; unset arrow 2; unset arrow 3; unset label 1; unset label 2; unset label 3; unset label 4

# ---------------------------------------------------------------- recovery time
# Recovery time vs headroom after a D_REC-second stall, mean and 95% CI over
# the replications (bars clipped at 0: a recovery time is never negative).
# Points where a replication never recovered have no recovery time: they go
# in a strip of their own above the chart, with how many did not.
recq(p) = sprintf("SELECT h, rm, max(0, rm - IFNULL(rci, 0)), rm + IFNULL(rci, 0) FROM %s r WHERE r.pol = %d AND ABS(r.d - %g) < 1e-6 AND r.rn = r.cn ORDER BY h", REC, p, D_REC)
neverq(p) = sprintf("SELECT * FROM (SELECT h, (r.cn - r.rn) || ' of ' || r.cn FROM %s r WHERE r.pol = %d AND ABS(r.d - %g) < 1e-6 AND r.rn < r.cn ORDER BY h) UNION ALL SELECT 1e-9, ''", REC, p, D_REC)
stats q(sprintf("SELECT MAX(rm + IFNULL(rci, 0)) FROM %s r WHERE ABS(r.d - %g) < 1e-6 AND r.rn = r.cn", REC, D_REC)) using 1 nooutput name "R"
NREP = one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp))

set output outfile(exp . '-recovery')
set multiplot title sprintf("{/:Bold=15 Recovery time after a %g s stall vs capacity headroom}\n%s\nmean and 95%% Student-t interval over %s replications (wide with so few); top strip: headrooms where some replications never recovered", D_REC, SETUP, NREP) font ",12"
unset title
set logscale x
set xrange [HMIN * 0.8:HMAX * 1.25]
set xtics ("6.25%%" 6.25, "12.5%%" 12.5, "25%%" 25, "50%%" 50, "100%%" 100, "200%%" 200, "300%%" 300, "500%%" 500)
unset logscale y

# the strip: did not recover (k of n replications), one row per policy
set origin 0, 0.72
set size 1, 0.13
set lmargin at screen 0.09
set rmargin at screen 0.97
set tmargin 0
set bmargin 0
set yrange [0:9]
set ytics ("" 0)
set xtics ("" 6.25, "" 12.5, "" 25, "" 50, "" 100, "" 200, "" 300, "" 500)
unset xlabel
set ylabel "not recovered\n(k of n reps)" font ",9"
set xtics nomirror
unset key
set grid xtics noytics
plot for [p=1:8] q(neverq(p)) using (nudge($1, p)):(9 - p):(stringcolumn(2)) with labels left offset 0.8, 0 font ",7" tc rgb '#444444' notitle, \
     for [p=1:8] q(neverq(p)) using (nudge($1, p)):(9 - p) with points ls pstyle(p) pt 2 ps 1.3 notitle

# the chart: recovery time where every replication recovered
set origin 0, 0
set size 1, 0.72
set tmargin 0.5
set bmargin 3.5
set xtics ("6.25%%" 6.25, "12.5%%" 12.5, "25%%" 25, "50%%" 50, "100%%" 100, "200%%" 200, "300%%" 300, "500%%" 500)
set xlabel "capacity headroom (capacity / offered load - 1)"
set ylabel "time to recover after the stall ends (s)"
set xtics nomirror
set ytics autofreq
set yrange [0:R_max * 1.1]
set grid xtics ytics
set key at graph 0.98, graph 0.97 right top reverse Left box opaque font ",10" spacing 1.1 samplen 2.5
plot for [p=1:8] q(recq(p)) using (nudge($1, p)):2:3:4 with yerrorlines ls pstyle(p) title plabel(p)
unset multiplot
