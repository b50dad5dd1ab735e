# seed-table.gp: the seed article's §2.2 backoff table (three rows; see
# docs/failure-modes.md §2.2 and docs/seed-table.md) beside what
# its own parameters give in the simulator (experiments/seed-table.ini).
# Left: retry window (time from the first to the last attempt of a failed
# call, i.e. the sum of the backoff delays) per row, for the two readings of
# the article's code (`attempt` counted from 0 or from 1) with and without
# its 3 s cap. Right (log scale): the article's request figure ("31x",
# "63", "40") beside the simulated attempts per failed call, the peak
# amplification under steady load and the largest retry wave / spike size.
# The runs are deterministic (no jitter, constant delays): no error bars.
# The article's figures are constants of the article, written here.

# One row per article row: label, article window (s), sim windows (s) for
# from0/cap3s, from0/nocap, from1/cap3s, from1/nocap, article request figure,
# attempts per failed call, peak amplification (steady), largest retry wave
# (most retries sent in one 10 ms bucket, series attempts_retry) / spike size.
sql = "WITH pv AS (SELECT point, \
  MAX(CASE WHEN name = 'attempts' THEN CAST(value AS INTEGER) END) AS att, \
  MAX(CASE WHEN name = 'mult' THEN CAST(value AS REAL) END) AS mult, \
  MAX(CASE WHEN name = 'base' THEN value END) AS base, \
  MAX(CASE WHEN name = 'cap' THEN value END) AS cap, \
  MAX(CASE WHEN name = 'scenario' THEN value END) AS sc \
  FROM point_var WHERE experiment = 'seed-table' GROUP BY point), \
 rowbase AS (SELECT 6 AS att, '100ms' AS b0, 'text row' AS label, '100 ms x2|5 retries' AS label2, 2.4 AS aw, 31 AS areq, 1 AS ord \
  UNION ALL SELECT 7, '50ms', 'table row 1', '50 ms x2|6 retries', 3.2, 63, 2 \
  UNION ALL SELECT 5, '200ms', 'table row 2', '200 ms x3|4 retries', 5.4, 40, 3), \
 cur AS (SELECT id, point FROM run WHERE experiment = 'seed-table' AND status = 'ok' AND sweep_run IS NOT NULL \
  AND sweep = (SELECT sweep FROM summary WHERE experiment = 'seed-table' LIMIT 1)), \
 win AS (SELECT cur.point, MAX(s.t_ns) / 1e9 AS w, MAX(s.attempts_retry) AS wave FROM cur JOIN series s ON s.run = cur.id \
  WHERE s.server_arrivals > 0 GROUP BY cur.point), \
 pt AS (SELECT pv.*, rb.label, rb.label2, rb.aw, rb.areq, rb.ord, (pv.base = rb.b0) AS from0, win.w, win.wave, \
  (SELECT mean FROM summary s WHERE s.experiment = 'seed-table' AND s.point = pv.point AND s.name = 'attempts_per_call') AS apc, \
  (SELECT mean FROM summary s WHERE s.experiment = 'seed-table' AND s.point = pv.point AND s.name = 'peak_over_capacity') AS poc, \
  (SELECT CAST(p.value AS REAL) FROM param p JOIN cur ON cur.id = p.run WHERE cur.point = pv.point AND p.key = 'arrivals.spike_calls') AS spike \
  FROM pv JOIN rowbase rb USING (att) LEFT JOIN win USING (point)) \
 SELECT label, aw, \
  MAX(CASE WHEN sc = 'spike' AND from0 AND cap = '3s' THEN w END), \
  MAX(CASE WHEN sc = 'spike' AND from0 AND cap = '0s' THEN w END), \
  MAX(CASE WHEN sc = 'spike' AND NOT from0 AND cap = '3s' THEN w END), \
  MAX(CASE WHEN sc = 'spike' AND NOT from0 AND cap = '0s' THEN w END), \
  areq, \
  MAX(CASE WHEN sc = 'spike' AND from0 AND cap = '3s' THEN apc END), \
  MAX(CASE WHEN sc = 'constant' AND from0 AND cap = '3s' THEN poc END), \
  MAX(CASE WHEN sc = 'spike' AND from0 AND cap = '3s' THEN wave / spike END) \
 , label2 FROM pt GROUP BY ord ORDER BY ord"

# '|' in a label is a line break (commas would split the CSV)
tl(s) = (p = strstrt(s, '|'), p > 0 ? s[1:p-1]."\n".s[p+1:] : s)

set output outfile('seed-table')
set multiplot layout 1,2 title "Seed article §2.2 backoff table: the article's figures vs. its own parameters (simulated, no jitter)" font ",15"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#333333'
set boxwidth 1
set xtics scale 0 font ",10"
set xrange [-0.6:2.6]
set key outside below left Left reverse box font ",10" spacing 1.1 width 1
set grid noxtics ytics

# left: retry window
n = 5.0; g = 1.0
bx(i) = $0 + (i - (n - 1) / 2.0) / (n + g)
set title "Retry window of a failed call (sum of the backoff delays)"
set ylabel "retry window (s)"
set xlabel "article row (base, multiplier, max\\_retries)" offset 0,-1.6
set yrange [0:27]
set bmargin 11
plot q(sql) using 2:xtic(sprintf("%s\n%s", strcol(1), tl(strcol(11)))) title "article's figure" lc rgb '#7f7f7f', \
     '' using 3 title "sim: attempt from 0 (first delay = base), cap 3 s" lc rgb '#1f77b4', \
     '' using 4 title "sim: attempt from 0, no cap" lc rgb '#aec7e8', \
     '' using 5 title "sim: attempt from 1 (first delay = base x mult), cap 3 s" lc rgb '#2ca02c', \
     '' using 6 title "sim: attempt from 1, no cap" lc rgb '#98df8a', \
     '' using (bx(0)):2:(sprintf("%.2g", $2)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(1)):3:(sprintf("%.3g", $3)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(2)):4:(sprintf("%.3g", $4)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(3)):5:(sprintf("%.3g", $5)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(4)):6:(sprintf("%.3g", $6)) with labels offset 0,0.7 font ",8" notitle

# right: requests
n = 4.0
set title "Requests: the article's figure vs. simulated amplification"
set ylabel "requests (log scale)"
set logscale y
set yrange [0.5:300]
set ytics (0.5, 1, 2, 5, 10, 20, 50, 100, 200)
plot q(sql) using 7:xtic(sprintf("%s\n%s", strcol(1), tl(strcol(11)))) title "article: '31x' / cumulative retry requests" lc rgb '#7f7f7f', \
     '' using 8 title "sim: attempts per failed call" lc rgb '#1f77b4', \
     '' using 9 title "sim: peak amplification, steady load" lc rgb '#d62728', \
     '' using 10 title "sim: largest retry wave / spike size" lc rgb '#ff7f0e', \
     '' using (bx(0)):7:(sprintf("%g", $7)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(1)):8:(sprintf("%g", $8)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(2)):9:(sprintf("%g", $9)) with labels offset 0,0.7 font ",8" notitle, \
     '' using (bx(3)):10:(sprintf("%g", $10)) with labels offset 0,0.7 font ",8" notitle
unset multiplot
