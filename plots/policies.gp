# policies.gp: server load per call and success rate vs failure probability
# p, one line per client (no retries, 3 retries, token bucket, breaker).
# Reads summary (mean, ci95 per point) joined with point_var.

label = "CASE WHEN a.value = '1' THEN 0 WHEN q.value = 'grpc' THEN 2 WHEN b.value = 'true' THEN 3 ELSE 1 END"
sel(metric, k) = q(sprintf("SELECT p.value, s.mean, coalesce(s.ci95, 0) FROM summary s " . \
    "JOIN point_var p ON p.experiment = s.experiment AND p.point = s.point AND p.name = 'p' " . \
    "JOIN point_var a ON a.experiment = s.experiment AND a.point = s.point AND a.name = 'attempts' " . \
    "JOIN point_var q ON q.experiment = s.experiment AND q.point = s.point AND q.name = 'quota' " . \
    "JOIN point_var b ON b.experiment = s.experiment AND b.point = s.point AND b.name = 'breaker' " . \
    "WHERE s.experiment = '%s' AND s.name = '%s' AND %s = %d ORDER BY p.value + 0", exp, metric, label, k))
theory = "(1 - x**4) / (1 - x)"

set output outfile('policies')
set multiplot layout 1,2 title "Independent failures (Brooker 2022): 200 calls/s, each request fails with probability p\n{/*0.8 mean and 95% CI over 10 replications; 4 attempts = 3 retries with exponential backoff + full jitter}"
set xlabel "failure probability p"
set xrange [-0.02:0.77]
set ylabel "server requests per call"
set yrange [0:3]
set key top left
plot sel('amplification', 0) u 1:2:3 w yerrorlines ls 8 t 'no retries', \
     sel('amplification', 1) u 1:2:3 w yerrorlines ls 2 t '3 retries', \
     sel('amplification', 2) u 1:2:3 w yerrorlines ls 3 t 'token bucket (gRPC 10, 0.1)', \
     sel('amplification', 3) u 1:2:3 w yerrorlines ls 1 t 'circuit breaker', \
     (1 - x**4) / (1 - x) w l dt 2 lc rgb '#d62728' t 'theory, 3 retries: (1-p^4)/(1-p)'
set ylabel "success rate"
set yrange [0:1.05]
set key at graph 0.02, graph 0.33 left Left reverse
plot sel('success_rate', 0) u 1:2:3 w yerrorlines ls 8 t 'no retries', \
     sel('success_rate', 1) u 1:2:3 w yerrorlines ls 2 t '3 retries', \
     sel('success_rate', 2) u 1:2:3 w yerrorlines ls 3 t 'token bucket (gRPC 10, 0.1)', \
     sel('success_rate', 3) u 1:2:3 w yerrorlines ls 1 t 'circuit breaker', \
     1 - x**4 w l dt 2 lc rgb '#d62728' t 'theory, 3 retries: 1-p^4', \
     1 - x w l dt 3 lc rgb '#7f7f7f' t 'theory, no retries: 1-p'
unset multiplot
