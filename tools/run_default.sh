#!/bin/sh
# run_default.sh BIN: the default experiment behind `make run`: a small
# version of backoff-sweep (a sweep) and of capacity-plan (a search:
# experiments/quick/), their charts (plots/out/quick/), and a one-screen
# summary read from the databases (results/quick/). Running it again
# resumes: runs already in a database are not run again, so a second
# `make run` only redraws.
set -eu
bin=$1
db_dir=results/quick
out=plots/out/quick
mkdir -p "$db_dir" "$out"
for e in backoff-sweep capacity-plan; do
    echo "== $e (experiments/quick/$e.ini)"
    if grep -q '^\[search\]' experiments/quick/$e.ini; then cmd=search; else cmd=sweep; fi
    "$bin" $cmd experiments/quick/$e.ini --db $db_dir/$e.db --quiet > $db_dir/$e.out
    sh tools/plot.sh $db_dir/$e.db $e $out
done

bs=$db_dir/backoff-sweep.db
cp=$db_dir/capacity-plan.db

# The variables of each sweep point of experiment $1 (its latest text).
pv() {
    echo "(SELECT point, name, value FROM point_var WHERE experiment = '$1')"
}
# One value of the latest run of an experiment: param KEY of DB EXP.
param() {
    sqlite3 -batch "$1" "SELECT value FROM param WHERE key = '$3' AND run =
      (SELECT max(id) FROM run WHERE experiment = '$2' AND status = 'ok')"
}
# Server capacity (req/s) as the run's peak_over_capacity counts it.
capacity() {
    sqlite3 -batch "$1" "SELECT printf('%g', p.value / o.value / (r.bucket_ns / 1e9))
      FROM scalar p, scalar o, run r
      WHERE r.id = (SELECT max(id) FROM run WHERE experiment = '$2' AND status = 'ok')
        AND p.run = r.id AND o.run = r.id AND p.name = 'peak_arrivals_per_bucket' AND o.name = 'peak_over_capacity'"
}

echo
echo "Charts (PNG; SVG beside each):"
for f in backoff-sweep-amplification backoff-sweep-timeline capacity-plan; do
    echo "  $out/$f.png"
done
echo "Databases: $bs, $cp (full size: make experiments -> plots/out/)"

echo
echo "backoff-sweep: $(param $bs backoff-sweep arrivals.rate) calls/s Poisson, capacity $(capacity $bs backoff-sweep) req/s," \
     "outage $(param $bs backoff-sweep server.outages); base 1 s, multiplier 2"
echo "  server arrivals per call over the run (peak arrivals in 1 s / capacity); mean over replications"
sqlite3 -batch "$bs" "
WITH pv AS $(pv backoff-sweep),
pts AS (SELECT point,
          MAX(CASE WHEN name = 'base' THEN value END) AS base,
          MAX(CASE WHEN name = 'multiplier' THEN value END) AS mult,
          CAST(MAX(CASE WHEN name = 'max_attempts' THEN value END) AS INT) AS att,
          MAX(CASE WHEN name = 'jitter' THEN value END) AS jit
        FROM pv GROUP BY point),
v AS (SELECT p.att, p.jit, printf('%.2f (%.1fx)', a.mean, k.mean) AS txt
      FROM pts p
      JOIN summary a ON a.experiment = 'backoff-sweep' AND a.point = p.point AND a.name = 'amplification'
      JOIN summary k ON k.experiment = 'backoff-sweep' AND k.point = p.point AND k.name = 'peak_over_capacity'
      WHERE p.base = '1s' AND p.mult = '2')
SELECT printf('  %-9s %-14s %-14s %-14s %s', 'attempts', 'no jitter', 'full jitter', 'equal jitter', 'decorrelated')
UNION ALL
SELECT * FROM (SELECT printf('  %-9d %-14s %-14s %-14s %s', att,
         MAX(CASE WHEN jit = 'none' THEN txt END), MAX(CASE WHEN jit = 'full' THEN txt END),
         MAX(CASE WHEN jit = 'equal' THEN txt END), MAX(CASE WHEN jit = 'decorrelated' THEN txt END))
       FROM v GROUP BY att ORDER BY att);"

echo
echo "capacity-plan: $(param $cp capacity-plan arrivals.rate) calls/s Poisson; the server stalls (capacity 0) for D s."
echo "  least headroom (capacity / load - 1) that recovers within 30 s, found by retrysim search;"
echo "  in brackets the headroom below it that did not pass: the boundary lies in between"
sqlite3 -batch "$cp" "
WITH cur AS (SELECT sweep FROM summary WHERE experiment = 'capacity-plan' LIMIT 1),
one AS (SELECT r.id FROM run r WHERE r.sweep = (SELECT sweep FROM cur) AND r.status = 'ok' ORDER BY r.id LIMIT 1),
k AS (SELECT p.value / o.value / (r.bucket_ns / 1e9) / CAST(w.value AS REAL) AS per_worker,
             CAST(a.value AS REAL) AS load,
             CAST(replace(substr(g.value, 1, instr(g.value, '-') - 1), 's', '') AS REAL) AS start
      FROM run r JOIN scalar p ON p.run = r.id AND p.name = 'peak_arrivals_per_bucket'
      JOIN scalar o ON o.run = r.id AND o.name = 'peak_over_capacity'
      JOIN param w ON w.run = r.id AND w.key = 'server.workers'
      JOIN param a ON a.run = r.id AND a.key = 'arrivals.rate'
      JOIN param g ON g.run = r.id AND g.key = 'server.outages'
      WHERE r.id = (SELECT id FROM one)),
g AS (SELECT s.*,
        (SELECT value FROM point_var v WHERE v.experiment = 'capacity-plan' AND v.point = s.point AND v.name = 'attempts') AS att,
        (SELECT value FROM point_var v WHERE v.experiment = 'capacity-plan' AND v.point = s.point AND v.name = 'budget') AS bud,
        (SELECT value FROM point_var v WHERE v.experiment = 'capacity-plan' AND v.point = s.point AND v.name = 'limiter') AS lim,
        (SELECT value FROM point_var v WHERE v.experiment = 'capacity-plan' AND v.point = s.point AND v.name = 'stall_end') AS se
      FROM search s WHERE s.sweep = (SELECT sweep FROM cur)),
r AS (SELECT CASE WHEN bud = 'true' THEN 4 WHEN lim = 'token_bucket' THEN 5 WHEN att = '1' THEN 1 WHEN att = '5' THEN 3 ELSE 2 END AS pol,
        CAST(replace(se, 's', '') AS REAL) - (SELECT start FROM k) AS d,
        CASE WHEN status IN ('found', 'non_monotone')
             THEN printf('%g%% (%g%%)', round(100 * (boundary * (SELECT per_worker FROM k) / (SELECT load FROM k) - 1), 2),
                                         round(100 * (other * (SELECT per_worker FROM k) / (SELECT load FROM k) - 1), 2))
             WHEN status = 'all_pass' THEN printf('<= %g%%', round(100 * (boundary * (SELECT per_worker FROM k) / (SELECT load FROM k) - 1), 2))
             ELSE '> max' END AS txt
      FROM g),
ds AS (SELECT DISTINCT d FROM r),
pols(pol, label) AS (VALUES (1, 'no retries'), (2, '3 attempts, full jitter'), (3, '5 attempts, full jitter'),
                            (4, '3 + retry budget 10%'), (5, '3 + limiter 0.9 x capacity'))
SELECT printf('  %-28s', 'policy') || (SELECT group_concat(c, '') FROM (SELECT printf('%17s', printf('D=%gs', d)) AS c FROM ds ORDER BY d))
UNION ALL
SELECT * FROM (SELECT printf('  %-28s', pols.label) ||
         (SELECT group_concat(c, '') FROM (SELECT printf('%17s', coalesce(r.txt, '-')) AS c
                 FROM ds LEFT JOIN r ON r.pol = pols.pol AND r.d = ds.d ORDER BY ds.d))
       FROM pols ORDER BY pols.pol);"
