# slop-storm.gp: a retry storm with the GMP model off and on at several
# client CPU loads, experiments/slop-storm.ini.
# slop-storm.png: server arrivals per 10 ms around the outage's end
# (replication 0 of the 10 ms-bucket runs): the model off in grey, on in
# colour; a row per CPU load k (never-yielding goroutines on 2 Ps), a column
# per jitter. slop-storm-summary.png: amplification, limiter rejections,
# the largest 10 ms burst and the recovery time (100 ms-bucket runs)
# against the load, mean +- 95% CI over 5 replications.

E = 'slop-storm'
array JS[2] = ['full', 'none']
array KS[3] = ['0', '2', '4']
array KT[3] = ['k = 0: Ps idle', 'k = 2: every P busy', 'k = 4: oversubscribed']
array KL[3] = [1, 2, 4]
T0 = 29.8
T1 = 30.8

run(b, j, g, k) = sprintf("SELECT r.id FROM run r \
  JOIN runvar vb ON vb.run = r.id AND vb.name = 'bucket' AND vb.value = '%s' \
  JOIN runvar vj ON vj.run = r.id AND vj.name = 'jitter' AND vj.value = '%s' \
  JOIN runvar vg ON vg.run = r.id AND vg.name = 'gmp' AND vg.value = '%s' \
  JOIN runvar vk ON vk.run = r.id AND vk.name = 'k' AND vk.value = '%s' \
  WHERE r.experiment = '%s' AND r.replication = 0 AND r.status = 'ok'", b, j, g, k, E)
arr(j, g, k) = sprintf("SELECT t_ns / 1e9, server_arrivals FROM series WHERE run = (%s) \
  AND t_ns >= %.0f AND t_ns < %.0f ORDER BY t_ns", run('10ms', j, g, k), T0 * 1e9, T1 * 1e9)

set output outfile(E)
set multiplot layout 3,2 title "Server arrivals per 10 ms as the outage ends (t = 30 s): GMP model off (grey) vs on (colour), 2 Ps, k CPU-bound goroutines" font ",13"
set xrange [T0:T1]
set yrange [0:260]
set xtics 0.1
set grid
set key top right box opaque font ",9"
do for [ki = 1:3] {
  do for [ji = 1:2] {
    set title sprintf("jitter %s, %s", JS[ji], KT[ki]) font ",11"
    set xlabel (ki == 3 ? "simulated time (s)" : "")
    set ylabel (ji == 1 ? "server arrivals / 10 ms" : "")
    set arrow 1 from 30, graph 0 to 30, graph 1 nohead lc rgb '#444444' dt 2 lw 1.2
    set label 1 "outage ends" at 30.01, graph 0.93 font ",9" tc rgb '#444444'
    if (ki == 1 && ji == 1) { set key } else { unset key }
    plot q(arr(JS[ji], 'false', '0')) using 1:2 with steps lc rgb '#9a9a9a' lw 1.5 title 'model off', \
         q(arr(JS[ji], 'true', KS[ki])) using 1:2 with steps ls KL[ki] lw 1.3 title 'model on', \
         10 with lines lc rgb '#000000' dt 3 lw 1 title 'limiter rate (10 / 10 ms)'
  }
}
unset multiplot
unset arrow 1
unset label 1

# ---- summary ------------------------------------------------------------
sm(b, j, name, scale) = sprintf("SELECT CASE WHEN g.value = 'false' THEN 0 ELSE \
    CASE k.value WHEN '0' THEN 1 WHEN '1' THEN 2 WHEN '2' THEN 3 ELSE 4 END END + %s, \
  s.mean * %g, IFNULL(s.ci95, 0) * %g FROM summary s \
  JOIN point_var vb ON vb.experiment = s.experiment AND vb.point = s.point AND vb.name = 'bucket' AND vb.value = '%s' \
  JOIN point_var vj ON vj.experiment = s.experiment AND vj.point = s.point AND vj.name = 'jitter' AND vj.value = '%s' \
  JOIN point_var g ON g.experiment = s.experiment AND g.point = s.point AND g.name = 'gmp' \
  JOIN point_var k ON k.experiment = s.experiment AND k.point = s.point AND k.name = 'k' \
  WHERE s.experiment = '%s' AND s.name = '%s' ORDER BY 1", (j eq 'full' ? '-0.06' : '0.06'), scale, scale, b, j, E, name)

set output outfile(E . '-summary')
set multiplot layout 1,4 title "The storm with the GMP model off (timers exact) and on (2 Ps, k CPU-bound goroutines): mean +- 95% CI, 5 runs" font ",13"
set xrange [-0.5:4.5]
set xtics ("off" 0, "k=0" 1, "k=1" 2, "k=2" 3, "k=4" 4)
set autoscale y
set xlabel "off | on, k CPU-bound goroutines" font ",10"
set key bottom right box opaque font ",10"
set title "amplification (server arrivals / call)" font ",11"
set ylabel ""
plot for [ji = 1:2] q(sm('100ms', JS[ji], 'amplification', 1)) using 1:2:3 with yerrorlines ls ji title sprintf("jitter %s", JS[ji])
unset key
set title "limiter rejections (429)" font ",11"
plot for [ji = 1:2] q(sm('100ms', JS[ji], 'rejected_limiter', 1)) using 1:2:3 with yerrorlines ls ji notitle
set title "largest burst (arrivals in 10 ms)" font ",11"
plot for [ji = 1:2] q(sm('10ms', JS[ji], 'peak_arrivals_per_bucket', 1)) using 1:2:3 with yerrorlines ls ji notitle
set title "recovery time after the outage (s)" font ",11"
plot for [ji = 1:2] q(sm('100ms', JS[ji], 'recovery_time_s', 1)) using 1:2:3 with yerrorlines ls ji notitle
unset multiplot
