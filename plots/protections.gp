# protections.gp: one outage, one line (or bar) per client protection.
# Top: server arrivals per second through the outage (replication 0).
# Bottom: amplification, peak / capacity, success rate and recovery time
# (mean and 95% CI over replications) from summary.

names = "none aws-quota grpc-throttle retry-budget adaptive breaker"
ts(p) = q(sprintf("SELECT s.t_ns / 1e9, s.server_arrivals FROM series s JOIN run r ON r.id = s.run " . \
    "WHERE r.experiment = '%s' AND r.point = %d AND r.replication = 0 AND r.sweep_run IS NOT NULL " . \
    "AND r.sweep = (SELECT sweep FROM summary WHERE experiment = '%s' LIMIT 1) " . \
    "ORDER BY s.t_ns", exp, p, exp))
bar(metric) = q(sprintf("SELECT point, mean, coalesce(ci95, 0) FROM summary WHERE experiment = '%s' AND name = '%s' ORDER BY point", exp, metric))

set output outfile('protections')
set multiplot title "Client protections against a 30 s outage (503): 800 calls/s, capacity 1000 req/s, 5 attempts, exp. backoff + full jitter\n{/*0.8 one protection at a time, shared by the client pool; bars: mean and 95% CI over 5 replications}"
set size 1, 0.5
set origin 0, 0.45
set xlabel "time (s)"
set ylabel "server arrivals (requests/s)"
set xrange [20:90]
set yrange [0:*]
set key top right
set object 1 rect from 30, graph 0 to 60, graph 1 fc rgb '#f5dede' fs solid 0.5 noborder behind
plot for [i=0:5] ts(i) u 1:2 w l ls (i+1) t word(names, i+1), \
     1000 w l dt 2 lc rgb '#555555' t 'capacity'
unset object 1
set xrange [-0.7:5.7]
set xtics () 
set for [i=0:5] xtics add (word(names, i+1) i)
set xlabel ""
set style fill solid 0.7 border -1
set boxwidth 0.6
set key off
set size 0.25, 0.42
set origin 0, 0
set ylabel "requests per call"
set yrange [0:*]
set title "amplification" offset 0,-0.5
set xtics rotate by 30 right font ",9"
plot bar('amplification') u 1:2 w boxes lc rgb '#1f77b4', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.25, 0
set ylabel "peak / capacity"
set title "peak arrivals per second / capacity"
plot bar('peak_over_capacity') u 1:2 w boxes lc rgb '#d62728', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.5, 0
set ylabel "success rate"
set yrange [0:1]
set title "success rate (whole run)"
plot bar('success_rate') u 1:2 w boxes lc rgb '#2ca02c', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.75, 0
set ylabel "s after the outage"
set yrange [0:5]
set title "time to recover"
rec = q(sprintf("SELECT point, coalesce(mean, 0), CASE WHEN mean IS NULL THEN 'never' ELSE printf('%%.0f s', mean) END FROM summary WHERE experiment = '%s' AND name = 'recovery_time_s' ORDER BY point", exp))
plot bar('recovery_time_s') u 1:2 w boxes lc rgb '#ff7f0e', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0, \
     rec u 1:($2 + 0.3):3 w labels font ",9" tc rgb 'black' 
unset multiplot
