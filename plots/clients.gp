# clients.gp: every client library preset through the same 30 s outage
# (experiments/clients.ini).
#   clients: one row per preset, four panels: attempts per call, peak
#     server arrivals over capacity, recovery time after the outage, success
#     rate; mean and 95% CI over the replications, without (circles) and
#     with (triangles) Retry-After: 5 s on the server's 503s. A run that did
#     not recover is drawn in the grey band right of the recovery axis, with
#     how many of the replications did not.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

NREP = real(one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp)))
NPRE = real(one(sprintf("SELECT count(DISTINCT value) FROM point_var WHERE experiment = '%s' AND name = 'preset'", exp)))
# rows: preset rank (in the experiment's order), offset by Retry-After, mean, ci95, n, preset
BASE = sprintf("WITH pv AS (SELECT point, max(CASE WHEN name = 'preset' THEN value END) AS preset, \
  max(CASE WHEN name = 'server_ra' THEN value END) AS ra FROM point_var WHERE experiment = '%s' GROUP BY point), \
  o AS (SELECT preset, min(point) AS mp FROM pv GROUP BY preset), \
  rk AS (SELECT preset, (SELECT count(*) FROM o AS o2 WHERE o2.mp < o.mp) AS idx FROM o) ", exp)
rows(sc, ra, off) = q(BASE . sprintf("SELECT rk.idx + %g, s.mean, s.ci95, s.n, pv.preset FROM summary AS s \
  JOIN pv ON pv.point = s.point JOIN rk ON rk.preset = pv.preset \
  WHERE s.experiment = '%s' AND s.name = '%s' AND pv.ra = '%s' ORDER BY 1", off, exp, sc, ra))
NEVER = 52   # x of the "did not recover" band in the recovery panel (s)

set output outfile(exp)
set terminal pngcairo size 1500,900 enhanced font "DejaVu Sans,12" background rgb 'white'
if (term eq 'svg') set terminal svg size 1500,900 dynamic enhanced font "DejaVu Sans,14" background rgb 'white'
set multiplot layout 1, 4 margins 0.15, 0.98, 0.08, 0.87 spacing 0.015, 0 \
    title sprintf("{/:Bold=15 Client libraries' default retries through the same 30 s outage}\n800 calls/s from 100 clients, server 1000 requests/s (80%% load), every request answered 503 in [20 s, 50 s); each library's defaults (retrysim presets, docs/clients.md).\nCircles: the 503s carry no Retry-After; triangles: Retry-After 5 s. Mean and 95%% CI over %g replications. Recovered: success >= 99%% for 10 s.", NREP) font ",12"
set yrange [NPRE - 0.5 : -0.5]
set ytics scale 0 font ",11"
set grid xtics ytics
set key off
set datafile missing "NaN"

set xlabel "attempts per call"
set xrange [0.9 : 6]
set logscale x
set xtics (1, 1.5, 2, 3, 4, 6)
plot rows('amplification', '0s', -0.15) using 2:1:($2-$3):($2+$3):ytic(5) with xerrorbars ls 1, \
     rows('amplification', '5s', 0.15) using 2:1:($2-$3):($2+$3) with xerrorbars ls 2 pt 9 ps 1.3
unset logscale x
set format y ""
set ytics scale 0

set xlabel "peak server arrivals / capacity"
set xrange [0 : 8]
set xtics 0, 2, 8
set arrow 1 from 1, graph 0 to 1, graph 1 nohead dt 2 lc rgb '#555555'
plot rows('peak_over_capacity', '0s', -0.15) using 2:1:($2-$3):($2+$3) with xerrorbars ls 1, \
     rows('peak_over_capacity', '5s', 0.15) using 2:1:($2-$3):($2+$3) with xerrorbars ls 2 pt 9 ps 1.3
unset arrow 1

set xlabel "recovery after the outage (s)"
set xrange [-1 : 58]
set xtics 0, 10, 40
set object 1 rect from 45, graph 0 to 58, graph 1 fc rgb '#eeeeee' fs solid border lc rgb '#bbbbbb' behind
set label 1 "did not\nrecover" at 51.5, graph 1.02 center font ",10"
# all replications recovered: the mean; some did not: their count in the band
plot rows('recovery_time_s', '0s', -0.15) using ($4 == NREP ? $2 : NaN):1:($2-$3):($2+$3) with xerrorbars ls 1, \
     rows('recovery_time_s', '5s', 0.15) using ($4 == NREP ? $2 : NaN):1:($2-$3):($2+$3) with xerrorbars ls 2 pt 9 ps 1.3, \
     rows('recovery_time_s', '0s', -0.15) using ($4 < NREP ? 48.5 : NaN):1:(sprintf("%d/%d", NREP - $4, NREP)) with labels left offset 0.6,0 font ",9" tc ls 1 point ls 1, \
     rows('recovery_time_s', '5s', 0.15) using ($4 < NREP ? 48.5 : NaN):1:(sprintf("%d/%d", NREP - $4, NREP)) with labels left offset 0.6,0 font ",9" tc ls 2 point ls 2 pt 9 ps 1.3
unset object 1
unset label 1

set xlabel "success rate (calls)"
set xrange [0.6 : 1.02]
set xtics 0.6, 0.1, 1
plot rows('success_rate', '0s', -0.15) using 2:1:($2-$3):($2+$3) with xerrorbars ls 1, \
     rows('success_rate', '5s', 0.15) using 2:1:($2-$3):($2+$3) with xerrorbars ls 2 pt 9 ps 1.3
unset multiplot
