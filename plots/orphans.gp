# orphans.gp: retry loops that ignore the caller's deadline (orphans) vs
# loops that stop at it, through a 30 s outage (experiments/orphans.ini).
# Top: orphans alive over time (series orphans_alive, replication 0);
# bottom left: server arrivals per second (same runs); bottom right:
# orphan attempts and served_wasted per run, mean +- 95% CI over 5
# replications from the summary table, wasted_fraction and success rate
# written on the bars.

E = 'orphans'
# configurations: max_attempts (leads the schedule), ignore_deadline
array MA[4] = ['3', '3', '10', '10']
array IG[4] = ['false', 'true', 'false', 'true']
array T[4] = ['article loop, stops at deadline', \
              'article loop, ignores deadline', \
              'long loop, stops at deadline', \
              'long loop, ignores deadline']
array SH[4] = ['article loop|stops at deadline', 'article loop|ignores deadline', \
               'long loop|stops at deadline', 'long loop|ignores deadline']
array LS[4] = [1, 2, 3, 4]
array DT[4] = [2, 1, 2, 1]

rid(i) = sprintf("(SELECT r.id FROM run r \
  JOIN runvar m ON m.run = r.id AND m.name = 'max_attempts' AND m.value = '%s' \
  JOIN runvar g ON g.run = r.id AND g.name = 'ignore' AND g.value = '%s' \
  WHERE r.experiment = '%s' AND r.replication = 0 AND r.status = 'ok' ORDER BY r.id DESC LIMIT 1)", MA[i], IG[i], E)
ts(i, col) = sprintf("SELECT t_ns / 1e9 + 0.5, %s FROM series WHERE run = %s ORDER BY t_ns", col, rid(i))
# one row per configuration: label, then mean and ci95 of the scalars
sc(m) = sprintf("(SELECT %%s FROM summary s \
  JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'max_attempts' \
  JOIN point_var b ON b.experiment = s.experiment AND b.point = s.point AND b.name = 'ignore' \
  WHERE s.experiment = '%s' AND s.name = '%s' AND a.value = c.ma AND b.value = c.ig)", E, m)
cfgs = "(SELECT '3' AS ma, 'false' AS ig, 1 AS o UNION ALL SELECT '3', 'true', 2 UNION ALL SELECT '10', 'false', 3 UNION ALL SELECT '10', 'true', 4) AS c"
bars = sprintf("SELECT c.o, %s / 1000, IFNULL(%s, 0) / 1000, %s / 1000, IFNULL(%s, 0) / 1000, %s * 100, %s * 100, %s / 1000, IFNULL(%s, 0) / 1000 FROM %s ORDER BY c.o", \
  sprintf(sc('orphan_attempts'), 'mean'), sprintf(sc('orphan_attempts'), 'ci95'), \
  sprintf(sc('served_wasted'), 'mean'), sprintf(sc('served_wasted'), 'ci95'), \
  sprintf(sc('wasted_fraction'), 'mean'), sprintf(sc('success_rate'), 'mean'), \
  sprintf(sc('server_arrivals'), 'mean'), sprintf(sc('server_arrivals'), 'ci95'), cfgs)

tl(s) = (p = strstrt(s, '|'), p > 0 ? s[1:p-1]."\n".s[p+1:] : s)

set output outfile('orphans')
set multiplot title "Retries that ignore the caller's 2 s deadline: 800 calls/s, 1000 req/s capacity, server rejects all in [20 s, 50 s)" font ",14"

# top: orphans alive
set origin 0, 0.5
set size 1, 0.46
set title "Orphan retry loops alive (caller already gave up; 0 when the loop stops at the deadline), replication 0\narticle loop: 3 attempts, 2 s sleep;  long loop: 10 attempts, exp. 200 ms x2, full jitter" font ",11"
set xlabel "time (s)"
set ylabel "orphans alive (max per 1 s)"
set xrange [0:100]
set yrange [-300:10500]
set object 1 rect from 20, graph 0 to 50, graph 1 fc rgb '#f2dede' fs solid 0.6 noborder behind
set label 10 "outage (503)" at 35, graph 0.93 center font ",10" tc rgb '#a94442'
set key at graph 0.99, graph 0.75 right top box opaque font ",10"
plot for [i=1:4] q(ts(i, 'orphans_alive')) using 1:2 with lines ls LS[i] dt DT[i] lw 2 title T[i]

# bottom left: server arrivals
set origin 0, 0
set size 0.5, 0.5
set title "Server arrivals per second (replication 0; lines as above)"
set ylabel "requests / s"
set yrange [0:9000]
set key at graph 0.99, graph 0.98 right top font ",8" box opaque
plot for [i=1:4] q(ts(i, 'server_arrivals * 1e9 / (SELECT bucket_ns FROM run WHERE id = '.rid(i).')')) \
       using 1:2 with lines ls LS[i] dt DT[i] lw 1.5 notitle, \
     1000 with lines lc rgb '#555555' dt 4 lw 1 title 'server capacity (1000 req/s)'
unset object 1
unset label 10

# bottom right: totals
set origin 0.5, 0
set size 0.5, 0.5
set title "Totals per run (mean +- 95% CI, 5 replications)"
set xlabel ""
set ylabel "thousand requests"
set xrange [0.5:4.5]
set yrange [0:400]
set key at graph 0.02, graph 0.8 left top font ",9" box opaque
set xtics ("" 1) font ",9"
set for [i=1:4] xtics add (tl(SH[i]) i)
set style fill solid 0.8 border rgb '#333333'
set boxwidth 0.25
plot q(bars) using ($1 - 0.27):8 with boxes lc rgb '#7f7f7f' title 'server arrivals', \
     '' using ($1 - 0.27):8:9 with yerrorbars lc rgb 'black' pt 0 ps 0 notitle, \
     '' using ($1):2 with boxes lc rgb '#d62728' title 'orphan attempts', \
     '' using ($1):2:3 with yerrorbars lc rgb 'black' pt 0 ps 0 notitle, \
     '' using ($1 + 0.27):4 with boxes lc rgb '#ff7f0e' title 'served\_wasted', \
     '' using ($1 + 0.27):4:5 with yerrorbars lc rgb 'black' pt 0 ps 0 notitle, \
     '' using ($1 - 0.27):8:(sprintf("%.0fk", $8)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($1):2:(sprintf("%.0fk", $2)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($1 + 0.27):4:(sprintf("%.0f", $4 * 1000)) with labels offset 0,0.6 font ",8" notitle, \
     '' using ($1):(370):(sprintf("wasted frac. %.2f%%\nsuccess %.1f%%", $6, $7)) with labels font ",8" notitle
unset multiplot
