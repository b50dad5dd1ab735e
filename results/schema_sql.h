/*
 * schema_sql.h: results/schema.sql as C string literals, one per line,
 * embedded in the recorder (results/rec.c joins them) so that the binary
 * needs no file at run time. One literal per line keeps each far below the
 * 4095 characters C11 guarantees (-Woverlength-strings).
 *
 * results/schema.sql is the source; this is a generated copy kept in the
 * tree (no build rule, no xxd). After editing schema.sql, regenerate it from
 * the repository root with:
 *
 *   { sed -n '1,/^#define REC_SCHEMA_SQL_LINES/p' results/schema_sql.h;
 *     sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n", \\/' results/schema.sql;
 *     printf '    ""\n\n#endif\n'; } > /tmp/schema_sql.h && mv /tmp/schema_sql.h results/schema_sql.h
 *
 * tests/test_rec (test_schema_embedded) fails when the two differ.
 */
#ifndef RETRYSIM_SCHEMA_SQL_H
#define RETRYSIM_SCHEMA_SQL_H

/* Use as an initializer: static const char *const lines[] = {REC_SCHEMA_SQL_LINES}; */
#define REC_SCHEMA_SQL_LINES \
    "-- retrysim results database schema (results/schema.sql).\n", \
    "--\n", \
    "-- Every run is recorded by rec_write (results/rec.c) in one BEGIN IMMEDIATE\n", \
    "-- transaction: a run's rows are all there or none are. The recorder embeds\n", \
    "-- this file (results/schema_sql.h, checked equal by tests/test_rec) and runs\n", \
    "-- it on every write; every statement is IF NOT EXISTS, so it is harmless on\n", \
    "-- an existing database. It can also be run by hand:\n", \
    "--     sqlite3 results/results.db < results/schema.sql\n", \
    "--\n", \
    "-- Conventions:\n", \
    "--   * Times are integers in nanoseconds of simulated time, and their column\n", \
    "--     names end in _ns (t_ns, bucket_ns, duration_ns). Divide by 1e9 for\n", \
    "--     seconds. Wall-clock quantities are REAL seconds and end in _s.\n", \
    "--   * Seeds are unsigned 64-bit numbers stored bit for bit in SQLite's signed\n", \
    "--     64-bit INTEGER: a seed of 2^63 or more reads back negative.\n", \
    "--     printf('%llu', seed) shows it unsigned; in C, cast the int64 to uint64_t.\n", \
    "--   * SQLite cannot store NaN: an undefined scalar (no data, e.g. the p99 of\n", \
    "--     an empty sample) is NULL, so REAL columns are nullable.\n", \
    "--   * Every table that belongs to a run references run(id) ON DELETE CASCADE\n", \
    "--     and its primary key starts with run, which doubles as the index on run.\n", \
    "--     Deleting a run deletes its rows, provided the connection has turned\n", \
    "--     foreign keys on (per connection, off by default in SQLite):\n", \
    "\n", \
    "PRAGMA foreign_keys = ON;\n", \
    "\n", \
    "-- One row per simulation run.\n", \
    "CREATE TABLE IF NOT EXISTS run (\n", \
    "    id          INTEGER PRIMARY KEY,   -- run id, assigned on insert\n", \
    "    experiment  TEXT,                  -- experiment name ([output] experiment)\n", \
    "    config_path TEXT,                  -- configuration file as given, may be NULL\n", \
    "    config_text TEXT,                  -- its full text, so the run can be redone\n", \
    "    seed        INTEGER,               -- base seed of the random streams\n", \
    "    replication INTEGER,               -- replication index, 0..\n", \
    "    generator   TEXT,                  -- GSL generator name, e.g. 'mt19937'\n", \
    "    version     TEXT,                  -- retrysim version that produced the run\n", \
    "    started     TEXT,                  -- wall-clock start, ISO 8601 UTC\n", \
    "    wall_s      REAL,                  -- wall-clock seconds the simulation took\n", \
    "    events      INTEGER,               -- events dispatched\n", \
    "    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n", \
    "    message     TEXT,                  -- why the run failed (NULL when ok)\n", \
    "    bucket_ns   INTEGER,               -- width of the series buckets\n", \
    "    duration_ns INTEGER,               -- calls start in [0, duration_ns)\n", \
    "    sweep_run   INTEGER,               -- run number within its sweep (NULL: retrysim run)\n", \
    "    point       INTEGER,               -- sweep configuration (all replications share it)\n", \
    "    config_hash TEXT                   -- hash of the experiment file's text: a changed\n", \
    "                                       -- file is a new sweep, not a resumed one\n", \
    ");\n", \
    "CREATE INDEX IF NOT EXISTS run_experiment ON run (experiment);\n", \
    "-- A sweep run is recorded once: resumed sweeps skip what is already here.\n", \
    "CREATE UNIQUE INDEX IF NOT EXISTS run_sweep ON run (experiment, config_hash, sweep_run)\n", \
    "    WHERE sweep_run IS NOT NULL;\n", \
    "\n", \
    "-- The sweep's iteration variables of a run (${name=...} in the experiment).\n", \
    "CREATE TABLE IF NOT EXISTS runvar (\n", \
    "    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    name  TEXT NOT NULL,\n", \
    "    value TEXT,\n", \
    "    PRIMARY KEY (run, name)\n", \
    ");\n", \
    "\n", \
    "-- Mean, standard deviation, count and Student-t 95% half-width of every\n", \
    "-- scalar over the replications of each sweep point, rewritten by\n", \
    "-- `retrysim sweep` after its runs (only runs with status 'ok' of the\n", \
    "-- experiment file's current text count). Plot scripts read this.\n", \
    "CREATE TABLE IF NOT EXISTS summary (\n", \
    "    experiment TEXT NOT NULL,\n", \
    "    point      INTEGER NOT NULL,\n", \
    "    name       TEXT NOT NULL,          -- scalar name\n", \
    "    n          INTEGER NOT NULL,       -- replications with a value\n", \
    "    mean       REAL,\n", \
    "    sd         REAL,                   -- NULL when n < 2\n", \
    "    ci95       REAL,                   -- t(0.975, n-1) * sd / sqrt(n); NULL when n < 2\n", \
    "    PRIMARY KEY (experiment, point, name)\n", \
    ");\n", \
    "\n", \
    "-- Each sweep point's variables, for labelling and selecting summary rows:\n", \
    "--     SELECT v.value, s.mean, s.ci95 FROM summary s\n", \
    "--     JOIN point_var v USING (experiment, point)\n", \
    "--     WHERE s.experiment = 'backoff-sweep' AND s.name = 'amplification' AND v.name = 'base';\n", \
    "-- Only the experiment's latest sweep text counts (the one summary holds):\n", \
    "-- an edited experiment rerun into the same database does not mix points.\n", \
    "CREATE VIEW IF NOT EXISTS point_var AS\n", \
    "    SELECT DISTINCT r.experiment, r.point, v.name, v.value\n", \
    "    FROM run AS r JOIN runvar AS v ON v.run = r.id\n", \
    "    WHERE r.sweep_run IS NOT NULL\n", \
    "      AND r.config_hash = (SELECT r2.config_hash FROM run AS r2\n", \
    "                           WHERE r2.experiment = r.experiment AND r2.sweep_run IS NOT NULL\n", \
    "                           ORDER BY r2.id DESC LIMIT 1);\n", \
    "\n", \
    "-- The resolved configuration: every \"section.key\" with its value as text,\n", \
    "-- defaults included, so runs can be compared and selected by parameter.\n", \
    "CREATE TABLE IF NOT EXISTS param (\n", \
    "    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    key   TEXT NOT NULL,\n", \
    "    value TEXT,\n", \
    "    PRIMARY KEY (run, key)\n", \
    ");\n", \
    "\n", \
    "-- The named random streams the run opened and the seed each was given\n", \
    "-- (derived from the run's seed, replication and the stream's name).\n", \
    "CREATE TABLE IF NOT EXISTS stream (\n", \
    "    run  INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    name TEXT NOT NULL,                -- purpose, e.g. 'server.service'\n", \
    "    seed INTEGER NOT NULL,             -- seed given to gsl_rng_set\n", \
    "    PRIMARY KEY (run, name)\n", \
    ");\n", \
    "\n", \
    "-- Per-run summary values (success rate, p99 latency, recovery time, ...).\n", \
    "CREATE TABLE IF NOT EXISTS scalar (\n", \
    "    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    name  TEXT NOT NULL,\n", \
    "    value REAL,                        -- NULL = undefined (NaN)\n", \
    "    unit  TEXT,\n", \
    "    PRIMARY KEY (run, name)\n", \
    ");\n", \
    "\n", \
    "-- Per-bucket time series. The table is NOT created here: its columns are\n", \
    "-- the entries of METRICS_SERIES in models/metrics.h, so the recorder builds\n", \
    "-- it from metrics_series[] as\n", \
    "--     CREATE TABLE IF NOT EXISTS series (\n", \
    "--         run  INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "--         t_ns INTEGER NOT NULL,      -- bucket start; the bucket is\n", \
    "--                                     -- [t_ns, t_ns + run.bucket_ns)\n", \
    "--         calls INTEGER,              -- one INTEGER column per metric,\n", \
    "--         attempts_first INTEGER,     -- in METRICS_SERIES order\n", \
    "--         ...\n", \
    "--         PRIMARY KEY (run, t_ns)\n", \
    "--     );\n", \
    "-- with one row per bucket of the run. If the table exists from an older\n", \
    "-- version and lacks a metric, the recorder adds the column (ALTER TABLE\n", \
    "-- series ADD COLUMN); rows of older runs then hold NULL there, meaning\n", \
    "-- \"not recorded\", never 0. The metric table below says what each column is.\n", \
    "\n", \
    "-- What each series column means, written from metrics_series[] on every\n", \
    "-- recording (INSERT OR REPLACE), e.g.\n", \
    "--     SELECT name, kind, unit, help FROM metric;\n", \
    "CREATE TABLE IF NOT EXISTS metric (\n", \
    "    name TEXT PRIMARY KEY,             -- column name in series\n", \
    "    unit TEXT,                         -- 'calls', 'attempts', 'requests', ...\n", \
    "    kind TEXT NOT NULL CHECK (kind IN ('sum', 'max')),\n", \
    "                                       -- sum: events counted in the bucket;\n", \
    "                                       -- max: largest value a level reached\n", \
    "                                       --      during the bucket\n", \
    "    help TEXT\n", \
    ");\n", \
    "\n", \
    "-- Per-run histograms (log-linear buckets), non-empty buckets only.\n", \
    "-- A bucket holds the samples v with lower <= v <= upper (integers, in\n", \
    "-- the histogram's unit, e.g. ns for latencies).\n", \
    "CREATE TABLE IF NOT EXISTS histogram (\n", \
    "    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    name  TEXT NOT NULL,               -- 'latency', 'attempts_per_call'\n", \
    "    lower INTEGER NOT NULL,            -- smallest value in the bucket\n", \
    "    upper INTEGER NOT NULL,            -- largest value in the bucket\n", \
    "    count INTEGER NOT NULL,            -- samples in the bucket, > 0\n", \
    "    unit  TEXT,\n", \
    "    PRIMARY KEY (run, name, lower)\n", \
    ");\n", \
    "\n", \
    "-- Every parameter next to the run's identity, for selecting runs, e.g.\n", \
    "--     SELECT run, value FROM run_param\n", \
    "--     WHERE experiment = 'storm' AND key = 'retry.policy';\n", \
    "CREATE VIEW IF NOT EXISTS run_param AS\n", \
    "    SELECT r.id AS run, r.experiment, r.replication, r.seed, r.status,\n", \
    "           p.key, p.value\n", \
    "    FROM run AS r JOIN param AS p ON p.run = r.id;\n", \
    ""

#endif
