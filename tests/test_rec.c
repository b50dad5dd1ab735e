/*
 * Tests of the recorder (results/rec, results/pack): hand-built runs are
 * packed, unpacked and written to a temporary database, and every table and
 * view is read back with SQL; runs share the schema and the sweep's
 * parameters; a failed insert rolls back its batch and nothing else; the
 * summary is right, kept up to date point by point, and follows the
 * experiment's latest sweep; older tables are widened, a database of the
 * old schema or of another program is refused untouched; a writer waits
 * for another one; one writer per sweep (claims); a
 * packed run survives the trip and a damaged one is refused; the embedded
 * schema equals results/schema.sql.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "metrics.h"
#include "pack.h"
#include "rec.h"
#include "schema_sql.h"
#include "stats.h"

static const char *const schema_lines[] = {REC_SCHEMA_SQL_LINES};
#define NSCHEMA_LINES (sizeof schema_lines / sizeof schema_lines[0])

/* The embedded schema joined into one string (free it). */
static char *schema_text(void)
{
    size_t n = 1;
    for (size_t i = 0; i < NSCHEMA_LINES; i++)
        n += strlen(schema_lines[i]);
    char *s = malloc(n), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < NSCHEMA_LINES; i++) {
        size_t k = strlen(schema_lines[i]);
        memcpy(p, schema_lines[i], k);
        p += k;
    }
    *p = '\0';
    return s;
}

#define BUCKET_NS (250 * SIMTIME_MS)
#define BIG_SEED 0xfedcba9876543210ULL /* >= 2^63: stored negative */
#define NPARAMS 4

/* One synthetic run and everything the recorder needs around it. */
typedef struct {
    run_cfg_t cfg;
    run_result_t res;
    rec_param_t params[NPARAMS];
    const char *vals[2];       /* a point's variable values, set by describe */
    pack_buf_t buf;
    rec_run_t run;
    char path[64];
} fixture_t;

static const int64_t hist_samples[] = {0, 3, 3, 200, 1000, 1001, 1000000, 1000001};
#define NSAMPLES ((int)(sizeof hist_samples / sizeof hist_samples[0]))

/* Point p's parameters: run.duration and retry.base differ by point. */
static int describe(void *ctx, int point, const rec_param_t **params, int *nparams, const char **values, char *err,
                    size_t errlen)
{
    fixture_t *f = ctx;
    static const char *const base[] = {"50ms", "100ms", "200ms"};
    (void)err, (void)errlen;
    f->params[0] = (rec_param_t){"run.duration", "2s"};
    f->params[1] = (rec_param_t){"run.replication", "0"};
    f->params[2] = (rec_param_t){"retry.base", base[point % 3]};
    f->params[3] = (rec_param_t){"retry.jitter", "full"};
    *params = f->params;
    *nparams = NPARAMS;
    if (values) {
        values[0] = base[point % 3];
        values[1] = "full";
    }
    return 0;
}

static const char *const var_names[] = {"base", "jitter"};

static rec_sweep_t sweep_desc(fixture_t *f, const char *hash, int points)
{
    return (rec_sweep_t){.experiment = "storm",
                         .config_hash = hash,
                         .config_path = "experiments/storm.ini",
                         .config_text = "[run]\nduration = 2s\n",
                         .overrides = "run.seed = 42\n",
                         .version = "0.1-test",
                         .runs = points * 2,
                         .points = points,
                         .repeat = 2,
                         .nvars = 2,
                         .var_names = var_names,
                         .describe = describe,
                         .ctx = f};
}

/* Pack the fixture's result as run number `sweep_run` of `point` (detail
 * on or off) and unpack it into f->run. */
static void pack_fixture(fixture_t *f, int sweep_run, int point, int detail)
{
    char err[256];
    assert_int_equal(pack_run(&f->buf, sweep_run, point, detail, &f->cfg, &f->res), 0);
    if (pack_read(f->buf.p, f->buf.len, &f->run, err, sizeof err) != 0)
        fail_msg("pack_read: %s", err);
}

/* cmocka setup: a fixture in *state; the teardown frees it and removes the
 * database even when a test failed. */
static int fixture_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    run_cfg_t *c = &f->cfg;
    run_result_t *r = &f->res;

    c->run.duration = 2 * SIMTIME_S;
    c->run.seed = 42;
    c->run.replication = 3;
    c->run.bucket = BUCKET_NS;

    /* series: 3 buckets; a SUM and a MAX counter with known values */
    int kinds[256];
    assert_true(metrics_nseries() <= 256);
    for (int i = 0; i < metrics_nseries(); i++)
        kinds[i] = metrics_series_def(i)->kind;
    assert_int_equal(stats_series_init(&r->series, metrics_nseries(), kinds, BUCKET_NS, 0), 0);
    stats_series_record(&r->series, M_CALLS, 0, 1);
    stats_series_record(&r->series, M_CALLS, BUCKET_NS - 1, 1);
    stats_series_record(&r->series, M_CALLS, 2 * BUCKET_NS, 5);
    stats_series_record(&r->series, M_QUEUE, BUCKET_NS, 7);
    stats_series_record(&r->series, M_QUEUE, BUCKET_NS + 1, 4); /* max stays 7 */
    stats_series_record(&r->series, M_BUSY, 2 * BUCKET_NS + 3, 2);

    r->nscalars = metrics_nscalars();
    r->scalar = malloc((size_t)r->nscalars * sizeof *r->scalar);
    assert_non_null(r->scalar);
    for (int i = 0; i < metrics_nscalars(); i++)
        r->scalar[i] = NAN;
    r->has_scalars = 1;
    r->scalar[S_SUCCESS_RATE] = 0.75;
    r->scalar[S_ATTEMPTS_PER_CALL] = 1.5;
    r->scalar[S_CALLS] = 7;
    r->scalar[metrics_scalar_find("lateness_p50_s")] = 0.001; /* a model's scalar with a value */

    r->nhists = 1;
    r->hists[0].name = "latency";
    r->hists[0].unit = "ns";
    assert_int_equal(stats_hist_init(&r->hists[0].h, 7), 0);
    for (int i = 0; i < NSAMPLES; i++)
        stats_hist_add(&r->hists[0].h, hist_samples[i]);

    r->rng.type = gsl_rng_mt19937;
    r->rng.run_seed = 42;
    r->rng.n = 2;
    snprintf(r->rng.s[0].name, sizeof r->rng.s[0].name, "arrivals");
    r->rng.s[0].seed = 12345;
    snprintf(r->rng.s[1].name, sizeof r->rng.s[1].name, "server.service");
    r->rng.s[1].seed = BIG_SEED;
    r->events = 1234567;
    r->wall_s = 0.5;

    snprintf(f->path, sizeof f->path, "/tmp/retrysim-test-rec-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd); /* an empty file is an empty SQLite database */
    *state = f;
    return 0;
}

static void remove_db(const char *path)
{
    char aux[128];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-journal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

static int fixture_teardown(void **state)
{
    fixture_t *f = *state;
    stats_series_free(&f->res.series);
    for (int i = 0; i < f->res.nhists; i++)
        stats_hist_free(&f->res.hists[i].h);
    free(f->res.scalar);
    pack_buf_free(&f->buf);
    remove_db(f->path);
    free(f);
    return 0;
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

/* The single integer a query returns (fails the test on anything else). */
static int64_t q_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static double q_real(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    double v = sqlite3_column_type(st, 0) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Rows in each table (-1 if the table does not exist), in a fixed order. */
#define NTABLES 11
static const char *const tables[NTABLES] = {"sweep",  "sweep_param", "point_param", "sweep_var", "run",   "stream_seed",
                                            "scalars", "series",     "histogram",   "summary",   "metric"};

static void count_rows(sqlite3 *db, int64_t n[NTABLES])
{
    char sql[128];
    for (int i = 0; i < NTABLES; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        if (q_int(db, sql) == 0) {
            n[i] = -1;
            continue;
        }
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[i]);
        n[i] = q_int(db, sql);
    }
}

/* Open, find or create the sweep, put the packed fixture, close. */
static int64_t write_one(fixture_t *f, const char *hash, int points)
{
    char err[512];
    rec_t *r = NULL;
    int64_t sweep = 0, id = 0;
    rec_sweep_t sw = sweep_desc(f, hash, points);
    if (rec_open(&r, f->path, NULL, NULL, err, sizeof err) != 0 || rec_sweep(r, &sw, &sweep, NULL, err, sizeof err) != 0 ||
        rec_put(r, sweep, &f->run, &id, err, sizeof err) != 0 || rec_close(r, err, sizeof err) != 0)
        fail_msg("write: %s", err);
    assert_true(id > 0);
    return id;
}

/* The generated header gives back results/schema.sql byte for byte (the
 * make rule's escaping of quotes and backslashes), and the schema is valid
 * SQL that can run twice. */
static void test_schema_embedded(void **state)
{
    (void)state;
    FILE *fp = fopen("results/schema.sql", "rb");
    if (!fp)
        fail_msg("cannot open results/schema.sql: run the test from the repository root");
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *sql = schema_text();
    int same = strcmp(buf, sql) == 0;
    free(buf);
    if (!same) {
        free(sql);
        fail_msg("the embedded schema (build/gen/schema_sql.h, made by make) differs from results/schema.sql");
    }

    /* valid SQL that can run twice; series and scalars are left to rec.c */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('series', 'scalars')"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 11);
    sqlite3_close(db);
    free(sql);
}

static void test_write_and_read_back(void **state)
{
    fixture_t *f = *state;
    pack_fixture(f, 5, 2, 1);
    int64_t id = write_one(f, "h1", 3);

    sqlite3 *db = open_db(f->path);
    sqlite3_stmt *st = NULL;

    /* the sweep, once, with the text and the overrides */
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep WHERE experiment = 'storm' AND config_hash = 'h1'"
                               " AND config_path = 'experiments/storm.ini' AND config_text = '[run]\nduration = 2s\n'"
                               " AND overrides = 'run.seed = 42\n' AND version = '0.1-test' AND runs = 6"
                               " AND points = 3 AND repeat = 2"),
                     1);

    /* run */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, experiment, sweep_run, point, replication, seed, status, message,"
                                        " events, wall_s, bucket_ns, duration_ns, detail FROM run",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), id);
    assert_string_equal(sqlite3_column_text(st, 1), "storm");
    assert_int_equal(sqlite3_column_int64(st, 2), 5);
    assert_int_equal(sqlite3_column_int64(st, 3), 2);
    assert_int_equal(sqlite3_column_int64(st, 4), 3);
    assert_int_equal(sqlite3_column_int64(st, 5), 42);
    assert_string_equal(sqlite3_column_text(st, 6), "ok");
    assert_int_equal(sqlite3_column_type(st, 7), SQLITE_NULL);
    assert_int_equal(sqlite3_column_int64(st, 8), 1234567);
    assert_true(sqlite3_column_double(st, 9) == 0.5);
    assert_int_equal(sqlite3_column_int64(st, 10), BUCKET_NS);
    assert_int_equal(sqlite3_column_int64(st, 11), 2 * SIMTIME_S);
    assert_int_equal(sqlite3_column_int64(st, 12), 1);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    /* parameters: point 0 in full, point 2's differences (point 1 has no
     * run, so it is not described), the run's own replication; through the
     * param and run_param views */
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep_param"), NPARAMS);
    assert_int_equal(q_int(db, "SELECT count(*) FROM point_param"), 1); /* retry.base at point 2 */
    assert_int_equal(q_int(db, "SELECT count(*) FROM param"), NPARAMS);
    assert_int_equal(q_int(db, "SELECT count(*) FROM param WHERE key = 'retry.base' AND value = '200ms'"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM param WHERE key = 'run.replication' AND value = '3'"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run_param WHERE experiment = 'storm' AND key = 'retry.jitter'"
                               " AND value = 'full' AND replication = 3"),
                     1);
    /* variables of points 0 and 2; runvar gives the run's */
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep_var"), 4);
    assert_int_equal(q_int(db, "SELECT count(*) FROM runvar WHERE name = 'base' AND value = '200ms'"), 1);

    /* stream seeds round-trip bit for bit */
    assert_int_equal(q_int(db, "SELECT count(*) FROM stream"), 2);
    assert_int_equal(q_int(db, "SELECT seed FROM stream WHERE name = 'arrivals'"), 12345);
    assert_true((uint64_t)q_int(db, "SELECT seed FROM stream WHERE name = 'server.service'") == BIG_SEED);
    assert_int_equal(q_int(db, "SELECT printf('%llu', seed) = '18364758544493064720' FROM stream"
                               " WHERE name = 'server.service'"),
                     1); /* as the schema's comment says */

    /* scalars: one row, a column each; the scalar view: every core scalar
     * (NaN is NULL), a model's scalar only where it has a value */
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalars"), 1);
    assert_true(q_real(db, "SELECT success_rate FROM scalars") == 0.75);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar"), S_CORE_COUNT + 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'success_rate' AND value = 0.75"
                               " AND unit = 'ratio'"),
                     1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'latency_p99_s' AND value IS NULL"
                               " AND unit = 's'"),
                     1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'lateness_p50_s' AND value = 0.001"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'lateness_p90_s'"), 0);

    /* series: one row per bucket, t_ns = bucket start, every counter */
    assert_int_equal(q_int(db, "SELECT count(*) FROM series"), 3);
    char sql[256];
    for (int b = 0; b < 3; b++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM series WHERE run = %lld AND t_ns = %lld", (long long)id,
                 (long long)b * BUCKET_NS);
        assert_int_equal(q_int(db, sql), 1);
        for (int c = 0; c < metrics_nseries(); c++) {
            snprintf(sql, sizeof sql, "SELECT \"%s\" FROM series WHERE t_ns = %lld", metrics_series_def(c)->name,
                     (long long)b * BUCKET_NS);
            assert_int_equal(q_int(db, sql), stats_series_get(&f->res.series, c, b));
        }
    }
    assert_int_equal(q_int(db, "SELECT calls FROM series WHERE t_ns = 0"), 2);
    snprintf(sql, sizeof sql, "SELECT queue_length FROM series WHERE t_ns = %lld", (long long)BUCKET_NS);
    assert_int_equal(q_int(db, sql), 7);

    /* histogram: non-empty buckets only; each sample in exactly one bucket;
     * values below 2^(p+1) = 256 have buckets of their own */
    assert_int_equal(q_int(db, "SELECT sum(count) FROM histogram WHERE name = 'latency' AND unit = 'ns'"), NSAMPLES);
    assert_int_equal(q_int(db, "SELECT count(*) FROM histogram WHERE count <= 0 OR lower > upper"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM histogram"), 5); /* 0 | 3 | 200 | 1000,1001 | 1e6,1e6+1 */
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower = 3 AND upper = 3"), 2);
    for (int i = 0; i < NSAMPLES; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM histogram WHERE lower <= %lld AND %lld <= upper",
                 (long long)hist_samples[i], (long long)hist_samples[i]);
        assert_int_equal(q_int(db, sql), 1);
    }

    /* metric: one row per series metric and per scalar */
    assert_int_equal(q_int(db, "SELECT count(*) FROM metric"), metrics_nseries() + metrics_nscalars());
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT unit, kind, help FROM metric WHERE name = ?1 AND kind <> 'scalar'", -1, &st, NULL),
                     SQLITE_OK);
    for (int c = 0; c < metrics_nseries(); c++) {
        sqlite3_bind_text(st, 1, metrics_series_def(c)->name, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal(sqlite3_column_text(st, 0), metrics_series_def(c)->unit);
        assert_string_equal(sqlite3_column_text(st, 1), metrics_series_def(c)->kind == STATS_SUM ? "sum" : "max");
        assert_string_equal(sqlite3_column_text(st, 2), metrics_series_def(c)->help);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    assert_int_equal(q_int(db, "SELECT count(*) FROM metric WHERE kind = 'scalar' AND name = 'amplification'"), 1);

    /* closed: a single file in the rollback journal, foreign keys hold */
    assert_int_equal(q_int(db, "SELECT journal_mode = 'delete' FROM pragma_journal_mode"), 1);
    assert_int_equal(q_int(db, "PRAGMA user_version"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    sqlite3_close(db);
}

/* Without detail a run is its run and scalars rows only; a run that failed
 * at setup (no scalars) has no scalars row. */
static void test_detail_off(void **state)
{
    fixture_t *f = *state;
    pack_fixture(f, 1, 0, 0);
    write_one(f, "h1", 1);
    f->res.has_scalars = 0;
    f->res.failed = 1;
    snprintf(f->res.message, sizeof f->res.message, "event budget reached");
    pack_fixture(f, 2, 0, 1);
    int64_t id2 = write_one(f, "h1", 1);
    sqlite3 *db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalars"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run WHERE detail = 0 AND sweep_run = 1"), 1);
    assert_int_equal(q_int(db, "SELECT count(DISTINCT run) FROM series"), 1);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE id = %lld AND status = 'failed'"
                              " AND message = 'event budget reached'", (long long)id2);
    assert_int_equal(q_int(db, sql), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep"), 1); /* the same text: one sweep */
    assert_int_equal(q_int(db, "SELECT count(*) FROM stream_seed"), 2); /* same seed and replication */
    sqlite3_close(db);
}

static void test_two_sweeps_and_cascade(void **state)
{
    fixture_t *f = *state;
    pack_fixture(f, 0, 0, 1);
    int64_t id1 = write_one(f, "h1", 1);
    sqlite3 *db = open_db(f->path);
    int64_t nschema = q_int(db, "SELECT count(*) FROM sqlite_master");
    sqlite3_close(db);

    /* another text: another sweep; a `retrysim run` (no run number) */
    f->cfg.run.replication = 4;
    pack_fixture(f, -1, 0, 1);
    int64_t id2 = write_one(f, "h2", 1);
    assert_true(id1 != id2);

    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), nschema);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run WHERE sweep_run IS NULL AND replication = 4"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM param"), 2 * NPARAMS);

    /* deleting a run cascades to its rows; deleting a sweep to its runs */
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM run WHERE id = %lld", (long long)id1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    const char *const children[] = {"scalars", "series", "histogram"};
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run = %lld", children[i], (long long)id1);
        assert_int_equal(q_int(db, sql), 0);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run = %lld", children[i], (long long)id2);
        assert_true(q_int(db, sql) > 0);
    }
    assert_int_equal(sqlite3_exec(db, "DELETE FROM sweep WHERE config_hash = 'h2'", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM series"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep_param"), NPARAMS); /* h1's */
    sqlite3_close(db);
}

static void test_missing_directory(void **state)
{
    fixture_t *f = *state;
    const char *path = "/tmp/retrysim-no-such-dir-7f3a/sub/results.db";
    char err[512] = "";
    rec_t *r = (rec_t *)f; /* any non-NULL value: rec_open must clear it */
    struct stat sb;
    assert_int_equal(rec_open(&r, path, NULL, NULL, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, "/tmp/retrysim-no-such-dir-7f3a/sub"));
    assert_non_null(strstr(err, "does not exist"));
    assert_int_not_equal(stat(path, &sb), 0);
    assert_int_not_equal(stat("/tmp/retrysim-no-such-dir-7f3a", &sb), 0); /* no directory made either */

    /* a file where the directory should be */
    char file_as_dir[128];
    snprintf(file_as_dir, sizeof file_as_dir, "%s/x.db", f->path);
    assert_int_equal(rec_open(&r, file_as_dir, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a directory"));
    assert_int_equal(rec_open(&r, NULL, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(rec_open(&r, "", NULL, NULL, NULL, 0), -1); /* err may be NULL */
    assert_int_equal(rec_close(NULL, err, sizeof err), 0);
}

/* A run whose rows violate a constraint (its run number is already in the
 * sweep) rolls back the batch it was in, and only that batch. */
static void test_failure_rolls_back_the_batch(void **state)
{
    fixture_t *f = *state;
    char err[512] = "";
    rec_t *r = NULL;
    int64_t sweep = 0, before[NTABLES], after[NTABLES];
    rec_sweep_t sw = sweep_desc(f, "h1", 1);
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(rec_sweep(r, &sw, &sweep, NULL, err, sizeof err), 0);
    pack_fixture(f, 0, 0, 1);
    assert_int_equal(rec_put(r, sweep, &f->run, NULL, err, sizeof err), 0);
    assert_int_equal(rec_commit(r, err, sizeof err), 0);
    sqlite3 *db = open_db(f->path);
    count_rows(db, before);
    sqlite3_close(db);

    pack_fixture(f, 1, 0, 1);
    assert_int_equal(rec_put(r, sweep, &f->run, NULL, err, sizeof err), 0);
    assert_int_equal(rec_pending(r), 1);
    pack_fixture(f, 0, 0, 1); /* run 0 again */
    assert_int_equal(rec_put(r, sweep, &f->run, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "UNIQUE constraint failed"));
    assert_non_null(strstr(err, f->path));
    assert_int_equal(rec_pending(r), 0);
    assert_int_equal(rec_close(r, err, sizeof err), 0);

    db = open_db(f->path);
    count_rows(db, after);
    for (int i = 0; i < NTABLES; i++)
        assert_int_equal(after[i], before[i]); /* run 1 went with the batch; run 0 stayed */
    assert_int_equal(q_int(db, "SELECT count(*) FROM run WHERE sweep_run = 0"), 1);
    sqlite3_close(db);
}

/* Databases written before some metrics existed: the recorder adds the
 * missing columns, and the old rows hold NULL there. */
static void test_tables_are_widened(void **state)
{
    fixture_t *f = *state;
    sqlite3 *db = open_db(f->path);
    char *sql = schema_text();
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA user_version = 2;"
                                  "CREATE TABLE series (run INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
                                  " t_ns INTEGER NOT NULL, calls INTEGER, PRIMARY KEY (run, t_ns));"
                                  "CREATE TABLE scalars (run INTEGER PRIMARY KEY REFERENCES run (id), calls REAL);"
                                  "INSERT INTO sweep (id, experiment, config_hash) VALUES (1, 'old', 'h0');"
                                  "INSERT INTO run (id, sweep, experiment, point, replication, seed, status, detail)"
                                  " VALUES (1, 1, 'old', 0, 0, 1, 'ok', 1);"
                                  "INSERT INTO series (run, t_ns, calls) VALUES (1, 0, 9);"
                                  "INSERT INTO scalars (run, calls) VALUES (1, 9);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    pack_fixture(f, 0, 0, 1);
    assert_int_equal(write_one(f, "h1", 1), 2);
    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT calls FROM series WHERE run = 1"), 9);
    assert_int_equal(q_int(db, "SELECT served_ok IS NULL AND busy_workers IS NULL FROM series WHERE run = 1"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM series WHERE run = 2 AND served_ok = 0"), 3);
    assert_int_equal(q_int(db, "SELECT amplification IS NULL FROM scalars WHERE run = 1"), 1);
    assert_true(q_real(db, "SELECT success_rate FROM scalars WHERE run = 2") == 0.75);
    assert_int_equal(q_int(db, "SELECT value FROM scalar WHERE run = 1 AND name = 'calls'"), 9);
    sqlite3_close(db);
}

/* A database of schema 1 (retrysim 0.3) is refused and left as it was. */
static void test_old_schema_refused(void **state)
{
    fixture_t *f = *state;
    char err[512] = "";
    rec_t *r = NULL;
    sqlite3 *db = open_db(f->path);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE run (id INTEGER PRIMARY KEY, config_text TEXT);", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "schema 1"));
    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    assert_int_equal(q_int(db, "PRAGMA user_version"), 0);
    /* and another program's database */
    assert_int_equal(sqlite3_exec(db, "DROP TABLE run; CREATE TABLE accounts (id INTEGER);", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a retrysim database"));
    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);
}

/* Another process holds the write lock for HOLD_MS: the writer waits for
 * it (busy timeout) instead of failing with "database is locked". */
#define HOLD_MS 400
static void test_waits_for_another_writer(void **state)
{
    fixture_t *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        int ok = sqlite3_open(f->path, &db) == SQLITE_OK &&
                 sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        char c = ok ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1)
            ok = 0;
        struct timespec hold = {0, HOLD_MS * 1000000L};
        nanosleep(&hold, NULL);
        ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_close(db);
        _exit(ok ? 0 : 1);
    }
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pack_fixture(f, 0, 0, 1);
    write_one(f, "h1", 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    close(fds[1]);
    double waited_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(waited_ms >= HOLD_MS / 2);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sqlite3 *db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 1);
    sqlite3_close(db);
}

/* One writer per sweep: a live writer's claim is refused to another
 * process, with its pid named; the claim of a writer that died (kill -9:
 * no release) is taken over; rec_close releases it. */
static void test_claim(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int to_child[2], to_parent[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(to_parent), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rec_t *r = NULL;
        int64_t sweep = 0;
        rec_sweep_t sw = sweep_desc(f, "h1", 1);
        char c = rec_open(&r, f->path, NULL, NULL, err, sizeof err) == 0 &&
                         rec_sweep(r, &sw, &sweep, NULL, err, sizeof err) == 0 &&
                         rec_claim(r, sweep, err, sizeof err) == 0
                     ? 'y'
                     : 'n';
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(2);
        _exit(0); /* dies holding the claim, as kill -9 would leave it */
    }
    char c = 0;
    assert_int_equal(read(to_parent[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    rec_t *r = NULL;
    int64_t sweep = 0;
    rec_sweep_t sw = sweep_desc(f, "h1", 1);
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(rec_sweep(r, &sw, &sweep, NULL, err, sizeof err), 0);
    assert_int_equal(rec_claim(r, sweep, err, sizeof err), -1);
    assert_non_null(strstr(err, "another retrysim sweep"));
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, " %d,", (int)pid);
    assert_non_null(strstr(err, pidtext));
    assert_int_equal(write(to_child[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(rec_claim(r, sweep, err, sizeof err), 0); /* its writer is gone */
    assert_int_equal(rec_claim(r, sweep, err, sizeof err), 0); /* ours: claiming again is fine */
    assert_int_equal(rec_close(r, err, sizeof err), 0);
    sqlite3 *db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sweep WHERE writer IS NULL"), 1);
    sqlite3_close(db);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
}

/* The wait callback: asked while another process holds the lock, with
 * the time waited; the writer goes on past SQLite's busy timeout. */
static int count_waits(void *ctx, int64_t waited_ms)
{
    int64_t *most = ctx;
    if (waited_ms > *most)
        *most = waited_ms;
    return 1;
}

static void test_wait_callback(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        int ok = sqlite3_open(f->path, &db) == SQLITE_OK &&
                 sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
        char c = ok ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1)
            ok = 0;
        struct timespec hold = {1, 0};
        nanosleep(&hold, NULL);
        ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_close(db);
        _exit(ok ? 0 : 1);
    }
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    int64_t most = 0;
    rec_t *r = NULL;
    if (rec_open(&r, f->path, count_waits, &most, err, sizeof err) != 0)
        fail_msg("rec_open: %s", err);
    assert_int_equal(rec_close(r, err, sizeof err), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(most >= 500);
    close(fds[0]);
    close(fds[1]);
}

/* Put runs (run number, point, success_rate) into sweep `hash`. */
static void put_runs(fixture_t *f, const char *hash, int points, const int (*runs)[2], const double *sr, int n,
                     int summarise)
{
    char err[512];
    rec_t *r = NULL;
    int64_t sweep = 0;
    rec_sweep_t sw = sweep_desc(f, hash, points);
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(rec_sweep(r, &sw, &sweep, NULL, err, sizeof err), 0);
    for (int i = 0; i < n; i++) {
        f->res.scalar[S_SUCCESS_RATE] = sr[i];
        f->cfg.run.replication = (uint32_t)(runs[i][0] % 2);
        pack_fixture(f, runs[i][0], runs[i][1], 0);
        if (rec_put(r, sweep, &f->run, NULL, err, sizeof err) != 0)
            fail_msg("put: %s", err);
    }
    if (summarise && rec_summarise(r, sweep, err, sizeof err) != 0)
        fail_msg("summarise: %s", err);
    assert_int_equal(rec_close(r, err, sizeof err), 0);
}

static double summary_of(sqlite3 *db, const char *col, int point, const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM summary WHERE point = %d AND name = '%s'", col, point, name);
    return q_real(db, sql);
}

/* Point 0 has replications with success_rate 0.75 and 0.25: mean 0.5, sd
 * sqrt(1/8), ci95 = t(0.975, 1) * sd / sqrt(2) = 12.7062 * 0.25 = 3.17655.
 * Then runs are added to point 1 only: point 0's rows stay as they were,
 * point 1's are recomputed. A sweep of another text takes the summary
 * over; resuming the first takes it back. */
static void test_sweep_summary(void **state)
{
    fixture_t *f = *state;
    char err[512];
    static const int first[][2] = {{0, 0}, {1, 0}, {2, 1}};
    static const double sr1[] = {0.75, 0.25, 0.5};
    put_runs(f, "h1", 2, first, sr1, 3, 1);

    sqlite3 *db = open_db(f->path);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT n, mean, sd, ci95 FROM summary s JOIN point_var v USING (experiment, point)"
                                        " WHERE s.name = 'success_rate' AND v.name = 'base' AND v.value = '50ms'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_true(fabs(sqlite3_column_double(st, 1) - 0.5) < 1e-12);
    assert_true(fabs(sqlite3_column_double(st, 2) - sqrt(0.125)) < 1e-12);
    assert_true(fabs(sqlite3_column_double(st, 3) - 3.17655) < 1e-4);
    sqlite3_finalize(st);
    /* a point with one replication has no spread */
    assert_int_equal(q_int(db, "SELECT count(*) FROM summary WHERE point = 1 AND name = 'success_rate'"
                               " AND n = 1 AND sd IS NULL AND ci95 IS NULL"), 1);
    /* every core scalar has a row (n = 0 where undefined), a model's only
     * where it has values */
    assert_int_equal(q_int(db, "SELECT count(*) FROM summary WHERE point = 0"), S_CORE_COUNT + 1);
    assert_int_equal(summary_of(db, "n", 0, "latency_p99_s"), 0);
    assert_true(isnan(summary_of(db, "mean", 0, "latency_p99_s")));
    assert_int_equal(summary_of(db, "n", 0, "lateness_p50_s"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM current_run"), 3);
    /* mark point 0's row, to see that the next update leaves it alone */
    assert_int_equal(sqlite3_exec(db, "UPDATE summary SET sd = -1 WHERE point = 0 AND name = 'calls'", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    static const int more[][2] = {{3, 1}};
    static const double sr2[] = {0.9};
    put_runs(f, "h1", 2, more, sr2, 1, 1);
    db = open_db(f->path);
    assert_true(summary_of(db, "sd", 0, "calls") == -1);
    assert_int_equal(summary_of(db, "n", 1, "success_rate"), 2);
    assert_true(fabs(summary_of(db, "mean", 1, "success_rate") - 0.7) < 1e-12);
    sqlite3_close(db);

    /* runs recorded but not summarised (a sweep cut short) are caught up */
    static const int late[][2] = {{4, 2}};
    static const double sr3[] = {0.1};
    put_runs(f, "h1", 3, late, sr3, 1, 0);
    /* another text of the experiment takes the summary over ... */
    static const int other[][2] = {{0, 0}};
    static const double sr4[] = {0.3};
    put_runs(f, "h2", 1, other, sr4, 1, 1);
    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(DISTINCT point) FROM summary"), 1);
    assert_true(fabs(summary_of(db, "mean", 0, "success_rate") - 0.3) < 1e-12);
    assert_int_equal(q_int(db, "SELECT count(*) FROM point_var"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM current_run"), 1);
    sqlite3_close(db);
    /* ... and resuming the first, even with nothing new, takes it back, whole */
    put_runs(f, "h1", 3, NULL, NULL, 0, 1);
    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(DISTINCT point) FROM summary"), 3);
    assert_true(fabs(summary_of(db, "mean", 2, "success_rate") - 0.1) < 1e-12);
    assert_true(fabs(summary_of(db, "mean", 0, "success_rate") - 0.5) < 1e-12);
    sqlite3_close(db);

    /* the runs already recorded, for resume */
    rec_t *r = NULL;
    int64_t sweep = 0;
    rec_sweep_t sw = sweep_desc(f, "h1", 3);
    unsigned char done[8] = {0};
    assert_int_equal(rec_open(&r, f->path, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(rec_sweep(r, &sw, &sweep, NULL, err, sizeof err), 0);
    assert_int_equal(rec_done_runs(r, sweep, done, 8, err, sizeof err), 5);
    assert_true(done[0] && done[1] && done[2] && done[3] && done[4] && !done[5]);
    assert_int_equal(rec_close(r, err, sizeof err), 0);
}

/* A packed run comes back as it went; any truncation or a wrong magic
 * number is refused with a message, never read past the end. */
static void test_pack_round_trip(void **state)
{
    fixture_t *f = *state;
    char err[256];
    pack_fixture(f, 9, 4, 1);
    const rec_run_t *rr = &f->run;
    assert_int_equal(rr->h.sweep_run, 9);
    assert_int_equal(rr->h.point, 4);
    assert_int_equal(rr->h.replication, 3);
    assert_true(rr->h.seed == 42);
    assert_int_equal(rr->h.nbuckets, 3);
    assert_int_equal(rr->series[0 * metrics_nseries() + M_CALLS], 2);
    assert_int_equal(rr->series[1 * metrics_nseries() + M_QUEUE], 7);
    assert_int_equal(rr->h.nhists, 1);
    assert_string_equal(rr->hist[0].name, "latency");
    assert_int_equal(rr->hist[0].nbuckets, 5);
    assert_int_equal(rr->h.nstreams, 2);
    assert_true(rr->h.stream[1].seed == BIG_SEED);
    assert_true(rr->scalar[S_SUCCESS_RATE] == 0.75 && isnan(rr->scalar[S_LAT_P99]));

    size_t len = f->buf.len;
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    for (size_t cut = 0; cut < len; cut += 8) {
        memcpy(copy, f->buf.p, cut);
        rec_run_t out;
        assert_int_equal(pack_read(copy, cut, &out, err, sizeof err), -1);
    }
    memcpy(copy, f->buf.p, len);
    copy[0] ^= 1;
    rec_run_t out;
    assert_int_equal(pack_read(copy, len, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "not from this retrysim binary"));
    free(copy);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_embedded), T(test_write_and_read_back), T(test_detail_off),
        T(test_two_sweeps_and_cascade),         T(test_missing_directory),   T(test_failure_rolls_back_the_batch),
        T(test_tables_are_widened),             T(test_old_schema_refused),  T(test_waits_for_another_writer),
        T(test_sweep_summary),                  T(test_pack_round_trip),     T(test_claim),
        T(test_wait_callback),
    };
#undef T
    return cmocka_run_group_tests_name("rec", tests, NULL, NULL);
}
