# jitter-contention.gp: Brooker's 2015 contention experiment
# (experiments/jitter-contention.ini). Two charts, one line per backoff
# strategy, mean and 95% Student-t half-width over the replications, all
# read from the summary table:
#   jitter-contention-calls: total write calls (scalar attempts) vs clients
#   jitter-contention-time:  completion time, the last client's success
#                            (scalar latency_p999_s, which is the exact
#                            maximum latency for fewer than 1000 calls, and
#                            every call starts at t = 0), vs clients

# Rows (clients, mean, ci95) of scalar `name` for the strategy (backoff, jitter).
sel(name, b, j) = q(sprintf( \
    "SELECT c.value, s.mean, s.ci95 FROM summary s " . \
    "JOIN point_var c ON c.experiment = s.experiment AND c.point = s.point AND c.name = 'clients' " . \
    "JOIN point_var b ON b.experiment = s.experiment AND b.point = s.point AND b.name = 'backoff' " . \
    "JOIN point_var j ON j.experiment = s.experiment AND j.point = s.point AND j.name = 'jitter' " . \
    "WHERE s.experiment = '%s' AND s.name = '%s' AND b.value = '%s' AND j.value = '%s' " . \
    "ORDER BY CAST(c.value AS INTEGER)", exp, name, b, j))

nrep = one(sprintf("SELECT MIN(n) FROM summary WHERE experiment = '%s' AND name = 'attempts'", exp))

set xlabel "clients contending for one row (all start at t = 0)"
set xrange [0:200]
set xtics 10, 20, 190
set mxtics 2
set key top left box opaque

set output outfile(exp . "-calls")
set title sprintf("Brooker 2015 contention model: total write calls until every client has succeeded\n(mean and 95%% CI over %s runs per point; base 5 ms, cap 2 s, 4 hops of |N(10 ms, 2 ms)|)", nrep)
set ylabel "total calls (write attempts, all clients)"
set yrange [0:*]
set label 1 "equal and full jitter nearly coincide;\n95% error bars are smaller than the points" at graph 0.02, graph 0.72 left front
plot sel('attempts', 'constant', 'none')         u 1:2:3 w yerrorlines ls 8 t "no backoff", \
     sel('attempts', 'exponential', 'none')      u 1:2:3 w yerrorlines ls 2 t "exponential, no jitter", \
     sel('attempts', 'exponential', 'equal')     u 1:2:3 w yerrorlines ls 4 t "equal jitter", \
     sel('attempts', 'exponential', 'decorrelated') u 1:2:3 w yerrorlines ls 5 t "decorrelated jitter", \
     sel('attempts', 'exponential', 'full')      u 1:2:3 w yerrorlines ls 1 t "full jitter"

set output outfile(exp . "-time")
set title sprintf("Brooker 2015 contention model: completion time (the last client's success)\n(mean and 95%% CI over %s runs per point; log scale)", nrep)
set ylabel "completion time (s, log scale)"
unset label 1
set logscale y
set yrange [0.2:200]
set ytics (0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200)
set key top left box opaque
plot sel('latency_p999_s', 'constant', 'none')         u 1:2:3 w yerrorlines ls 8 t "no backoff", \
     sel('latency_p999_s', 'exponential', 'none')      u 1:2:3 w yerrorlines ls 2 t "exponential, no jitter", \
     sel('latency_p999_s', 'exponential', 'equal')     u 1:2:3 w yerrorlines ls 4 t "equal jitter", \
     sel('latency_p999_s', 'exponential', 'decorrelated') u 1:2:3 w yerrorlines ls 5 t "decorrelated jitter", \
     sel('latency_p999_s', 'exponential', 'full')      u 1:2:3 w yerrorlines ls 1 t "full jitter"
