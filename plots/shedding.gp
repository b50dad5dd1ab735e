# shedding.gp: one overload (half the workers gone for 30 s), one line (or
# bar) per server-side protection.
# Top: successful calls per second through the overload (replication 0).
# Bottom: goodput, p99 latency of successful calls, amplification and
# recovery time (mean and 95% CI over replications) from summary; a
# recovery bar over fewer than 5 replications says how many recovered.

names = "none codel inflight lifo lifo+codel retry-after codel+ra codel+ra-max deadline-prop"
np = 9
short = "none codel inflight lifo lifo+cd RA cd+RA cd+RA-max deadline"
ts(p) = q(sprintf("SELECT s.t_ns / 1e9, s.calls_ok FROM series s JOIN run r ON r.id = s.run " . \
    "WHERE r.experiment = '%s' AND r.point = %d AND r.replication = 0 AND r.sweep_run IS NOT NULL " . \
    "AND r.sweep = (SELECT sweep FROM summary WHERE experiment = '%s' LIMIT 1) " . \
    "ORDER BY s.t_ns", exp, p, exp))
bar(metric) = q(sprintf("SELECT point, mean, coalesce(ci95, 0) FROM summary WHERE experiment = '%s' AND name = '%s' ORDER BY point", exp, metric))

set output outfile('shedding')
set multiplot title "Server-side shedding through an overload: 800 calls/s, capacity 1000 -> 500 req/s in [30 s, 60 s), queue 2000, 5 attempts, 1 s timeout\n{/*0.8 one protection at a time; bars: mean and 95% CI over 5 replications; cd = CoDel, RA = queue-based Retry-After}"
set size 1, 0.5
set origin 0, 0.45
set xlabel "time (s)"
set ylabel "successful calls / s"
set xrange [20:110]
set yrange [-30:1400]
set key top right maxrows 4 font ",10"
set object 1 rect from 30, graph 0 to 60, graph 1 fc rgb '#f5dede' fs solid 0.5 noborder behind
plot for [i=0:3] ts(i) u 1:2 w l ls (i+1) t word(names, i+1), \
     ts(4) u 1:2 w l ls 5 dt 2 t word(names, 5), \
     for [i=5:np-1] ts(i) u 1:2 w l ls (i+1) t word(names, i+1), \
     800 w l dt 3 lc rgb '#555555' t 'offered calls/s'
unset object 1
set xrange [-0.7:np-0.3]
set xtics ()
set for [i=0:np-1] xtics add (word(short, i+1) i)
set xlabel ""
set style fill solid 0.7 border -1
set boxwidth 0.6
set key off
set size 0.25, 0.42
set origin 0, 0
set ylabel "calls/s"
set yrange [0:900]
set title "goodput (whole run)" offset 0,-0.5
set xtics rotate by 30 right font ",9"
plot bar('goodput') u 1:2 w boxes lc rgb '#2ca02c', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.25, 0
set ylabel "s"
set yrange [0:8]
set title "p99 latency of successful calls"
plot bar('latency_p99_s') u 1:2 w boxes lc rgb '#9467bd', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.5, 0
set ylabel "requests per call"
set yrange [0:5]
set title "amplification"
plot bar('amplification') u 1:2 w boxes lc rgb '#1f77b4', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0
set origin 0.75, 0
set ylabel "s after the overload"
set yrange [0:45]
set title "time to recover"
rec = q(sprintf("SELECT point, coalesce(mean, 0), CASE WHEN mean IS NULL THEN 'never' WHEN n < 5 THEN printf('%%.0f s (%%d/5)', mean, n) ELSE printf('%%.0f s', mean) END FROM summary WHERE experiment = '%s' AND name = 'recovery_time_s' ORDER BY point", exp))
plot bar('recovery_time_s') u 1:2 w boxes lc rgb '#ff7f0e', '' u 1:2:3 w yerrorbars lc rgb 'black' pt 0, \
     rec u 1:($2 + 1.5):3 w labels rotate by 90 left font ",8" tc rgb 'black'
unset multiplot
