# hedging.gp: hedged requests vs offered load (experiments/hedging.ini).
#   hedging: p99 and p99.9 latency (top, log scale), attempts per call and
#     the server's busy fraction (bottom) vs offered load, one line per
#     policy; points: mean over replications, bars: 95% CI.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

PV = sprintf("(SELECT point, name, value FROM point_var WHERE experiment = '%s')", exp)
NREP = real(one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp)))
CAP = 2000.0 # req/s: 20 workers x mean service 10 ms (the experiment's setup)
# mean, ci95 of scalar sc vs offered load (% of capacity) for a policy: its attempts, hedge, mode, delay
pol(sc, att, hed, mode, del) = q(sprintf( \
  "SELECT 100.0 * CAST(r.value AS REAL) / %g, s.mean, s.ci95 FROM summary s \
   JOIN %s r ON r.point = s.point AND r.name = 'rate' \
   JOIN %s a ON a.point = s.point AND a.name = 'attempts' AND a.value = '%s' \
   JOIN %s h ON h.point = s.point AND h.name = 'hedge' AND h.value = '%s' \
   JOIN %s m ON m.point = s.point AND m.name = 'mode' AND m.value = '%s' \
   JOIN %s d ON d.point = s.point AND d.name = 'delay' AND d.value = '%s' \
   WHERE s.experiment = '%s' AND s.name = '%s' ORDER BY 1", \
  CAP, PV, PV, att, PV, hed, PV, mode, PV, del, exp, sc))
# the five policies: attempts, hedge, mode, delay, title, line style
plotpol(sc, i) = i == 1 ? pol(sc, '1', 'false', 'grpc', '0') : i == 2 ? pol(sc, '1', 'true', 'tail', '0') : \
                 i == 3 ? pol(sc, '1', 'true', 'grpc', '10ms') : i == 4 ? pol(sc, '1', 'true', 'grpc', '50ms') : \
                 pol(sc, '2', 'false', 'grpc', '0')
names = "'no hedging' 'tail: 2nd copy at the p95 of recent latency' 'gRPC: 2nd copy after 10 ms' 'gRPC: 2nd copy after 50 ms' 'retry after a 50 ms timeout (no cancel)'"
styles = "8 3 2 4 1"

set output outfile(exp)
set multiplot layout 2, 2 margins 0.07, 0.98, 0.08, 0.84 spacing 0.08, 0.12 \
    title sprintf("{/:Bold=15 Hedged requests: the tail they cut, and the load at which they start a storm}\n20 workers, service lognormal (mean 10 ms, cv 2: p99 about 60 ms), capacity 2000 req/s, unlimited queue, Poisson calls.\nA copy's answer cancels the other copy at the server. Latency: successful calls only. Points: mean, bars: 95%% CI over %g replications.", NREP) font ",12"
set xlabel "offered load (% of capacity)"
set xrange [0 : 100]
set logscale y
set format y "%g"
set key top left font ",9"
set ylabel "p99 latency (s)"
plot for [i = 1:5] plotpol('latency_p99_s', i) using 1:2:3 with yerrorlines ls int(word(styles, i)) title word(names, i)
set ylabel "p99.9 latency (s)"
unset key
plot for [i = 1:5] plotpol('latency_p999_s', i) using 1:2:3 with yerrorlines ls int(word(styles, i)) title word(names, i)
unset logscale y
set ylabel "requests per call (amplification)"
set yrange [0.95 : 2.1]
plot for [i = 1:5] plotpol('amplification', i) using 1:2:3 with yerrorlines ls int(word(styles, i)) title word(names, i)
set ylabel "share of calls that succeed"
set yrange [0 : 1.05]
plot for [i = 1:5] plotpol('success_rate', i) using 1:2:3 with yerrorlines ls int(word(styles, i)) title word(names, i)
unset multiplot
