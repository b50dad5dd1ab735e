# idempotency.gp: duplicate executions and refused retries of non-idempotent
# calls, with and without an idempotency-key store, experiments/idempotency.ini.
# Top: vs the attempt timeout (TTL 60 s). Bottom: vs the store's TTL
# (attempt timeout 300 ms). Mean +- 95% CI over 3 replications (summary).

E = 'idempotency'
array MODE[3] = ['none', 'key', 'key']
array CLAIM[3] = ['before_work', 'before_work', 'after_work']
array T[3] = ['no store', 'key store, claim before work', 'key store, claim after work (success only)']

# a duration's text value ('300ms', '1s') in seconds
secs(col) = sprintf("(CASE WHEN %s LIKE '%%ms' THEN CAST(REPLACE(%s, 'ms', '') AS REAL) / 1000.0 ELSE CAST(REPLACE(%s, 's', '') AS REAL) END)", col, col, col)
# metric vs the swept variable x (timeout or ttl), the other one fixed
curve(i, metric, x, other, oval) = q(sprintf("SELECT %s AS xv, s.mean, IFNULL(s.ci95, 0) FROM summary s \
  JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'store' AND a.value = '%s' \
  JOIN point_var c ON c.experiment = s.experiment AND c.point = s.point AND c.name = 'claim' AND c.value = '%s' \
  JOIN point_var v ON v.experiment = s.experiment AND v.point = s.point AND v.name = '%s' \
  JOIN point_var o ON o.experiment = s.experiment AND o.point = s.point AND o.name = '%s' AND o.value = '%s' \
  WHERE s.experiment = '%s' AND s.name = '%s' ORDER BY xv", secs('v.value'), MODE[i], CLAIM[i], x, other, oval, E, metric))

set output outfile('idempotency')
set multiplot layout 2,2 title "Non-idempotent calls: 200 calls/s, service lognormal(150 ms, cv 1), 1% responses lost, 2% executions fail (500), 3 attempts\n{/*0.8 retries on 500, 503, 429, timeout, connection, 409; mean and 95% CI over 3 replications}" font ",13"
set logscale x
set key top right font ",10"
set xlabel "attempt timeout (s)"
set xrange [0.08:2.5]
set ylabel "duplicate executions per call"
set title "duplicates vs attempt timeout (TTL 60 s)"
set yrange [0:*]
plot for [i=1:3] curve(i, 'idem_duplicates_per_call', 'timeout', 'ttl', '60s') u 1:2:3 w yerrorlines ls i t T[i]
set ylabel "retries refused (409) per call"
set title "refused retries vs attempt timeout (TTL 60 s)"
plot for [i=2:3] curve(i, 'idem_refused_per_call', 'timeout', 'ttl', '60s') u 1:2:3 w yerrorlines ls i t T[i]
set xlabel "store TTL (s)"
set xrange [0.07:90]
set ylabel "per call"
set title "duplicates (solid) and refused retries (dashed) vs TTL (timeout 300 ms)"
set yrange [0:0.34]
set key top right font ",9" spacing 0.9
plot for [i=1:3] curve(i, 'idem_duplicates_per_call', 'ttl', 'timeout', '300ms') u 1:2:3 w yerrorlines ls i t T[i], \
     for [i=2:3] curve(i, 'idem_refused_per_call', 'ttl', 'timeout', '300ms') u 1:2:3 w yerrorlines ls i dt 2 t sprintf('refused: %s', T[i])
set ylabel "success rate"
set title "success rate vs TTL (timeout 300 ms)"
set yrange [0.9:1.005]
set key bottom left
plot for [i=1:3] curve(i, 'success_rate', 'ttl', 'timeout', '300ms') u 1:2:3 w yerrorlines ls i t T[i]
unset multiplot
