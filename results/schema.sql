-- retrysim results database schema (results/schema.sql), version 2.
--
-- Written by the recorder (results/rec.c), which embeds this file
-- (results/schema_sql.h, checked equal by tests/test_rec) and runs it when it
-- opens a database; every statement is IF NOT EXISTS, so it is harmless on
-- an existing database. It can also be run by hand:
--     sqlite3 results/results.db < results/schema.sql
-- PRAGMA user_version is 2; a database of schema 1 (retrysim 0.3) is refused
-- with a message, never modified.
--
-- Layout: what is the same for many runs is stored once.
--   sweep        one row per experiment text: the text itself, its identity
--   sweep_param  every resolved configuration key of the sweep's point 0
--   point_param  the keys whose value differs at another point
--   sweep_var    each point's iteration variables (${name=...})
--   stream_seed  the seed of each named random stream per (seed, replication)
--   run          one row per run; scalars: one row per run, a column per scalar
--   series, histogram: only for runs whose run.detail is 1 (by default the
--                first replication of each point; [output] keep)
-- Views give the per-run shapes back: param, runvar, stream, scalar,
-- run_param, point_var, current_run.
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
--   * Tables that belong to a run reference run(id) ON DELETE CASCADE, runs
--     reference their sweep the same way. Deleting a sweep deletes its runs
--     and their rows, provided the connection has turned foreign keys on (per
--     connection, off by default in SQLite):

PRAGMA foreign_keys = ON;

-- One row per experiment text. A sweep is identified by (experiment,
-- config_hash): running the same text again resumes it; an edited text is a
-- new sweep. A `retrysim run` is a sweep of one run.
CREATE TABLE IF NOT EXISTS sweep (
    id          INTEGER PRIMARY KEY,
    experiment  TEXT NOT NULL,         -- experiment name ([output] experiment)
    config_hash TEXT NOT NULL,         -- hash of the effective text (file and --set)
    config_path TEXT,                  -- the experiment file as given, may be NULL
    config_text TEXT,                  -- its full text, stored once per sweep
    overrides   TEXT,                  -- the --set assignments, one per line; NULL if none
    version     TEXT,                  -- retrysim version that created the sweep
    created     TEXT,                  -- wall-clock creation time, ISO 8601 UTC
    runs        INTEGER,               -- runs in the sweep (points x repeat)
    points      INTEGER,               -- configurations
    repeat      INTEGER,               -- replications per point
    last_run    INTEGER,               -- id of the latest run recorded into it
    summarised  INTEGER,               -- id of the latest run the summary includes
    writer      TEXT,                  -- "host pid" of the sweep writing it now, NULL if none
    writer_beat REAL,                  -- when that writer last said it is alive (unix time, s)
    UNIQUE (experiment, config_hash)
);

-- The resolved configuration of the sweep's point 0: every "section.key"
-- with its value as text, defaults included.
CREATE TABLE IF NOT EXISTS sweep_param (
    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    key   TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (sweep, key)
) WITHOUT ROWID;

-- The keys whose resolved value at `point` differs from point 0's
-- (run.replication is per run, in run.replication).
CREATE TABLE IF NOT EXISTS point_param (
    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    point INTEGER NOT NULL,
    key   TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (sweep, point, key)
) WITHOUT ROWID;

-- Each point's iteration variables (${name=...} in the experiment).
CREATE TABLE IF NOT EXISTS sweep_var (
    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    point INTEGER NOT NULL,
    name  TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (sweep, point, name)
) WITHOUT ROWID;

-- One row per run.
CREATE TABLE IF NOT EXISTS run (
    id          INTEGER PRIMARY KEY,   -- run id, assigned on insert
    sweep       INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    experiment  TEXT NOT NULL,         -- its sweep's experiment (copied: the common filter)
    sweep_run   INTEGER,               -- run number within its sweep (NULL: retrysim run)
    point       INTEGER NOT NULL,      -- sweep configuration (all replications share it)
    replication INTEGER NOT NULL,      -- replication index, 0..
    seed        INTEGER NOT NULL,      -- base seed of the random streams
    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    message     TEXT,                  -- why the run failed (NULL when ok)
    events      INTEGER,               -- events dispatched
    wall_s      REAL,                  -- wall-clock seconds the simulation took
    bucket_ns   INTEGER,               -- width of the series buckets
    duration_ns INTEGER,               -- calls start in [0, duration_ns)
    detail      INTEGER NOT NULL       -- 1: its series and histograms are stored
);
CREATE INDEX IF NOT EXISTS run_experiment ON run (experiment);
-- A point's runs in run-number order: the summary reads them so, which
-- makes it independent of the order the runs finished in (-j, resume).
CREATE INDEX IF NOT EXISTS run_point ON run (sweep, point, sweep_run);
-- A sweep run is recorded once: resumed sweeps skip what is already here.
CREATE UNIQUE INDEX IF NOT EXISTS run_sweep ON run (sweep, sweep_run) WHERE sweep_run IS NOT NULL;

-- The seed each named random stream gets (derived from the run's seed, its
-- replication and the stream's name, so the same for every run with that
-- seed and replication, whichever streams the run opened).
CREATE TABLE IF NOT EXISTS stream_seed (
    seed        INTEGER NOT NULL,      -- run.seed
    replication INTEGER NOT NULL,      -- run.replication
    name        TEXT NOT NULL,         -- purpose, e.g. 'server.service'
    stream_seed INTEGER NOT NULL,      -- seed given to gsl_rng_set
    PRIMARY KEY (seed, replication, name)
) WITHOUT ROWID;

-- Mean, standard deviation, count and Student-t 95% half-width of every
-- scalar over the replications of each sweep point, for the sweep named in
-- `sweep` (the experiment's latest; only runs with status 'ok' count). Kept
-- up to date by `retrysim sweep` as runs are recorded. Plot scripts read this.
CREATE TABLE IF NOT EXISTS summary (
    experiment TEXT NOT NULL,
    point      INTEGER NOT NULL,
    name       TEXT NOT NULL,          -- scalar name
    n          INTEGER NOT NULL,       -- replications with a value
    mean       REAL,
    sd         REAL,                   -- NULL when n < 2
    ci95       REAL,                   -- t(0.975, n-1) * sd / sqrt(n); NULL when n < 2
    sweep      INTEGER NOT NULL,       -- the sweep summarised
    PRIMARY KEY (experiment, point, name)
);

-- Per-run histograms (log-linear buckets), non-empty buckets only, for
-- runs with detail = 1. A bucket holds the samples v with lower <= v <=
-- upper (integers, in the histogram's unit, e.g. ns for latencies).
CREATE TABLE IF NOT EXISTS histogram (
    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
    name  TEXT NOT NULL,               -- 'latency', 'attempts_per_call', ...
    lower INTEGER NOT NULL,            -- smallest value in the bucket
    upper INTEGER NOT NULL,            -- largest value in the bucket
    count INTEGER NOT NULL,            -- samples in the bucket, > 0
    unit  TEXT,
    PRIMARY KEY (run, name, lower)
) WITHOUT ROWID;                       -- the key is the row: no second copy in an index

-- The answers of `retrysim search`: per group (a point of the outer grid,
-- every variable but the one searched), the candidate value at which the
-- goal starts to be met. status: found (answer = boundary, the interval
-- is [other, boundary]); non_monotone (found, but a check on one side
-- disagreed); all_pass (every candidate tested meets the goal: the answer
-- is at or beyond the first candidate, `boundary`); none_pass (none does).
CREATE TABLE IF NOT EXISTS search (
    sweep    INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    grp      INTEGER NOT NULL,         -- group, 0..
    point    INTEGER,                  -- the sweep point of the answer (or one of the group's):
                                       -- point_var gives the group's other variables
    variable TEXT NOT NULL,            -- the variable searched
    status   TEXT NOT NULL CHECK (status IN ('found', 'non_monotone', 'all_pass', 'none_pass')),
    boundary TEXT,                     -- the first candidate that meets the goal, as written
    other    TEXT,                     -- its neighbour that does not (fails or stays uncertain)
    runs     INTEGER NOT NULL,         -- replications the group took
    PRIMARY KEY (sweep, grp)
) WITHOUT ROWID;

-- Every candidate a search tested, with its estimate: the share of
-- replications meeting the goal (k of n, Wilson interval) or the mean of
-- its scalar (Student-t interval), and the verdict of the sequential test.
CREATE TABLE IF NOT EXISTS search_probe (
    sweep     INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,
    grp       INTEGER NOT NULL,
    candidate INTEGER NOT NULL,        -- index among the variable's values, 0..
    value     TEXT,                    -- the candidate, as written
    point     INTEGER,                 -- its sweep point
    n         INTEGER NOT NULL,        -- replications
    k         INTEGER,                 -- replications meeting the goal (statistic share), else NULL
    estimate  REAL,                    -- k / n, or the mean
    lo        REAL,                    -- its interval at the search's confidence
    hi        REAL,
    verdict   TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'uncertain')),
    PRIMARY KEY (sweep, grp, candidate)
) WITHOUT ROWID;

-- Two tables are NOT created here: their columns are the metrics declared in
-- models/metrics.h, so the recorder builds them:
--   series  (run, t_ns, one INTEGER column per METRICS_SERIES entry), one row
--           per bucket of a run with detail = 1, PRIMARY KEY (run, t_ns),
--           WITHOUT ROWID; the bucket is [t_ns, t_ns + run.bucket_ns)
--   scalars (run, one REAL column per METRICS_SCALARS entry), one row per run
--           whose scalars were computed (not a run that failed at setup)
-- A table from an older version that lacks a metric gets the column (ALTER
-- TABLE ADD COLUMN); rows of older runs then hold NULL there, meaning "not
-- recorded". The recorder also (re)creates the view
--   scalar  (run, name, value, unit): one row per scalar of a run, the shape
--           of schema 1: every core scalar (value NULL when undefined) and
--           each model's scalars where they have a value.
-- The metric table says what every column is:
--     SELECT name, kind, unit, help FROM metric;
CREATE TABLE IF NOT EXISTS metric (
    name TEXT NOT NULL,                -- column name in series or scalars
    kind TEXT NOT NULL CHECK (kind IN ('sum', 'max', 'scalar')),
                                       -- sum: a series column, events counted in the bucket;
                                       -- max: a series column, the largest value a level
                                       --      reached during the bucket;
                                       -- scalar: a scalars column, one value per run
    unit TEXT,                         -- 'calls', 'attempts', 'requests', 's', ...
    help TEXT,
    PRIMARY KEY (name, kind)           -- 'calls' is both a series and a scalar
);

-- The sweep variables of each run.
CREATE VIEW IF NOT EXISTS runvar AS
    SELECT r.id AS run, v.name AS name, v.value AS value
    FROM run AS r JOIN sweep_var AS v ON v.sweep = r.sweep AND v.point = r.point;

-- Every resolved configuration key of each run, defaults included, e.g.
--     SELECT value FROM param WHERE run = 7 AND key = 'retry.jitter';
CREATE VIEW IF NOT EXISTS param AS
    SELECT r.id AS run, b.key AS key,
           CASE WHEN b.key = 'run.replication' THEN CAST(r.replication AS TEXT)
                ELSE coalesce((SELECT d.value FROM point_param AS d
                               WHERE d.sweep = r.sweep AND d.point = r.point AND d.key = b.key), b.value)
           END AS value
    FROM run AS r JOIN sweep_param AS b ON b.sweep = r.sweep;

-- Every parameter next to the run's identity, for selecting runs, e.g.
--     SELECT run, value FROM run_param
--     WHERE experiment = 'storm' AND key = 'retry.jitter';
CREATE VIEW IF NOT EXISTS run_param AS
    SELECT r.id AS run, r.experiment, r.replication, r.seed, r.status, p.key, p.value
    FROM run AS r JOIN param AS p ON p.run = r.id;

-- The named random streams and their seeds, per run.
CREATE VIEW IF NOT EXISTS stream AS
    SELECT r.id AS run, s.name AS name, s.stream_seed AS seed
    FROM run AS r JOIN stream_seed AS s ON s.seed = r.seed AND s.replication = r.replication;

-- The runs of each experiment's current sweep (the one summary holds).
CREATE VIEW IF NOT EXISTS current_run AS
    SELECT r.* FROM run AS r
    WHERE r.sweep = (SELECT s.sweep FROM summary AS s WHERE s.experiment = r.experiment LIMIT 1);

-- Each point's variables in the experiment's current sweep, for labelling
-- and selecting summary rows:
--     SELECT v.value, s.mean, s.ci95 FROM summary s
--     JOIN point_var v USING (experiment, point)
--     WHERE s.experiment = 'backoff-sweep' AND s.name = 'amplification' AND v.name = 'base';
CREATE VIEW IF NOT EXISTS point_var AS
    SELECT w.experiment AS experiment, v.point AS point, v.name AS name, v.value AS value
    FROM sweep AS w JOIN sweep_var AS v ON v.sweep = w.id
    WHERE w.id = (SELECT s.sweep FROM summary AS s WHERE s.experiment = w.experiment LIMIT 1);
