#!/bin/sh
# run_default.sh BIN: the default experiment behind `make run`: small
# versions of backoff-sweep and outage-capacity (experiments/quick/), their
# charts (plots/out/quick/), and a one-screen summary read from the
# databases (results/quick/). Running it again resumes the sweeps: runs
# already in a database are skipped, so a second `make run` only redraws.
set -eu
bin=$1
db_dir=results/quick
out=plots/out/quick
mkdir -p "$db_dir" "$out"
for e in backoff-sweep outage-capacity; do
    echo "== $e (experiments/quick/$e.ini)"
    "$bin" sweep experiments/quick/$e.ini --db $db_dir/$e.db
    sh tools/plot.sh $db_dir/$e.db $e $out
done

bs=$db_dir/backoff-sweep.db
oc=$db_dir/outage-capacity.db
T=30 # recovery target (s), as in plots/outage-capacity.gp

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
for f in backoff-sweep-amplification backoff-sweep-timeline outage-capacity outage-capacity-recovery; do
    echo "  $out/$f.png"
done
echo "Databases: $bs, $oc (full size: make experiments -> plots/out/)"

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
echo "outage-capacity: $(param $oc outage-capacity arrivals.rate) calls/s Poisson; the server stalls (capacity 0) for D s"
echo "  minimum headroom (capacity / load - 1) that recovers within $T s in every replication,"
echo "  as every larger headroom tested does ('>max': none tested did; '-': not run)"
sqlite3 -batch "$oc" "
WITH pv AS $(pv outage-capacity),
raw AS (SELECT point,
          MAX(CASE WHEN name = 'attempts' THEN value END) AS att,
          MAX(CASE WHEN name = 'backoff' THEN value END) AS bo,
          MAX(CASE WHEN name = 'jitter' THEN value END) AS jit,
          MAX(CASE WHEN name = 'limiter' THEN value END) AS lim,
          MAX(CASE WHEN name = 'retry_after' THEN value END) AS ra,
          MAX(CASE WHEN name = 'budget' THEN value END) AS bud,
          MAX(CASE WHEN name = 'stall_end' THEN value END) AS se
        FROM pv GROUP BY point),
start AS (SELECT CAST(replace(substr(value, 1, instr(value, '-') - 1), 's', '') AS REAL) AS s
          FROM param WHERE key = 'server.outages' AND run = (SELECT max(id) FROM run WHERE experiment = 'outage-capacity')),
pts AS (SELECT p.point,
          CASE WHEN p.bud = 'true' THEN 8 WHEN p.lim = 'token_bucket' AND p.ra <> '0s' THEN 7 WHEN p.lim = 'token_bucket' THEN 6
               WHEN p.att = '1' THEN 1 WHEN p.att = '5' THEN 5 WHEN p.bo = 'constant' THEN 2
               WHEN p.jit = 'full' THEN 3 ELSE 4 END AS pol,
          CAST(replace(p.se, 's', '') AS REAL) - (SELECT s FROM start) AS d,
          ROUND(100.0 * (pk.mean / po.mean
                / (SELECT bucket_ns / 1e9 FROM run WHERE experiment = 'outage-capacity' AND point = p.point ORDER BY id DESC LIMIT 1)
                / (SELECT CAST(value AS REAL) FROM param WHERE key = 'arrivals.rate'
                   AND run = (SELECT max(id) FROM run WHERE experiment = 'outage-capacity' AND point = p.point)) - 1), 2) AS h,
          (rs.n = cs.n AND rs.mean <= $T) AS good
        FROM raw p
        JOIN summary pk ON pk.experiment = 'outage-capacity' AND pk.point = p.point AND pk.name = 'peak_arrivals_per_bucket'
        JOIN summary po ON po.experiment = 'outage-capacity' AND po.point = p.point AND po.name = 'peak_over_capacity'
        JOIN summary rs ON rs.experiment = 'outage-capacity' AND rs.point = p.point AND rs.name = 'recovery_time_s'
        JOIN summary cs ON cs.experiment = 'outage-capacity' AND cs.point = p.point AND cs.name = 'calls'),
mins AS (SELECT pol, d, (SELECT MIN(o2.h) FROM pts o2 WHERE o2.pol = o.pol AND o2.d = o.d AND o2.good
                           AND NOT EXISTS (SELECT 1 FROM pts o3 WHERE o3.pol = o2.pol AND o3.d = o2.d
                                           AND o3.h > o2.h AND NOT o3.good)) AS m
         FROM pts o GROUP BY pol, d),
ds AS (SELECT DISTINCT d FROM pts),
pols(pol, label) AS (VALUES (1, 'no retries'), (2, '3 attempts, immediate'),
          (3, '3 attempts, exp. backoff + full jitter'), (4, '3 attempts, exp. backoff, no jitter'),
          (5, '5 attempts, exp. backoff + full jitter'), (6, '3 + full jitter, limiter 0.9 x capacity'),
          (7, '3 + full jitter, limiter + Retry-After 2 s'), (8, '3 + full jitter, retry budget 10%'))
SELECT printf('  %-43s', 'policy') || (SELECT group_concat(c, '') FROM (SELECT printf('%9s', printf('D=%gs', d)) AS c FROM ds ORDER BY d))
UNION ALL
SELECT * FROM (SELECT printf('  %-43s', pols.label) ||
         (SELECT group_concat(c, '') FROM (SELECT printf('%9s',
                   CASE WHEN NOT EXISTS (SELECT 1 FROM pts WHERE pts.pol = pols.pol AND pts.d = ds.d) THEN '-'
                        WHEN m.m IS NULL THEN '>max' ELSE printf('%g%%', m.m) END) AS c
                 FROM ds LEFT JOIN mins m ON m.pol = pols.pol AND m.d = ds.d ORDER BY ds.d))
       FROM pols ORDER BY pols.pol);"
