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
    "-- retrysim results database schema (results/schema.sql), version 2.\n", \
    "--\n", \
    "-- Written by the recorder (results/rec.c), which embeds this file\n", \
    "-- (results/schema_sql.h, checked equal by tests/test_rec) and runs it when it\n", \
    "-- opens a database; every statement is IF NOT EXISTS, so it is harmless on\n", \
    "-- an existing database. It can also be run by hand:\n", \
    "--     sqlite3 results/results.db < results/schema.sql\n", \
    "-- PRAGMA user_version is 2; a database of schema 1 (retrysim 0.3) is refused\n", \
    "-- with a message, never modified.\n", \
    "--\n", \
    "-- Layout: what is the same for many runs is stored once.\n", \
    "--   sweep        one row per experiment text: the text itself, its identity\n", \
    "--   sweep_param  every resolved configuration key of the sweep's point 0\n", \
    "--   point_param  the keys whose value differs at another point\n", \
    "--   sweep_var    each point's iteration variables (${name=...})\n", \
    "--   stream_seed  the seed of each named random stream per (seed, replication)\n", \
    "--   run          one row per run; scalars: one row per run, a column per scalar\n", \
    "--   series, histogram: only for runs whose run.detail is 1 (by default the\n", \
    "--                first replication of each point; [output] keep)\n", \
    "-- Views give the per-run shapes back: param, runvar, stream, scalar,\n", \
    "-- run_param, point_var, current_run.\n", \
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
    "--   * Tables that belong to a run reference run(id) ON DELETE CASCADE, runs\n", \
    "--     reference their sweep the same way. Deleting a sweep deletes its runs\n", \
    "--     and their rows, provided the connection has turned foreign keys on (per\n", \
    "--     connection, off by default in SQLite):\n", \
    "\n", \
    "PRAGMA foreign_keys = ON;\n", \
    "\n", \
    "-- One row per experiment text. A sweep is identified by (experiment,\n", \
    "-- config_hash): running the same text again resumes it; an edited text is a\n", \
    "-- new sweep. A `retrysim run` is a sweep of one run.\n", \
    "CREATE TABLE IF NOT EXISTS sweep (\n", \
    "    id          INTEGER PRIMARY KEY,\n", \
    "    experiment  TEXT NOT NULL,         -- experiment name ([output] experiment)\n", \
    "    config_hash TEXT NOT NULL,         -- hash of the effective text (file and --set)\n", \
    "    config_path TEXT,                  -- the experiment file as given, may be NULL\n", \
    "    config_text TEXT,                  -- its full text, stored once per sweep\n", \
    "    overrides   TEXT,                  -- the --set assignments, one per line; NULL if none\n", \
    "    version     TEXT,                  -- retrysim version that created the sweep\n", \
    "    created     TEXT,                  -- wall-clock creation time, ISO 8601 UTC\n", \
    "    runs        INTEGER,               -- runs in the sweep (points x repeat)\n", \
    "    points      INTEGER,               -- configurations\n", \
    "    repeat      INTEGER,               -- replications per point\n", \
    "    last_run    INTEGER,               -- id of the latest run recorded into it\n", \
    "    summarised  INTEGER,               -- id of the latest run the summary includes\n", \
    "    writer      TEXT,                  -- \"host pid\" of the sweep writing it now, NULL if none\n", \
    "    writer_beat REAL,                  -- when that writer last said it is alive (unix time, s)\n", \
    "    UNIQUE (experiment, config_hash)\n", \
    ");\n", \
    "\n", \
    "-- The resolved configuration of the sweep's point 0: every \"section.key\"\n", \
    "-- with its value as text, defaults included.\n", \
    "CREATE TABLE IF NOT EXISTS sweep_param (\n", \
    "    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    key   TEXT NOT NULL,\n", \
    "    value TEXT,\n", \
    "    PRIMARY KEY (sweep, key)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- The keys whose resolved value at `point` differs from point 0's\n", \
    "-- (run.replication is per run, in run.replication).\n", \
    "CREATE TABLE IF NOT EXISTS point_param (\n", \
    "    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    point INTEGER NOT NULL,\n", \
    "    key   TEXT NOT NULL,\n", \
    "    value TEXT,\n", \
    "    PRIMARY KEY (sweep, point, key)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- Each point's iteration variables (${name=...} in the experiment).\n", \
    "CREATE TABLE IF NOT EXISTS sweep_var (\n", \
    "    sweep INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    point INTEGER NOT NULL,\n", \
    "    name  TEXT NOT NULL,\n", \
    "    value TEXT,\n", \
    "    PRIMARY KEY (sweep, point, name)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- One row per run.\n", \
    "CREATE TABLE IF NOT EXISTS run (\n", \
    "    id          INTEGER PRIMARY KEY,   -- run id, assigned on insert\n", \
    "    sweep       INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    experiment  TEXT NOT NULL,         -- its sweep's experiment (copied: the common filter)\n", \
    "    sweep_run   INTEGER,               -- run number within its sweep (NULL: retrysim run)\n", \
    "    point       INTEGER NOT NULL,      -- sweep configuration (all replications share it)\n", \
    "    replication INTEGER NOT NULL,      -- replication index, 0..\n", \
    "    seed        INTEGER NOT NULL,      -- base seed of the random streams\n", \
    "    status      TEXT NOT NULL CHECK (status IN ('ok', 'failed')),\n", \
    "    message     TEXT,                  -- why the run failed (NULL when ok)\n", \
    "    events      INTEGER,               -- events dispatched\n", \
    "    wall_s      REAL,                  -- wall-clock seconds the simulation took\n", \
    "    bucket_ns   INTEGER,               -- width of the series buckets\n", \
    "    duration_ns INTEGER,               -- calls start in [0, duration_ns)\n", \
    "    detail      INTEGER NOT NULL       -- 1: its series and histograms are stored\n", \
    ");\n", \
    "CREATE INDEX IF NOT EXISTS run_experiment ON run (experiment);\n", \
    "-- A point's runs in run-number order: the summary reads them so, which\n", \
    "-- makes it independent of the order the runs finished in (-j, resume).\n", \
    "CREATE INDEX IF NOT EXISTS run_point ON run (sweep, point, sweep_run);\n", \
    "-- A sweep run is recorded once: resumed sweeps skip what is already here.\n", \
    "CREATE UNIQUE INDEX IF NOT EXISTS run_sweep ON run (sweep, sweep_run) WHERE sweep_run IS NOT NULL;\n", \
    "\n", \
    "-- The seed each named random stream gets (derived from the run's seed, its\n", \
    "-- replication and the stream's name, so the same for every run with that\n", \
    "-- seed and replication, whichever streams the run opened).\n", \
    "CREATE TABLE IF NOT EXISTS stream_seed (\n", \
    "    seed        INTEGER NOT NULL,      -- run.seed\n", \
    "    replication INTEGER NOT NULL,      -- run.replication\n", \
    "    name        TEXT NOT NULL,         -- purpose, e.g. 'server.service'\n", \
    "    stream_seed INTEGER NOT NULL,      -- seed given to gsl_rng_set\n", \
    "    PRIMARY KEY (seed, replication, name)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- Mean, standard deviation, count and Student-t 95% half-width of every\n", \
    "-- scalar over the replications of each sweep point, for the sweep named in\n", \
    "-- `sweep` (the experiment's latest; only runs with status 'ok' count). Kept\n", \
    "-- up to date by `retrysim sweep` as runs are recorded. Plot scripts read this.\n", \
    "CREATE TABLE IF NOT EXISTS summary (\n", \
    "    experiment TEXT NOT NULL,\n", \
    "    point      INTEGER NOT NULL,\n", \
    "    name       TEXT NOT NULL,          -- scalar name\n", \
    "    n          INTEGER NOT NULL,       -- replications with a value\n", \
    "    mean       REAL,\n", \
    "    sd         REAL,                   -- NULL when n < 2\n", \
    "    ci95       REAL,                   -- t(0.975, n-1) * sd / sqrt(n); NULL when n < 2\n", \
    "    sweep      INTEGER NOT NULL,       -- the sweep summarised\n", \
    "    PRIMARY KEY (experiment, point, name)\n", \
    ");\n", \
    "\n", \
    "-- Per-run histograms (log-linear buckets), non-empty buckets only, for\n", \
    "-- runs with detail = 1. A bucket holds the samples v with lower <= v <=\n", \
    "-- upper (integers, in the histogram's unit, e.g. ns for latencies).\n", \
    "CREATE TABLE IF NOT EXISTS histogram (\n", \
    "    run   INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n", \
    "    name  TEXT NOT NULL,               -- 'latency', 'attempts_per_call', ...\n", \
    "    lower INTEGER NOT NULL,            -- smallest value in the bucket\n", \
    "    upper INTEGER NOT NULL,            -- largest value in the bucket\n", \
    "    count INTEGER NOT NULL,            -- samples in the bucket, > 0\n", \
    "    unit  TEXT,\n", \
    "    PRIMARY KEY (run, name, lower)\n", \
    ") WITHOUT ROWID;                       -- the key is the row: no second copy in an index\n", \
    "\n", \
    "-- The answers of `retrysim search`: per group (a point of the outer grid,\n", \
    "-- every variable but the one searched), the candidate value at which the\n", \
    "-- goal starts to be met. status: found (answer = boundary, the interval\n", \
    "-- is [other, boundary]); non_monotone (found, but a check on one side\n", \
    "-- disagreed); all_pass (every candidate tested meets the goal: the answer\n", \
    "-- is at or beyond the first candidate, `boundary`); none_pass (none does).\n", \
    "CREATE TABLE IF NOT EXISTS search (\n", \
    "    sweep    INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    grp      INTEGER NOT NULL,         -- group, 0..\n", \
    "    point    INTEGER,                  -- the sweep point of the answer (or one of the group's):\n", \
    "                                       -- point_var gives the group's other variables\n", \
    "    variable TEXT NOT NULL,            -- the variable searched\n", \
    "    status   TEXT NOT NULL CHECK (status IN ('found', 'non_monotone', 'all_pass', 'none_pass')),\n", \
    "    boundary TEXT,                     -- the first candidate that meets the goal, as written\n", \
    "    other    TEXT,                     -- its neighbour that does not (fails or stays uncertain)\n", \
    "    runs     INTEGER NOT NULL,         -- replications the group took\n", \
    "    PRIMARY KEY (sweep, grp)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- Every candidate a search tested, with its estimate: the share of\n", \
    "-- replications meeting the goal (k of n, Wilson interval) or the mean of\n", \
    "-- its scalar (Student-t interval), and the verdict of the sequential test.\n", \
    "CREATE TABLE IF NOT EXISTS search_probe (\n", \
    "    sweep     INTEGER NOT NULL REFERENCES sweep (id) ON DELETE CASCADE,\n", \
    "    grp       INTEGER NOT NULL,\n", \
    "    candidate INTEGER NOT NULL,        -- index among the variable's values, 0..\n", \
    "    value     TEXT,                    -- the candidate, as written\n", \
    "    point     INTEGER,                 -- its sweep point\n", \
    "    n         INTEGER NOT NULL,        -- replications\n", \
    "    k         INTEGER,                 -- replications meeting the goal (statistic share), else NULL\n", \
    "    estimate  REAL,                    -- k / n, or the mean\n", \
    "    lo        REAL,                    -- its interval at the search's confidence\n", \
    "    hi        REAL,\n", \
    "    verdict   TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'uncertain')),\n", \
    "    PRIMARY KEY (sweep, grp, candidate)\n", \
    ") WITHOUT ROWID;\n", \
    "\n", \
    "-- Two tables are NOT created here: their columns are the metrics declared in\n", \
    "-- models/metrics.h, so the recorder builds them:\n", \
    "--   series  (run, t_ns, one INTEGER column per METRICS_SERIES entry), one row\n", \
    "--           per bucket of a run with detail = 1, PRIMARY KEY (run, t_ns),\n", \
    "--           WITHOUT ROWID; the bucket is [t_ns, t_ns + run.bucket_ns)\n", \
    "--   scalars (run, one REAL column per METRICS_SCALARS entry), one row per run\n", \
    "--           whose scalars were computed (not a run that failed at setup)\n", \
    "-- A table from an older version that lacks a metric gets the column (ALTER\n", \
    "-- TABLE ADD COLUMN); rows of older runs then hold NULL there, meaning \"not\n", \
    "-- recorded\". The recorder also (re)creates the view\n", \
    "--   scalar  (run, name, value, unit): one row per scalar of a run, the shape\n", \
    "--           of schema 1: every core scalar (value NULL when undefined) and\n", \
    "--           each model's scalars where they have a value.\n", \
    "-- The metric table says what every column is:\n", \
    "--     SELECT name, kind, unit, help FROM metric;\n", \
    "CREATE TABLE IF NOT EXISTS metric (\n", \
    "    name TEXT NOT NULL,                -- column name in series or scalars\n", \
    "    kind TEXT NOT NULL CHECK (kind IN ('sum', 'max', 'scalar')),\n", \
    "                                       -- sum: a series column, events counted in the bucket;\n", \
    "                                       -- max: a series column, the largest value a level\n", \
    "                                       --      reached during the bucket;\n", \
    "                                       -- scalar: a scalars column, one value per run\n", \
    "    unit TEXT,                         -- 'calls', 'attempts', 'requests', 's', ...\n", \
    "    help TEXT,\n", \
    "    PRIMARY KEY (name, kind)           -- 'calls' is both a series and a scalar\n", \
    ");\n", \
    "\n", \
    "-- The sweep variables of each run.\n", \
    "CREATE VIEW IF NOT EXISTS runvar AS\n", \
    "    SELECT r.id AS run, v.name AS name, v.value AS value\n", \
    "    FROM run AS r JOIN sweep_var AS v ON v.sweep = r.sweep AND v.point = r.point;\n", \
    "\n", \
    "-- Every resolved configuration key of each run, defaults included, e.g.\n", \
    "--     SELECT value FROM param WHERE run = 7 AND key = 'retry.jitter';\n", \
    "CREATE VIEW IF NOT EXISTS param AS\n", \
    "    SELECT r.id AS run, b.key AS key,\n", \
    "           CASE WHEN b.key = 'run.replication' THEN CAST(r.replication AS TEXT)\n", \
    "                ELSE coalesce((SELECT d.value FROM point_param AS d\n", \
    "                               WHERE d.sweep = r.sweep AND d.point = r.point AND d.key = b.key), b.value)\n", \
    "           END AS value\n", \
    "    FROM run AS r JOIN sweep_param AS b ON b.sweep = r.sweep;\n", \
    "\n", \
    "-- Every parameter next to the run's identity, for selecting runs, e.g.\n", \
    "--     SELECT run, value FROM run_param\n", \
    "--     WHERE experiment = 'storm' AND key = 'retry.jitter';\n", \
    "CREATE VIEW IF NOT EXISTS run_param AS\n", \
    "    SELECT r.id AS run, r.experiment, r.replication, r.seed, r.status, p.key, p.value\n", \
    "    FROM run AS r JOIN param AS p ON p.run = r.id;\n", \
    "\n", \
    "-- The named random streams and their seeds, per run.\n", \
    "CREATE VIEW IF NOT EXISTS stream AS\n", \
    "    SELECT r.id AS run, s.name AS name, s.stream_seed AS seed\n", \
    "    FROM run AS r JOIN stream_seed AS s ON s.seed = r.seed AND s.replication = r.replication;\n", \
    "\n", \
    "-- The runs of each experiment's current sweep (the one summary holds).\n", \
    "CREATE VIEW IF NOT EXISTS current_run AS\n", \
    "    SELECT r.* FROM run AS r\n", \
    "    WHERE r.sweep = (SELECT s.sweep FROM summary AS s WHERE s.experiment = r.experiment LIMIT 1);\n", \
    "\n", \
    "-- Each point's variables in the experiment's current sweep, for labelling\n", \
    "-- and selecting summary rows:\n", \
    "--     SELECT v.value, s.mean, s.ci95 FROM summary s\n", \
    "--     JOIN point_var v USING (experiment, point)\n", \
    "--     WHERE s.experiment = 'backoff-sweep' AND s.name = 'amplification' AND v.name = 'base';\n", \
    "CREATE VIEW IF NOT EXISTS point_var AS\n", \
    "    SELECT w.experiment AS experiment, v.point AS point, v.name AS name, v.value AS value\n", \
    "    FROM sweep AS w JOIN sweep_var AS v ON v.sweep = w.id\n", \
    "    WHERE w.id = (SELECT s.sweep FROM summary AS s WHERE s.experiment = w.experiment LIMIT 1);\n", \
    ""

#endif
