# layers.gp: attempts reaching the bottom tier (the database) per caller's
# call vs the number of tiers, one panel per attempts-per-tier n, one line
# per way of running the chain (mean and 95% CI over replications from
# summary; `amplification` = bottom-tier arrivals / callers' calls).
# The dotted line is n^layers, the SRE book's product.

# sweep points: ways vary fastest (prop, re in lockstep), then layers, then n
ways = "every-tier-retries +deadline-propagation retry-only-at-top"
pt(n, way) = q(sprintf("SELECT v.value, s.mean, coalesce(s.ci95, 0) FROM summary s " . \
    "JOIN point_var v ON v.experiment = s.experiment AND v.point = s.point AND v.name = 'layers' " . \
    "JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'n' " . \
    "JOIN point_var p ON p.experiment = s.experiment AND p.point = s.point AND p.name = 'prop' " . \
    "JOIN point_var r ON r.experiment = s.experiment AND r.point = s.point AND r.name = 're' " . \
    "WHERE s.experiment = '%s' AND s.name = 'amplification' AND a.value = '%d' AND %s " . \
    "ORDER BY v.value + 0", exp, n, \
    way == 1 ? "p.value = 'false' AND r.value = 'true'" : \
    way == 2 ? "p.value = 'true' AND r.value = 'true'" : "p.value = 'false' AND r.value = 'false'"))

set output outfile('layers')
set multiplot layout 1, 3 title "Retries at every tier multiply: the database hangs (every attempt times out), 50 calls/s\n{/*0.8 n attempts at each tier, timeouts 1 s (callers), 400 ms, 150 ms, 50 ms down the chain; mean and 95% CI over 3 replications}"
set logscale y 2
set xrange [0.8:4.2]
set xtics 1
set yrange [1:512]
set xlabel "tiers in the chain (1 = the database alone)"
set ylabel "database attempts per caller's call"
set key top left font ",10"
do for [n=2:4] {
    set title sprintf("%d attempts per tier", n)
    plot for [w=1:3] pt(n, w) u 1:2:3 w yerrorlines ls w t word(ways, w), \
         n**x w l dt 3 lc rgb '#555555' t sprintf("%d^{tiers}", n)
}
unset multiplot
