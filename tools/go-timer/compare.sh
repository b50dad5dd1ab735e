#!/bin/sh
# compare.sh DB: the markdown table of docs/go-runtime.md ("Real Go vs the
# model"): per configuration of the probe's grid, real and simulated timer
# lateness p50 and p99 (ms: the real mean over the probe's replications,
# their range in brackets; the simulated mean) and the ratios simulated /
# real, in bold where outside the +-50% goal (0.5 .. 1.5). DB holds both
# experiments (make go-probe-load).
set -eu
db=$1
sqlite3 -batch -separator '|' "$db" <<'SQL'
CREATE TEMP TABLE t AS
WITH v AS (
  SELECT experiment, point,
    max(CASE WHEN name = 'P' THEN CAST(value AS INTEGER) END) AS P,
    max(CASE WHEN name = 'd' THEN value END) AS d,
    max(CASE WHEN name = 'd' THEN CAST(replace(value, 'ms', '') AS INTEGER) END) AS dms,
    max(CASE WHEN name = 'k' THEN CAST(value AS INTEGER) END) AS k,
    max(CASE WHEN name = 'gc' THEN value END) AS gc
  FROM point_var WHERE experiment IN ('timer-slop-go', 'timer-slop-real') GROUP BY experiment, point),
x AS (
  SELECT v.*, max(CASE WHEN s.name = 'lateness_p50_s' THEN s.mean END) * 1e3 AS p50,
              max(CASE WHEN s.name = 'lateness_p99_s' THEN s.mean END) * 1e3 AS p99
  FROM v JOIN summary s USING (experiment, point) GROUP BY v.experiment, v.point),
t AS (
  SELECT r.gc, r.P, r.dms, r.d, r.k, r.p50 AS rp50, m.p50 AS mp50, m.p50 / r.p50 AS q50,
         r.p99 AS rp99, m.p99 AS mp99, m.p99 / r.p99 AS q99,
         (SELECT printf('%.2g–%.2g', min(g.p50_ns) / 1e6, max(g.p50_ns) / 1e6) FROM go_probe g WHERE g.point = r.point) AS rr50,
         (SELECT printf('%.2g–%.2g', min(g.p99_ns) / 1e6, max(g.p99_ns) / 1e6) FROM go_probe g WHERE g.point = r.point) AS rr99
  FROM x r JOIN x m ON m.experiment = 'timer-slop-real' AND m.P = r.P AND m.d = r.d AND m.k = r.k AND m.gc = r.gc
  WHERE r.experiment = 'timer-slop-go')
SELECT * FROM t;
SELECT '| GC | P | d | k | real p50 (runs) | sim p50 | ratio | real p99 (runs) | sim p99 | ratio |' UNION ALL
SELECT '|---|---|---|---|---:|---:|---:|---:|---:|---:|' UNION ALL
SELECT * FROM (SELECT printf('| %s | %d | %s | %d | %.3f (%s) | %.3f | %s%.2f%s | %.3f (%s) | %.3f | %s%.2f%s |', gc, P, d, k,
  rp50, rr50, mp50, CASE WHEN q50 < 0.5 OR q50 > 1.5 THEN '**' ELSE '' END, q50, CASE WHEN q50 < 0.5 OR q50 > 1.5 THEN '**' ELSE '' END,
  rp99, rr99, mp99, CASE WHEN q99 < 0.5 OR q99 > 1.5 THEN '**' ELSE '' END, q99, CASE WHEN q99 < 0.5 OR q99 > 1.5 THEN '**' ELSE '' END)
  FROM t ORDER BY gc DESC, P, dms, k);
SELECT '';
SELECT printf('Within +-50%%: p50 %d of %d, p99 %d of %d, both %d.', sum(q50 BETWEEN 0.5 AND 1.5), count(*),
  sum(q99 BETWEEN 0.5 AND 1.5), count(*), sum(q50 BETWEEN 0.5 AND 1.5 AND q99 BETWEEN 0.5 AND 1.5)) FROM t;
SQL
