# collapse.gp: Brooker's simple-collapse model (experiments/collapse.ini).
#
# retrysim stores no "collapsed" flag (there is no outage, so recovery_time_s
# is NULL), so it is defined here from the stored series: a replication's
# late success ratio is sum(calls_ok) / sum(calls) over the buckets of the
# last 60 s of its arrival window, [duration - 60 s, duration); below 0.5
# it has collapsed. The ratio is bimodal (about 1 or exactly 0), which the
# second chart shows. Only runs of the experiment's latest text count.
#   collapse-fraction:     fraction collapsed vs spike rate, per policy,
#                          with 95% Wilson score intervals
#   collapse-late-success: every replication's late success ratio
#   collapse-timeline:     server arrivals/s and requests in service over
#                          time at 80/s: a collapsed and a recovered
#                          replication without backoff, and the collapsed
#                          one's replication (same arrivals) with backoff

# Runs of the latest text of the experiment, with their spike and policy.
runs = sprintf( \
    "SELECT r.id AS run, r.replication AS rep, r.duration_ns AS dur, r.bucket_ns AS bucket, " . \
    "CAST(sp.value AS INTEGER) AS spike, b.value AS backoff FROM run r " . \
    "JOIN runvar sp ON sp.run = r.id AND sp.name = 'spike' " . \
    "JOIN runvar b ON b.run = r.id AND b.name = 'backoff' " . \
    "WHERE r.experiment = '%s' AND r.status = 'ok' AND r.sweep = " . \
    "(SELECT sweep FROM summary WHERE experiment = '%s' LIMIT 1)", \
    exp, exp)
# Per run: the late success ratio.
late = "WITH runs AS (" . runs . "), late AS (SELECT runs.*, 1.0 * SUM(s.calls_ok) / SUM(s.calls) AS ratio " . \
    "FROM runs JOIN series s ON s.run = runs.run AND s.t_ns >= runs.dur - 60000000000 AND s.t_ns < runs.dur " . \
    "GROUP BY runs.run) "
# Per (spike, policy): k collapsed of n, as fraction and Wilson 95% bounds.
wilson(b) = q(late . sprintf( \
    ", f AS (SELECT spike, COUNT(*) AS n, SUM(ratio < 0.5) AS k FROM late WHERE backoff = '%s' GROUP BY spike), " . \
    "w AS (SELECT spike, n, k, 1.0 * k / n AS p, 1.96 * 1.96 AS z2 FROM f) " . \
    "SELECT spike, p, (p + z2 / (2 * n) - sqrt(z2) * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n))) / (1 + z2 / n), " . \
    "(p + z2 / (2 * n) + sqrt(z2) * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n))) / (1 + z2 / n), k, n " . \
    "FROM w ORDER BY spike", b))
points(b) = q(late . sprintf("SELECT spike, ratio FROM late WHERE backoff = '%s' ORDER BY run", b))

nrep = one("WITH runs AS (" . runs . ") SELECT MIN(c) FROM (SELECT COUNT(*) AS c FROM runs GROUP BY spike, backoff)")
spikes = one("WITH runs AS (" . runs . ") SELECT group_concat(spike, ' ') FROM (SELECT DISTINCT spike FROM runs ORDER BY spike)")
smin = real(word(spikes, 1)); smax = real(word(spikes, words(spikes)))

# ---------------------------------------------------------------------------
set output outfile(exp . "-fraction")
set title sprintf("Brooker's simple-collapse model: how often a 5 s load spike leaves the system collapsed\n(40/s Poisson, spike for t in [20, 25) s; server 1 s + 10 ms x in flight; timeout 3 s, 3 attempts; %s replications per point)", nrep)
set xlabel "arrival rate during the spike (calls/s; normal load 40/s)"
set ylabel "fraction of replications collapsed\n(success ratio < 0.5 in the last 60 s of 300 s)"
set xrange [smin - 5 : smax + 5]
set xtics 10
set yrange [-0.02:1.1]
set ytics 0,0.1,1
set key at graph 0.98, graph 0.45 right box opaque
set arrow 1 from 80, graph 0 to 80, graph 1 nohead dt 2 lc rgb '#555555'
set label 1 "Brooker's spike: 80/s" at 80, first 0.45 left offset 0.5, 0 tc rgb '#555555'
set label 2 "error bars: 95% Wilson intervals" at graph 0.98, graph 0.04 right
plot wilson('constant')    u 1:2:3:4 w yerrorlines ls 2 t "no backoff (retry at once)", \
     wilson('exponential') u 1:2:3:4 w yerrorlines ls 1 t "backoff: U(0, 20 s), then U(0, 40 s)", \
     wilson('constant')    u 1:2:(sprintf("%d/%d", $5, $6)) w labels offset -2.5, 0.9 tc ls 2 notitle, \
     wilson('exponential') u 1:2:(sprintf("%d/%d", $5, $6)) w labels offset 2.5, -0.9 tc ls 1 notitle
unset arrow 1
unset label 1
unset label 2

# ---------------------------------------------------------------------------
set output outfile(exp . "-late-success")
set title sprintf("Brooker's simple-collapse model: each replication's success ratio in the last 60 s\n(bimodal: recovered about 1, collapsed exactly 0; %s replications per point, spread sideways to show them)", nrep)
set ylabel "calls succeeded / calls started, last 60 s of the arrival window"
set yrange [-0.05:1.1]
set ytics 0.1
set key center right box opaque
set arrow 2 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb '#555555'
set label 3 "collapse threshold 0.5" at graph 0.01, first 0.53 left tc rgb '#555555'
set style fill transparent solid 0.35 noborder
plot points('constant')    u ($1 - 2.2 + 1.6 * (rand(0) - 0.5)):2 w p pt 7 ps 0.7 lc rgb '#d62728' t "no backoff", \
     points('exponential') u ($1 + 2.2 + 1.6 * (rand(0) - 0.5)):2 w p pt 7 ps 0.7 lc rgb '#1f77b4' t "backoff U(0, 20 s), U(0, 40 s)"
unset arrow 2
unset label 3

# ---------------------------------------------------------------------------
# Timeline at Brooker's 80/s: the first replication that collapsed without
# backoff (c), the first that recovered without backoff (g), and c with backoff.
pickrun(b, cond) = int(real(one(late . sprintf("SELECT run FROM late WHERE spike = 80 AND backoff = '%s' AND %s ORDER BY rep LIMIT 1", b, cond))))
repof(run) = int(real(one(sprintf("SELECT replication FROM run WHERE id = %d", run))))
runc = pickrun('constant', 'ratio < 0.5'); repc = repof(runc)
rung = pickrun('constant', 'ratio >= 0.5'); repg = repof(rung)
runb = int(real(one(late . sprintf("SELECT run FROM late WHERE spike = 80 AND backoff = 'exponential' AND rep = %d", repc))))
ratiob = one(late . sprintf("SELECT CASE WHEN ratio < 0.5 THEN 'collapsed' ELSE 'recovered' END FROM late WHERE run = %d", runb))
ser(run, col) = q(sprintf("SELECT t_ns / 1e9, %s * 1e9 / (SELECT bucket_ns FROM run WHERE id = %d) FROM series WHERE run = %d ORDER BY t_ns", col, run, run))
lvl(run, col) = q(sprintf("SELECT t_ns / 1e9, %s FROM series WHERE run = %d ORDER BY t_ns", col, run))

set output outfile(exp . "-timeline")
set multiplot layout 2, 1 title "Brooker's simple-collapse model at a spike of 80/s for t in [20, 25) s: one collapsed and one recovered replication" font ",13"
set key at graph 0.99, graph 0.97 right top box opaque
set xrange [0:320]
set xtics 30
set xlabel "time (s); the arrival window ends at 300 s, then calls drain"
set object 1 rect from 20, graph 0 to 25, graph 1 fc rgb '#ffe8a0' fs solid 0.6 noborder behind
set title "requests reaching the server per second (attempts, retries included; capacity never exceeds 100/s)"
set ylabel "server arrivals (requests/s)"
set yrange [0:230]
set label 5 "spike" at 22.5, graph 0.93 center tc rgb '#8a6d00'
set ytics auto
plot ser(runc, 'server_arrivals') u 1:2 w l lw 1.5 lc rgb '#d62728' t sprintf("no backoff, replication %d: collapsed", repc), \
     ser(rung, 'server_arrivals') u 1:2 w l lw 1.5 lc rgb '#7f7f7f' t sprintf("no backoff, replication %d: recovered", repg), \
     ser(runb, 'server_arrivals') u 1:2 w l lw 1.5 lc rgb '#1f77b4' t sprintf("backoff, replication %d (same arrivals): %s", repc, ratiob)
set title "requests in service at the server (max per 1 s bucket; each one's latency is 1 s + 10 ms x this)"
unset label 5
set ylabel "requests in service (log scale)"
set logscale y
set yrange [10:30000]
set key at graph 0.99, graph 0.6 right top box opaque
plot lvl(runc, 'busy_workers') u 1:2 w l lw 1.5 lc rgb '#d62728' t sprintf("no backoff, replication %d: collapsed", repc), \
     lvl(rung, 'busy_workers') u 1:2 w l lw 1.5 lc rgb '#7f7f7f' t sprintf("no backoff, replication %d: recovered", repg), \
     lvl(runb, 'busy_workers') u 1:2 w l lw 1.5 lc rgb '#1f77b4' t sprintf("backoff, replication %d (same arrivals): %s", repc, ratiob)
unset multiplot
