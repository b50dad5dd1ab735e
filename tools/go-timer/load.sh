#!/bin/sh
# load.sh DIR DB: load the go-timer probe's grid (DIR/runs.csv, hist.csv,
# machine.csv, written by grid.sh) into the results database DB as the
# experiment 'timer-slop-go', next to the simulated 'timer-slop-real'
# (retrysim sweep experiments/timer-slop-real.ini --db DB), so that charts
# read both the same way (summary + point_var):
#   sweep        one row; config_text = machine.csv; version = the Go version
#   sweep_param  machine.nproc, machine.cpu_model, machine.kernel,
#                machine.go_version, machine.date, probe.duration,
#                probe.warmup, probe.replications, probe.sleepers,
#                probe.alloc_bytes_per_unit
#   sweep_var    per configuration (point): P, d (1ms, 10ms, 100ms), k, gc
#                (none; heap: the CPU-bound goroutines allocate) -- the
#                variables of experiments/timer-slop-real.ini
#   run          one per probe run (point, replication, seed = the phases')
#   scalars      lateness_mean_s, lateness_p50_s, lateness_p90_s,
#                lateness_p99_s, lateness_max_s, timer_wakeups, gc_cycles
#   summary      the same per point over its replications: n, mean, sd,
#                ci95 (Student t), as retrysim writes it
#   histogram    timer_lateness (ns), per run
#   go_probe     every column the probe printed, per run (documented in
#                docs/go-runtime.md): loadavg1, other_cpu_s, alloc_mib_per_cpu_s,
#                GC pauses
# Loading again replaces the experiment's rows. A new database gets the
# schema (results/schema.sql) and user_version 2, as retrysim would.
set -eu
dir=$1 db=$2
for f in runs.csv hist.csv machine.csv; do
    [ -f "$dir/$f" ] || { echo "load.sh: no $dir/$f (run grid.sh first)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "load.sh: sqlite3 missing: apt-get install sqlite3" >&2; exit 1; }
v=$(sqlite3 "$db" "PRAGMA user_version")
if [ "$v" = 0 ]; then
    sqlite3 "$db" < results/schema.sql
    sqlite3 "$db" "PRAGMA user_version = 2"
fi
# the scalars table in whatever columns it has (retrysim adds the rest)
sqlite3 "$db" "CREATE TABLE IF NOT EXISTS scalars (run INTEGER PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE)"
for c in lateness_mean_s lateness_p50_s lateness_p90_s lateness_p99_s lateness_max_s timer_wakeups gc_cycles; do
    if [ "$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('scalars') WHERE name = '$c'")" = 0 ]; then
        sqlite3 "$db" "ALTER TABLE scalars ADD COLUMN $c REAL"
    fi
done
# probes before other_cpu_s was measured: the column is NULL
other=other_cpu_s
head -n 1 "$dir/runs.csv" | grep -q other_cpu_s || other=NULL
sqlite3 "$db" <<SQL
PRAGMA foreign_keys = ON;
CREATE TEMP TABLE m (key TEXT, value TEXT);
CREATE TEMP TABLE h (run INTEGER, lower INTEGER, upper INTEGER, count INTEGER);
.mode csv
.import --schema temp --skip 1 '$dir/machine.csv' m
.import --schema temp '$dir/hist.csv' h
.import --schema temp '$dir/runs.csv' r
DROP TABLE IF EXISTS go_probe;
CREATE TABLE go_probe (
    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    run INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    point INTEGER NOT NULL, replication INTEGER NOT NULL,
    procs INTEGER, sleep_ns INTEGER, k INTEGER,
    alloc INTEGER,                 -- bytes per work unit of each CPU-bound goroutine (0: none)
    sleepers INTEGER, duration_s REAL,
    samples INTEGER,               -- measured sleeps
    p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, mean_ns REAL, max_ns INTEGER,
    gc_cycles INTEGER, gc_pauses INTEGER,
    gc_pause_p50_ns INTEGER, gc_pause_max_ns INTEGER, -- upper bounds of runtime/metrics buckets
    alloc_mib REAL, alloc_mib_per_cpu_s REAL, cpu_s REAL,
    loadavg1 REAL,                 -- the machine's 1-minute load average at the end
    go_version TEXT, ncpu INTEGER,
    other_cpu_s REAL,              -- CPU time every other process used meanwhile (/proc/stat); NULL: not measured
    PRIMARY KEY (sweep, point, replication)
);
DELETE FROM summary WHERE experiment = 'timer-slop-go';
DELETE FROM sweep WHERE experiment = 'timer-slop-go';
INSERT INTO sweep (experiment, config_hash, config_path, config_text, version, created, runs, points, repeat)
SELECT 'timer-slop-go', 'go-timer ' || (SELECT value FROM m WHERE key = 'date'), 'tools/go-timer/grid.sh',
       (SELECT group_concat(key || ',' || value, char(10)) FROM m), (SELECT value FROM m WHERE key = 'go_version'),
       (SELECT value FROM m WHERE key = 'date'), (SELECT count(*) FROM r), (SELECT count(DISTINCT point) FROM r),
       (SELECT max(CAST(rep AS INTEGER)) + 1 FROM r);
CREATE TEMP TABLE s AS SELECT id FROM sweep WHERE experiment = 'timer-slop-go';
INSERT INTO sweep_param SELECT (SELECT id FROM s),
  CASE WHEN key IN ('duration', 'warmup', 'replications', 'sleepers', 'alloc_bytes_per_unit') THEN 'probe.' ELSE 'machine.' END
  || key, value FROM m;
CREATE TEMP TABLE pt AS SELECT DISTINCT CAST(point AS INTEGER) AS point, procs, sleep_ns, k, alloc FROM r;
INSERT INTO sweep_var SELECT (SELECT id FROM s), point, 'P', procs FROM pt;
INSERT INTO sweep_var SELECT (SELECT id FROM s), point, 'd', (CAST(sleep_ns AS INTEGER) / 1000000) || 'ms' FROM pt;
INSERT INTO sweep_var SELECT (SELECT id FROM s), point, 'k', k FROM pt;
INSERT INTO sweep_var SELECT (SELECT id FROM s), point, 'gc', CASE WHEN CAST(alloc AS INTEGER) > 0 THEN 'heap' ELSE 'none' END FROM pt;
INSERT INTO run (sweep, experiment, sweep_run, point, replication, seed, status, wall_s, duration_ns, detail)
SELECT (SELECT id FROM s), 'timer-slop-go', CAST(run AS INTEGER), CAST(point AS INTEGER), CAST(rep AS INTEGER),
  CAST(rep AS INTEGER) + 1, 'ok', CAST(duration_s AS REAL), CAST(duration_s * 1e9 AS INTEGER), 1 FROM r;
CREATE TEMP TABLE rid AS SELECT id, sweep_run FROM run WHERE sweep = (SELECT id FROM s);
INSERT INTO go_probe SELECT (SELECT id FROM s), (SELECT id FROM rid WHERE sweep_run = CAST(r.run AS INTEGER)), point, rep,
  procs, sleep_ns, k, alloc, sleepers, duration_s, samples, p50_ns, p90_ns, p99_ns, mean_ns, max_ns, gc_cycles, gc_pauses,
  gc_pause_p50_ns, gc_pause_max_ns, alloc_mib, alloc_mib_per_cpu_s, cpu_s, loadavg1, go_version, ncpu, $other FROM r;
INSERT INTO scalars (run, lateness_mean_s, lateness_p50_s, lateness_p90_s, lateness_p99_s, lateness_max_s, timer_wakeups, gc_cycles)
SELECT run, mean_ns / 1e9, p50_ns / 1e9, p90_ns / 1e9, p99_ns / 1e9, max_ns / 1e9, samples, gc_cycles FROM go_probe;
CREATE TEMP TABLE v (point INTEGER, name TEXT, value REAL);
INSERT INTO v SELECT point, 'lateness_mean_s', mean_ns / 1e9 FROM go_probe;
INSERT INTO v SELECT point, 'lateness_p50_s', p50_ns / 1e9 FROM go_probe;
INSERT INTO v SELECT point, 'lateness_p90_s', p90_ns / 1e9 FROM go_probe;
INSERT INTO v SELECT point, 'lateness_p99_s', p99_ns / 1e9 FROM go_probe;
INSERT INTO v SELECT point, 'lateness_max_s', max_ns / 1e9 FROM go_probe;
INSERT INTO v SELECT point, 'timer_wakeups', samples FROM go_probe;
INSERT INTO v SELECT point, 'gc_cycles', gc_cycles FROM go_probe;
-- Student t(0.975, n - 1) for the 95% half-width
CREATE TEMP TABLE tq (df INTEGER PRIMARY KEY, t REAL);
INSERT INTO tq VALUES (1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (5, 2.571), (6, 2.447), (7, 2.365), (8, 2.306), (9, 2.262);
INSERT INTO summary
SELECT 'timer-slop-go', point, name, n, mean, sd, sd * IFNULL((SELECT t FROM tq WHERE df = n - 1), 1.96) / sqrt(n), (SELECT id FROM s)
FROM (SELECT a.point, a.name, a.n, a.mean,
        CASE WHEN a.n > 1 THEN sqrt((SELECT sum((b.value - a.mean) * (b.value - a.mean)) FROM v b
                                     WHERE b.point = a.point AND b.name = a.name) / (a.n - 1)) END AS sd
      FROM (SELECT point, name, count(value) AS n, avg(value) AS mean FROM v GROUP BY point, name) a);
INSERT INTO histogram SELECT (SELECT id FROM rid WHERE sweep_run = h.run), 'timer_lateness', lower, upper, count, 'ns' FROM h;
SQL
echo "load.sh: $(sqlite3 "$db" "SELECT count(*) FROM run WHERE experiment = 'timer-slop-go'") runs of timer-slop-go in $db" >&2
