# keepalive.gp: connection resets from idle-timeout mismatch,
# experiments/keepalive.ini. Resets per call (mean +- 95% CI over 3
# replications, summary) vs client idle - server idle (left, one line per
# call rate) and vs the call rate (right, one line per difference).
# Dashed: P = exp(-r S) - exp(-r C) for exponential gaps (0 when C <= S).

E = 'keepalive'
S = 60.0
array RATE[6] = ['0.002', '0.005', '0.01', '0.02', '0.05', '0.1']
array CI[5] = ['75s', '90s', '120s', '180s', '300s']
theory(r, d) = d > 0 ? exp(-r * S) - exp(-r * (S + d)) : 0

ci_s = "CAST(REPLACE(c.value, 's', '') AS REAL)"
by_delta(i) = q(sprintf("SELECT %s - %g, s.mean, IFNULL(s.ci95, 0) FROM summary s \
  JOIN point_var r ON r.experiment = s.experiment AND r.point = s.point AND r.name = 'rate' AND r.value = '%s' \
  JOIN point_var c ON c.experiment = s.experiment AND c.point = s.point AND c.name = 'client_idle' \
  WHERE s.experiment = '%s' AND s.name = 'conn_resets_per_call' ORDER BY 1", ci_s, S, RATE[i], E))
by_rate(i) = q(sprintf("SELECT CAST(r.value AS REAL), s.mean, IFNULL(s.ci95, 0) FROM summary s \
  JOIN point_var r ON r.experiment = s.experiment AND r.point = s.point AND r.name = 'rate' \
  JOIN point_var c ON c.experiment = s.experiment AND c.point = s.point AND c.name = 'client_idle' AND c.value = '%s' \
  WHERE s.experiment = '%s' AND s.name = 'conn_resets_per_call' ORDER BY 1", CI[i], E))

set output outfile('keepalive')
set multiplot layout 1,2 title "Keep-alive resets: the server closes idle connections after 60 s, the client after client\\_idle\n{/*0.8 one client, Poisson calls, HTTP/1.1; points: simulation (mean, 95% CI, 3 x 24 h); dashed: exp(-r S) - exp(-r C)}" font ",13"
set xlabel "client idle timeout - server idle timeout (s)"
set ylabel "resets per call"
set xrange [-40:250]
set yrange [0:0.6]
set key top left font ",10" title "calls/s"
set samples 500
plot for [i=1:6] by_delta(i) u 1:2:3 w yerrorbars ls i pt 7 t RATE[i], \
     for [i=1:6] theory(RATE[i] + 0, x) w l ls i dt 2 lw 1.5 notitle
set xlabel "call rate (calls/s per client)"
set logscale x
set xrange [0.0015:0.15]
set key top right title "C - S"
array D[5] = [15, 30, 60, 120, 240]
plot for [i=1:5] by_rate(i) u 1:2:3 w yerrorbars ls i pt 7 t sprintf('+%d s', D[i]), \
     for [i=1:5] theory(x, D[i]) w l ls i dt 2 lw 1.5 notitle
unset multiplot
