# timer-slop.gp: Go timer lateness on the GMP model, experiments/timer-slop.ini.
# One chart per (sleepers S, GC): plots/out/timer-slop-S<S>-gc<gc>.png.
# Top row: lateness p50, bottom row: p99 (ms, log scale, mean +- 95% CI over
# the replications of the per-run quantile) against k, the number of
# never-yielding CPU-bound goroutines; one line per sleep d; a column per
# GOMAXPROCS P. The dotted line marks k = P (every P busy from there on),
# the dashed one the 20 ms preemption slice.

E = 'timer-slop'
array DS[3] = ['1ms', '10ms', '100ms']
array PS[3] = ['1', '2', '4']
array XP[3] = [1, 2, 3]          # x position of k = P
array SS[2] = ['1', '100']
array GS[2] = ['none', 'heap']
array GT[2] = ['no GC', 'GC every 135 ms or so']

sel(S, gc, P, d, stat) = sprintf("SELECT CASE k.value WHEN '0' THEN 0 WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN '4' THEN 3 ELSE 4 END, \
  MAX(s.mean * 1e3, 0.001), MAX((s.mean - IFNULL(s.ci95, 0)) * 1e3, 0.001), (s.mean + IFNULL(s.ci95, 0)) * 1e3 \
  FROM summary s \
  JOIN point_var k ON k.experiment = s.experiment AND k.point = s.point AND k.name = 'k' \
  JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'S' AND a.value = '%s' \
  JOIN point_var g ON g.experiment = s.experiment AND g.point = s.point AND g.name = 'gc' AND g.value = '%s' \
  JOIN point_var p ON p.experiment = s.experiment AND p.point = s.point AND p.name = 'P' AND p.value = '%s' \
  JOIN point_var d ON d.experiment = s.experiment AND d.point = s.point AND d.name = 'd' AND d.value = '%s' \
  WHERE s.experiment = '%s' AND s.name = '%s' ORDER BY 1", S, gc, P, d, E, stat)

set logscale y
set yrange [0.01:400]
set format y "%g"
set xrange [-0.3:4.3]
set xtics ("0" 0, "1" 1, "2" 2, "4" 3, "8" 4)
set key top left box opaque font ",10" width 1

do for [si = 1:2] {
do for [gi = 1:2] {
  set output outfile(sprintf('%s-S%s-gc%s', E, SS[si], GS[gi]))
  set multiplot layout 2,3 title sprintf("Go timer lateness (realised - nominal sleep): %s sleeper%s, %s; mean +- 95%% CI of 5 runs x 120 s", \
      SS[si], SS[si] eq '1' ? '' : 's', GT[gi]) font ",14"
  do for [row = 1:2] {
    stat = row == 1 ? 'lateness_p50_s' : 'lateness_p99_s'
    do for [pi = 1:3] {
      set title sprintf("%s, GOMAXPROCS = %s", row == 1 ? 'p50' : 'p99', PS[pi])
      set xlabel (row == 2 ? "k CPU-bound goroutines (never yield)" : "")
      set ylabel (pi == 1 ? sprintf("lateness %s (ms)", row == 1 ? 'p50' : 'p99') : "")
      set arrow 1 from XP[pi], graph 0 to XP[pi], graph 1 nohead lc rgb '#888888' dt 3 lw 1.2
      set label 1 "k = P" at XP[pi] + 0.06, graph 0.04 font ",9" tc rgb '#666666'
      if (pi == 1 && row == 1) { set key } else { unset key }
      plot 20 with lines lc rgb '#aaaaaa' dt 2 lw 1 title '20 ms slice', \
           for [di = 1:3] q(sel(SS[si], GS[gi], PS[pi], DS[di], stat)) using 1:2:3:4 with yerrorlines ls di title sprintf("d = %s", DS[di])
    }
  }
  unset multiplot
  unset arrow 1
  unset label 1
}
}
