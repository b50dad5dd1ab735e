# deadline.gp: the caller's overall deadline vs the retry schedule, against
# a hung dependency (every attempt times out), experiments/deadline.ini.
# Left: fraction of calls ended by the deadline = calls_deadline / calls
# (every run has exactly 1000 calls, so mean and 95% CI of calls_deadline
# divided by calls are those of the fraction); right: attempts per call
# (mean +- 95% CI) with each schedule's max_attempts dashed.

E = 'deadline'
array MA[5] = ['3', '5', '3', '5', '4']
array BA[5] = ['100ms', '100ms', '1s', '1s', '100ms']
array TO[5] = ['1s', '1s', '1s', '1s', '2s']
array T[5] = ['a: base 100 ms, 3 attempts, timeout 1 s', \
              'b: base 100 ms, 5 attempts, timeout 1 s', \
              'c: base 1 s, 3 attempts, timeout 1 s', \
              'd: base 1 s, 5 attempts, timeout 1 s', \
              "e: article's 3 retries (4 attempts), 100 ms, timeout 2 s"]
array LS[5] = [1, 2, 3, 4, 5]

# deadline in seconds from the sweep's text value ('500ms', '1000ms', ...)
secs = "CAST(REPLACE(d.value, 'ms', '') AS REAL) / 1000.0"
pts(i) = sprintf("SELECT s.point, %s AS x FROM summary s \
  JOIN point_var d ON d.experiment = s.experiment AND d.point = s.point AND d.name = 'deadline' \
  JOIN point_var m ON m.experiment = s.experiment AND m.point = s.point AND m.name = 'max_attempts' AND m.value = '%s' \
  JOIN point_var b ON b.experiment = s.experiment AND b.point = s.point AND b.name = 'base' AND b.value = '%s' \
  JOIN point_var t ON t.experiment = s.experiment AND t.point = s.point AND t.name = 'timeout' AND t.value = '%s' \
  WHERE s.experiment = '%s' AND s.name = 'calls'", secs, MA[i], BA[i], TO[i], E)
frac(i) = sprintf("WITH p AS (%s) SELECT p.x, dl.mean / c.mean, IFNULL(dl.ci95, 0) / c.mean FROM p \
  JOIN summary dl ON dl.experiment = '%s' AND dl.point = p.point AND dl.name = 'calls_deadline' \
  JOIN summary c ON c.experiment = '%s' AND c.point = p.point AND c.name = 'calls' ORDER BY p.x", pts(i), E, E)
apc(i) = sprintf("WITH p AS (%s) SELECT p.x, a.mean, IFNULL(a.ci95, 0) FROM p \
  JOIN summary a ON a.experiment = '%s' AND a.point = p.point AND a.name = 'attempts_per_call' ORDER BY p.x", pts(i), E)

set output outfile('deadline')
set multiplot layout 1,2 title "Overall deadline vs retry schedule: hung dependency, every attempt times out (5 replications)" font ",14"
set xlabel "caller's overall deadline (s)"
set xrange [0:20.5]
set xtics 2
set arrow 1 from 5, graph 0 to 5, graph 1 nohead lc rgb '#555555' dt 3 lw 1.5
set label 1 "article's 5 s" at 5.2, graph 0.5 font ",10" tc rgb '#555555'

set title "Calls ended by the deadline (cut in any attempt)"
set ylabel "fraction of calls ended by the deadline"
set yrange [-0.02:1.05]
set bmargin 8
set key at screen 0.5, screen 0.015 center bottom vertical maxrows 3 box opaque font ",10" width 1
plot for [i=1:5] q(frac(i)) using 1:2:3 with yerrorlines ls LS[i] ps 0.7 title T[i]

set label 1 "article's 5 s" at 5.2, graph 0.82 font ",10" tc rgb '#555555'
set title "Attempts a call made vs configured max\\_attempts (dashed)"
set ylabel "attempts per call"
set yrange [0.8:5.3]
unset key
plot for [i=1:5] q(apc(i)) using 1:2:3 with yerrorlines ls LS[i] ps 0.7 title T[i], \
     for [i=1:5] (MA[i] + 0) + (i == 3 ? 0.04 : 0) + (i == 4 ? 0.04 : 0) with lines ls LS[i] dt 2 lw 1 notitle
unset multiplot
