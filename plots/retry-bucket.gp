# retry-bucket.gp: Brooker's 2022 adaptive retry token bucket
# (experiments/retry-bucket.ini).
#   retry-bucket: attempts per call (top) and success rate (bottom) vs the
#     probability that an attempt fails, for three retries and for unlimited
#     retries under the bucket (points: mean over replications, bars: 95% CI),
#     with three retries' closed form 1 + p + p^2 + p^3, unlimited retries'
#     1 / (1 - p), and the bucket's bound in a 10 s run (dashed): 1 + 0.1
#     per call + the 5 initial tokens of each of 100 clients over 10,000
#     calls.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

PV = sprintf("(SELECT point, name, value FROM point_var WHERE experiment = '%s')", exp)
NREP = real(one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp)))
# mean, ci95 of scalar sc vs p for the policy given by attempts; p = 0 is left out of the log axis
pol(sc, att) = q(sprintf( \
  "SELECT CAST(p.value AS REAL), s.mean, s.ci95 FROM summary s \
   JOIN %s p ON p.point = s.point AND p.name = 'p' \
   JOIN %s a ON a.point = s.point AND a.name = 'attempts' AND a.value = '%s' \
   WHERE s.experiment = '%s' AND s.name = '%s' AND CAST(p.value AS REAL) > 0 ORDER BY 1", \
  PV, PV, att, exp, sc))

three(p) = 1 + p + p**2 + p**3

set output outfile(exp)
set multiplot layout 2, 1 margins 0.08, 0.97, 0.08, 0.84 spacing 0, 0.1 \
    title sprintf("{/:Bold=15 Retries under independent failures: three retries vs Brooker's adaptive retry bucket}\n1000 calls/s from 100 clients for 10 s; each attempt fails with probability p and is retried at once (no backoff); 10 ms network each way.\nBucket (Brooker 2022): per client, full at 5, +0.1 per call start, a retry only while it holds more than 1, cost 1, no cap on retries.\nPoints: mean, bars: 95%% CI over %g replications; dashed: closed forms and the bucket's bound.", NREP) font ",12"
set logscale x
set xrange [0.00007 : 0.7]
set format x "%g"
set xtics ("0.0001" 0.0001, "0.001" 0.001, "0.01" 0.01, "0.05" 0.05, "0.1" 0.1, "0.2" 0.2, "0.5" 0.5)
set ylabel "attempts per call (amplification)"
set yrange [0.97 : 1.95]
set key top left
set samples 400
plot pol('amplification', '4') using 1:2:3 with yerrorlines ls 2 title 'three retries', \
     pol('amplification', 'unlimited') using 1:2:3 with yerrorlines ls 1 title 'adaptive bucket, unlimited retries', \
     [0.0001:0.5] three(x) with lines ls 2 dt 2 lw 1.5 notitle, \
     [0.0001:0.2] 1 / (1 - x) with lines ls 1 dt 3 lw 1.5 notitle, \
     [0.0001:0.5] 1.15 with lines ls 1 dt 2 lw 1.5 notitle
set xlabel "probability that an attempt fails (p)"
set ylabel "success rate (calls)"
set yrange [0.45 : 1.02]
set key bottom left
plot pol('success_rate', '4') using 1:2:3 with yerrorlines ls 2 title 'three retries', \
     pol('success_rate', 'unlimited') using 1:2:3 with yerrorlines ls 1 title 'adaptive bucket', \
     [0.0001:0.5] 1 - x**4 with lines ls 2 dt 2 lw 1.5 notitle
unset multiplot
