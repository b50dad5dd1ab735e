-- retrysim results database schema (results/schema.sql).
--
-- Every run is recorded by rec_write (results/rec.c) in one BEGIN IMMEDIATE
-- transaction: a run's rows are all there or none are. The recorder embeds
-- this file (results/schema_sql.h, checked equal by tests/test_rec) and runs
-- it on every write; every statement is IF NOT EXISTS, so it is harmless on
-- an existing database. It can also be run by hand:
--     sqlite3 results/results.db < results/schema.sql
--
-- Conventions:
--   * Times are integers in nanoseconds of simulated time, and their column
--     names end in _ns (t_ns, bucket_ns, duration_ns). Divide by 1e9 for
--     seconds. Wall-clock quantities are REAL seconds and end in _s.
--   * Seeds are unsigned 64-bit numbers stored bit for bit in SQLite's signed
--     64-bit INTEGER: a seed of 2^63 or more reads back negative.
--     printf('%llu', seed) shows it unsigned; in C, cast the int64 to uint64_t.
--   * SQLite cannot store NaN: an undefined scalar (no data, e.g. the p99 of
--     an empty sample) is NULL, so REAL columns are nullable.
--   * Every table that belongs to a run references run(id) ON DELETE CASCADE
--     and its primary key starts with run, which doubles as the index on run.
--     Deleting a run deletes its rows, provided the connection has turned
--     foreign keys on (per connection, off by default in SQLite):

PRAGMA foreign_keys = ON;

-- One row per simulation run.
CREATE TABLE IF NOT EXISTS run (
    id          INTEGER PRIMARY KEY,   -- run id, assigned on insert
    experiment  TEXT,                  -- experiment name ([output] experiment)
    config_path TEXT,                  -- configuration file as given, may be NULL
    config_text TEXT,                  -- its full text, so the run can be redone
    seed        INTEGER,               -- base seed of the random streams
    replication INTEGER,               -- replication index, 0..
    generator   TEXT,                  -- GSL generator name, e.g. 'mt19937'
    version     TEXT,                  -- retrysim version that produced the run
    started     TEXT,                  -- wall-clock start, ISO 8601 UTC
    wall_s      REAL,                  -- wall-clock seconds the simulation took
    events      INTEGER,               -- events dispatched
    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    message     TEXT,                  -- why the run failed (NULL when ok)
    bucket_ns   INTEGER,               -- width of the series buckets
    duration_ns INTEGER,               -- calls start in [0, duration_ns)
    sweep_run   INTEGER,               -- run number within its sweep (NULL: retrysim run)
    point       INTEGER,               -- sweep configuration (all replications share it)
    config_hash TEXT                   -- hash of the experiment file's text: a changed
                                       -- file is a new sweep, not a resumed one
);
CREATE INDEX IF NOT EXISTS run_experiment ON run (experiment);
-- A sweep run is recorded once: resumed sweeps skip what is already here.
CREATE UNIQUE INDEX IF NOT EXISTS run_sweep ON run (experiment, config_hash, sweep_run)
    WHERE sweep_run IS NOT NULL;

-- The sweep's iteration variables of a run (${name=...} in the experiment).
CREATE TABLE IF NOT EXISTS runvar (
    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name  TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (run, name)
);

-- Mean, standard deviation, count and Student-t 95% half-width of every
-- scalar over the replications of each sweep point, rewritten by
-- `retrysim sweep` after its runs (only runs with status 'ok' of the
-- experiment file's current text count). Plot scripts read this.
CREATE TABLE IF NOT EXISTS summary (
    experiment TEXT NOT NULL,
    point      INTEGER NOT NULL,
    name       TEXT NOT NULL,          -- scalar name
    n          INTEGER NOT NULL,       -- replications with a value
    mean       REAL,
    sd         REAL,                   -- NULL when n < 2
    ci95       REAL,                   -- t(0.975, n-1) * sd / sqrt(n); NULL when n < 2
    PRIMARY KEY (experiment, point, name)
);

-- Each sweep point's variables, for labelling and selecting summary rows:
--     SELECT v.value, s.mean, s.ci95 FROM summary s
--     JOIN point_var v USING (experiment, point)
--     WHERE s.experiment = 'backoff-sweep' AND s.name = 'amplification' AND v.name = 'base';
-- Only the experiment's latest sweep text counts (the one summary holds):
-- an edited experiment rerun into the same database does not mix points.
CREATE VIEW IF NOT EXISTS point_var AS
    SELECT DISTINCT r.experiment, r.point, v.name, v.value
    FROM run AS r JOIN runvar AS v ON v.run = r.id
    WHERE r.sweep_run IS NOT NULL
      AND r.config_hash = (SELECT r2.config_hash FROM run AS r2
                           WHERE r2.experiment = r.experiment AND r2.sweep_run IS NOT NULL
                           ORDER BY r2.id DESC LIMIT 1);

-- The resolved configuration: every "section.key" with its value as text,
-- defaults included, so runs can be compared and selected by parameter.
CREATE TABLE IF NOT EXISTS param (
    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (run, key)
);

-- The named random streams the run opened and the seed each was given
-- (derived from the run's seed, replication and the stream's name).
CREATE TABLE IF NOT EXISTS stream (
    run  INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name TEXT NOT NULL,                -- purpose, e.g. 'server.service'
    seed INTEGER NOT NULL,             -- seed given to gsl_rng_set
    PRIMARY KEY (run, name)
);

-- Per-run summary values (success rate, p99 latency, recovery time, ...).
CREATE TABLE IF NOT EXISTS scalar (
    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name  TEXT NOT NULL,
    value REAL,                        -- NULL = undefined (NaN)
    unit  TEXT,
    PRIMARY KEY (run, name)
);

-- Per-bucket time series. The table is NOT created here: its columns are
-- the entries of METRICS_SERIES in models/metrics.h, so the recorder builds
-- it from metrics_series[] as
--     CREATE TABLE IF NOT EXISTS series (
--         run  INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
--         t_ns INTEGER NOT NULL,      -- bucket start; the bucket is
--                                     -- [t_ns, t_ns + run.bucket_ns)
--         calls INTEGER,              -- one INTEGER column per metric,
--         attempts_first INTEGER,     -- in METRICS_SERIES order
--         ...
--         PRIMARY KEY (run, t_ns)
--     );
-- with one row per bucket of the run. If the table exists from an older
-- version and lacks a metric, the recorder adds the column (ALTER TABLE
-- series ADD COLUMN); rows of older runs then hold NULL there, meaning
-- "not recorded", never 0. The metric table below says what each column is.

-- What each series column means, written from metrics_series[] on every
-- recording (INSERT OR REPLACE), e.g.
--     SELECT name, kind, unit, help FROM metric;
CREATE TABLE IF NOT EXISTS metric (
    name TEXT PRIMARY KEY,             -- column name in series
    unit TEXT,                         -- 'calls', 'attempts', 'requests', ...
    kind TEXT NOT NULL CHECK (kind IN ('sum', 'max')),
                                       -- sum: events counted in the bucket;
                                       -- max: largest value a level reached
                                       --      during the bucket
    help TEXT
);

-- Per-run histograms (log-linear buckets), non-empty buckets only.
-- A bucket holds the samples v with lower <= v <= upper (integers, in
-- the histogram's unit, e.g. ns for latencies).
CREATE TABLE IF NOT EXISTS histogram (
    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name  TEXT NOT NULL,               -- 'latency', 'attempts_per_call'
    lower INTEGER NOT NULL,            -- smallest value in the bucket
    upper INTEGER NOT NULL,            -- largest value in the bucket
    count INTEGER NOT NULL,            -- samples in the bucket, > 0
    unit  TEXT,
    PRIMARY KEY (run, name, lower)
);

-- Every parameter next to the run's identity, for selecting runs, e.g.
--     SELECT run, value FROM run_param
--     WHERE experiment = 'storm' AND key = 'retry.policy';
CREATE VIEW IF NOT EXISTS run_param AS
    SELECT r.id AS run, r.experiment, r.replication, r.seed, r.status,
           p.key, p.value
    FROM run AS r JOIN param AS p ON p.run = r.id;
