# status-codes.gp: retry predicate (retry everything vs 429/503/timeout/
# connection only) x Retry-After handling, against a server that injects
# 500/502 errors and a 429 rate limiter during a traffic surge
# (experiments/status-codes.ini). Mean +- 95% CI over 5 replications from
# the summary table; the time series is replication 0.

E = 'status-codes'
DEF = '429, 503, timeout, connection'
# configurations: retry_on, limiter Retry-After, client's handling
array RO[6] = [DEF, DEF, DEF, 'all', 'all', 'all']
array RA[6] = ['0s', '1s', '1s', '0s', '1s', '1s']
array RM[6] = ['honour', 'honour', 'ignore', 'honour', 'honour', 'ignore']
array T[6] = ['retry 429/503/timeout/conn; no Retry-After', \
              'retry 429/503/timeout/conn; Retry-After 1 s honoured', \
              'retry 429/503/timeout/conn; Retry-After 1 s ignored (= none)', \
              'retry all (incl. 500/502); no Retry-After', \
              'retry all (incl. 500/502); Retry-After 1 s honoured', \
              'retry all (incl. 500/502); Retry-After 1 s ignored (= none)']
array LT[6] = [1, 3, 1, 2, 4, 2]
array DT[6] = [1, 1, 2, 1, 1, 2]
array DX[6] = [-0.0025, -0.0015, -0.0005, 0.0005, 0.0015, 0.0025]

# x = injected error fraction (500 + 502), mean, ci95 of scalar m for configuration i
sq(m, i) = sprintf("SELECT 2 * CAST(e.value AS REAL), s.mean, IFNULL(s.ci95, 0) FROM summary s \
  JOIN point_var e ON e.experiment = s.experiment AND e.point = s.point AND e.name = 'e500' \
  JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'retry_on' \
  JOIN point_var b ON b.experiment = s.experiment AND b.point = s.point AND b.name = 'ra' \
  JOIN point_var c ON c.experiment = s.experiment AND c.point = s.point AND c.name = 'ra_mode' \
  WHERE s.experiment = '%s' AND s.name = '%s' AND a.value = '%s' AND b.value = '%s' AND c.value = '%s' ORDER BY 1", \
  E, m, RO[i], RA[i], RM[i])

# replication 0 of configuration i at e500 = e502 = 0.1, latest sweep of the file
rid(i) = sprintf("(SELECT r.id FROM run r \
  JOIN runvar e ON e.run = r.id AND e.name = 'e500' AND e.value = '0.1' \
  JOIN runvar a ON a.run = r.id AND a.name = 'retry_on' AND a.value = '%s' \
  JOIN runvar b ON b.run = r.id AND b.name = 'ra' AND b.value = '%s' \
  JOIN runvar c ON c.run = r.id AND c.name = 'ra_mode' AND c.value = '%s' \
  WHERE r.experiment = '%s' AND r.replication = 0 AND r.status = 'ok' ORDER BY r.id DESC LIMIT 1)", RO[i], RA[i], RM[i], E)
ts(i) = sprintf("SELECT t_ns / 1e9 + 0.5, server_arrivals * 1e9 / (SELECT bucket_ns FROM run WHERE id = %s) FROM series WHERE run = %s ORDER BY t_ns", rid(i), rid(i))
offered = sprintf("SELECT t_ns / 1e9 + 0.5, calls * 1e9 / (SELECT bucket_ns FROM run WHERE id = %s) FROM series WHERE run = %s ORDER BY t_ns", rid(1), rid(1))

set output outfile('status-codes')
set multiplot layout 2,2 title "Retry predicate and Retry-After: 500/502 injection + 429 limiter (700 req/s) during a 1000 calls/s surge" font ",14"
set key top left Left reverse box opaque font ",8" spacing 1.0 width -3
# One legend (top left panel) for all four panels. "Retry-After ignored"
# runs are identical to "no Retry-After" (same seeds, same delays): dashed.
set xlabel "injected error fraction (500 + 502, per served request)"
set xrange [-0.01:0.41]
set format x "%.0f%%"
set xtics ("0%%" 0, "5%%" 0.05, "10%%" 0.1, "20%%" 0.2, "30%%" 0.3, "40%%" 0.4)

set title "Server load: amplification (server arrivals per call)"
set ylabel "server arrivals / call"
set yrange [1.6:3.6]
plot for [i=1:6] q(sq('amplification', i)) using ($1 + DX[i]):2:3 with yerrorlines ls LT[i] dt DT[i] title T[i]

set title "Success rate (calls that succeed)"
set ylabel "success rate (%)"
set yrange [45:95]
unset key
plot for [i=1:6] q(sq('success_rate', i)) using ($1 + DX[i]):($2 * 100):($3 * 100) with yerrorlines ls LT[i] dt DT[i] title T[i]

set title "Peak server arrivals in any 1 s bucket"
set ylabel "requests / s"
set yrange [2500:3700]
plot for [i=1:6] q(sq('peak_arrivals_per_bucket', i)) using ($1 + DX[i]):2:3 with yerrorlines ls LT[i] dt DT[i] title T[i]

set title "Server arrivals over time at 20% injected errors (replication 0)"
set xlabel "time (s)"
set ylabel "requests / s"
unset format x
set xtics auto
set xrange [0:70]
set yrange [0:4200]
set key top right font ",9"
plot for [i=1:6] q(ts(i)) using 1:2 with lines ls LT[i] dt DT[i] lw 1.5 notitle, \
     q(offered) using 1:2 with lines lc rgb 'black' lw 1.5 dt 3 title 'offered calls / s', \
     700 with lines lc rgb '#7f7f7f' lw 1 dt 4 title 'limiter rate (700 req/s)'
unset multiplot
