# retry-breaker.gp: Brooker's 2022 retry-policy comparison
# (experiments/retry-breaker.ini).
#   retry-breaker: attempts per call (top) and success rate (bottom) vs the
#     probability that an attempt fails, one line per policy (points: mean
#     over replications, bars: 95% CI), with the closed forms (dashed): three
#     retries 1 + p + p^2 + p^3; the breaker that, closed while its failures
#     per call p (1 + p + p^2 + p^3) stay <= 0.1, then letting retries
#     through only as fast as the ratio allows, open above p = 0.1.
# Run by tools/plot.sh after common.gp (exp, out, term and one(), q() are set there).

PV = sprintf("(SELECT point, name, value FROM point_var WHERE experiment = '%s')", exp)
NREP = real(one(sprintf("SELECT max(n) FROM summary WHERE experiment = '%s' AND name = 'calls'", exp)))
# mean, ci95 of scalar sc vs p for the policy given by (attempts, breaker, budget); p = 0 is left out of the log axis
pol(sc, att, brk, bud) = q(sprintf( \
  "SELECT CAST(p.value AS REAL), s.mean, s.ci95 FROM summary s \
   JOIN %s p ON p.point = s.point AND p.name = 'p' \
   JOIN %s a ON a.point = s.point AND a.name = 'attempts' AND a.value = '%s' \
   JOIN %s b ON b.point = s.point AND b.name = 'breaker' AND b.value = '%s' \
   JOIN %s g ON g.point = s.point AND g.name = 'budget' AND g.value = '%s' \
   WHERE s.experiment = '%s' AND s.name = '%s' AND CAST(p.value AS REAL) > 0 ORDER BY 1", \
  PV, PV, att, PV, brk, PV, bud, exp, sc))

three(p) = 1 + p + p**2 + p**3
fails(p) = p * three(p)
breaker(p) = fails(p) <= 0.1 ? three(p) : p < 0.1 ? 0.1 / p : 1

set output outfile(exp)
set multiplot layout 2, 1 margins 0.08, 0.97, 0.08, 0.84 spacing 0, 0.1 \
    title sprintf("{/:Bold=15 Retries under independent failures: three retries, a retry-only circuit breaker, a retry budget}\n1000 calls/s from 100 clients; each attempt fails with probability p and is retried at once (no backoff); 10 ms network each way.\nBreaker (Brooker 2022): a retry only while the client's failed attempts per call, since the start, stay <= 0.1.\nPoints: mean, bars: 95%% CI over %g replications; dashed: closed forms.", NREP) font ",12"
set logscale x
set xrange [0.00007 : 0.7]
set format x "%g"
set xtics ("0.0001" 0.0001, "0.001" 0.001, "0.01" 0.01, "0.05" 0.05, "0.1" 0.1, "0.2" 0.2, "0.5" 0.5)
set ylabel "attempts per call (amplification)"
set yrange [0.97 : 1.95]
set key top left
set samples 400
plot pol('amplification', '1', 'false', 'false') using 1:2:3 with yerrorlines ls 8 title 'no retries', \
     pol('amplification', '4', 'false', 'false') using 1:2:3 with yerrorlines ls 2 title 'three retries', \
     pol('amplification', '4', 'true', 'false') using 1:2:3 with yerrorlines ls 1 title 'breaker, 10% failures per call', \
     pol('amplification', '4', 'false', 'true') using 1:2:3 with yerrorlines ls 3 title 'retry budget, 10% of calls per 10 s', \
     [0.0001:0.5] three(x) with lines ls 2 dt 2 lw 1.5 notitle, \
     [0.0001:0.5] breaker(x) with lines ls 1 dt 2 lw 1.5 notitle
set xlabel "probability that an attempt fails (p)"
set ylabel "success rate (calls)"
set yrange [0.45 : 1.02]
set key bottom left
plot pol('success_rate', '1', 'false', 'false') using 1:2:3 with yerrorlines ls 8 title 'no retries', \
     pol('success_rate', '4', 'false', 'false') using 1:2:3 with yerrorlines ls 2 title 'three retries', \
     pol('success_rate', '4', 'true', 'false') using 1:2:3 with yerrorlines ls 1 title 'breaker', \
     pol('success_rate', '4', 'false', 'true') using 1:2:3 with yerrorlines ls 3 title 'retry budget', \
     [0.0001:0.5] 1 - x**4 with lines ls 2 dt 2 lw 1.5 notitle, \
     [0.0001:0.5] 1 - x with lines ls 8 dt 2 lw 1.5 notitle
unset multiplot
