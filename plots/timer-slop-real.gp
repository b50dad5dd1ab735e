# timer-slop-real.gp: the GMP model against real Go, experiments/timer-slop-real.ini
# (simulated, experiment 'timer-slop-real') and the go-timer probe's grid loaded
# into the same database by `make go-probe` (experiment 'timer-slop-go',
# tools/go-timer/load.sh).
# plots/out/timer-slop-real.png: simulated against real timer lateness (ms,
# log-log), p50 (top row) and p99 (bottom row), a column per GOMAXPROCS P.
# One point per configuration (k CPU-bound goroutines in 0, 1, 2, 4, 8): colour
# by sleep d, filled without GC, open with GC paced by the CPU-bound
# goroutines' allocation. x: the mean over the probe's 3 runs of 2 s (their
# spread is in docs/go-runtime.md: with 3 runs a t interval is wider than the
# chart); y: the mean over 3 simulated runs of 20 s, bars its 95% CI. The diagonal is agreement,
# the shaded band the +-50% goal (simulated within 0.5x .. 1.5x of real).

array DS[3] = ['1ms', '10ms', '100ms']
array PS[3] = ['1', '2', '4']
array GS[2] = ['none', 'heap']

# the point's variables on one side, as a subquery keyed by P, d, k, gc
side(e) = sprintf("(SELECT s.point, s.name, s.mean, s.ci95, \
  (SELECT value FROM point_var v WHERE v.experiment = s.experiment AND v.point = s.point AND v.name = 'P') AS P, \
  (SELECT value FROM point_var v WHERE v.experiment = s.experiment AND v.point = s.point AND v.name = 'd') AS d, \
  (SELECT value FROM point_var v WHERE v.experiment = s.experiment AND v.point = s.point AND v.name = 'k') AS k, \
  (SELECT value FROM point_var v WHERE v.experiment = s.experiment AND v.point = s.point AND v.name = 'gc') AS gc \
  FROM summary s WHERE s.experiment = '%s')", e)
sel(P, d, gc, stat) = sprintf("SELECT MAX(r.mean * 1e3, 0.01), MAX(m.mean * 1e3, 0.01), \
  MAX((r.mean - IFNULL(r.ci95, 0)) * 1e3, 0.01), (r.mean + IFNULL(r.ci95, 0)) * 1e3, \
  MAX((m.mean - IFNULL(m.ci95, 0)) * 1e3, 0.01), (m.mean + IFNULL(m.ci95, 0)) * 1e3 \
  FROM %s r JOIN %s m ON m.P = r.P AND m.d = r.d AND m.k = r.k AND m.gc = r.gc AND m.name = r.name \
  WHERE r.P = '%s' AND r.d = '%s' AND r.gc = '%s' AND r.name = '%s' ORDER BY CAST(r.k AS INTEGER)", \
  side('timer-slop-go'), side('timer-slop-real'), P, d, gc, stat)

pv(k) = sprintf("(SELECT p.value FROM sweep_param p JOIN sweep w ON w.id = p.sweep WHERE w.experiment = 'timer-slop-go' AND p.key = '%s')", k)
machine = one(sprintf("SELECT %s || ', ' || %s || ' cores'", pv('machine.go_version'), pv('machine.nproc')))

set logscale xy
set xrange [0.03:300]
set yrange [0.03:300]
set format x "%g"
set format y "%g"
set size ratio -1
set key top left box opaque font ",9" width 1 spacing 1.1
set style fill transparent solid 0.12 noborder

set output outfile('timer-slop-real')
if (one("SELECT count(*) FROM summary WHERE experiment = 'timer-slop-go'") + 0 == 0) {
  # the simulated sweep alone (make experiments): nothing to compare yet
  unset logscale
  set xrange [0:1]
  set yrange [0:1]
  unset border
  unset tics
  unset key
  set label 1 "No real Go measurements in this database: make go-probe-load (or make go-probe) loads them" at 0.5, 0.5 center font ",14"
  plot NaN notitle
  exit
}
set multiplot layout 2,3 title sprintf("Timer lateness: GMP model vs real Go (%s); 10 sleepers, k = 0, 1, 2, 4, 8 CPU-bound goroutines", \
    machine) font ",13"
do for [row = 1:2] {
  stat = row == 1 ? 'lateness_p50_s' : 'lateness_p99_s'
  do for [pi = 1:3] {
    set title sprintf("%s, GOMAXPROCS = %s", row == 1 ? 'p50' : 'p99', PS[pi])
    set xlabel (row == 2 ? "real Go (ms)" : "")
    set ylabel (pi == 1 ? sprintf("simulated %s (ms)", row == 1 ? 'p50' : 'p99') : "")
    if (pi == 1 && row == 1) { set key } else { unset key }
    plot '+' using 1:(0.5 * $1):(1.5 * $1) with filledcurves lc rgb '#2ca02c' title '+-50%', \
         x with lines lc rgb '#888888' dt 2 lw 1 title 'simulated = real', \
         for [di = 1:3] q(sel(PS[pi], DS[di], 'none', stat)) using 1:2:5:6 with yerrorbars ls di pt 7 ps 0.9 \
             title sprintf("d = %s", DS[di]), \
         for [di = 1:3] q(sel(PS[pi], DS[di], 'heap', stat)) using 1:2:5:6 with yerrorbars ls di pt 6 ps 1.1 \
             title sprintf("d = %s, GC", DS[di])
  }
}
unset multiplot
