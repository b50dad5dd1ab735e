/*
 * Tests of the recorder (results/rec): a hand-built run is written to a
 * temporary database and every table is read back with SQL; two runs get
 * distinct ids and share the schema; failures (a missing directory, a
 * constraint violated after BEGIN) leave nothing behind; an older series
 * table is widened; a writer waits for another one; the embedded schema
 * equals results/schema.sql.
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

/* One synthetic run and everything rec_write needs around it. */
typedef struct {
    run_cfg_t cfg;
    run_result_t res;
    rec_param_t params[3];
    rec_run_t run;
    char path[64];
} fixture_t;

static const int64_t hist_samples[] = {0, 3, 3, 200, 1000, 1001, 1000000, 1000001};
#define NSAMPLES ((int)(sizeof hist_samples / sizeof hist_samples[0]))

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
    snprintf(c->run.generator, sizeof c->run.generator, "mt19937");
    c->run.bucket = BUCKET_NS;
    snprintf(c->output.experiment, sizeof c->output.experiment, "from-cfg");

    /* series: 3 buckets; a SUM and a MAX counter with known values */
    int kinds[M_COUNT];
    for (int i = 0; i < M_COUNT; i++)
        kinds[i] = metrics_series[i].kind;
    assert_int_equal(stats_series_init(&r->series, M_COUNT, kinds, BUCKET_NS, 0), 0);
    stats_series_record(&r->series, M_CALLS, 0, 1);
    stats_series_record(&r->series, M_CALLS, BUCKET_NS - 1, 1);
    stats_series_record(&r->series, M_CALLS, 2 * BUCKET_NS, 5);
    stats_series_record(&r->series, M_QUEUE, BUCKET_NS, 7);
    stats_series_record(&r->series, M_QUEUE, BUCKET_NS + 1, 4); /* max stays 7 */
    stats_series_record(&r->series, M_BUSY, 2 * BUCKET_NS + 3, 2);

    r->nscalars = 3;
    r->scalars[0] = (run_scalar_t){"success_rate", "ratio", 0.75};
    r->scalars[1] = (run_scalar_t){"latency_p99_s", "s", NAN};
    r->scalars[2] = (run_scalar_t){"attempts_per_call", "attempts", 1.5};

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

    f->params[0] = (rec_param_t){"run.duration", "2s"};
    f->params[1] = (rec_param_t){"retry.policy", "exponential"};
    f->params[2] = (rec_param_t){"run.seed", "42"};
    f->run = (rec_run_t){.experiment = "storm",
                         .config_text = "[run]\nduration = 2s\n",
                         .config_path = "experiments/storm.ini",
                         .params = f->params,
                         .nparams = 3,
                         .version = "0.1-test",
                         .started = "2024-01-02T03:04:05Z",
                         .cfg = c,
                         .res = r};

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

/* Rows in each table (-1 if the table does not exist), in a fixed order. */
#define NTABLES 7
static const char *const tables[NTABLES] = {"run", "param", "stream", "scalar", "series", "histogram", "metric"};

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
        fail_msg("results/schema_sql.h differs from results/schema.sql: regenerate it (see its comment)");
    }

    /* valid SQL that can run twice; the series table is left to rec.c */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'series'"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 8);
    sqlite3_close(db);
    free(sql);
}

static void test_write_and_read_back(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int64_t id = -1;
    int rc = rec_write(f->path, &f->run, &id, err, sizeof err);
    if (rc != 0)
        fail_msg("rec_write: %s", err);
    assert_true(id > 0);

    sqlite3 *db = open_db(f->path);
    sqlite3_stmt *st = NULL;

    /* run */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, experiment, config_path, config_text, seed, replication,"
                                        " generator, version, started, wall_s, events, status, message,"
                                        " bucket_ns, duration_ns FROM run",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), id);
    assert_string_equal(sqlite3_column_text(st, 1), "storm");
    assert_string_equal(sqlite3_column_text(st, 2), "experiments/storm.ini");
    assert_string_equal(sqlite3_column_text(st, 3), "[run]\nduration = 2s\n");
    assert_int_equal(sqlite3_column_int64(st, 4), 42);
    assert_int_equal(sqlite3_column_int64(st, 5), 3);
    assert_string_equal(sqlite3_column_text(st, 6), "mt19937");
    assert_string_equal(sqlite3_column_text(st, 7), "0.1-test");
    assert_string_equal(sqlite3_column_text(st, 8), "2024-01-02T03:04:05Z");
    assert_true(sqlite3_column_double(st, 9) == 0.5);
    assert_int_equal(sqlite3_column_int64(st, 10), 1234567);
    assert_string_equal(sqlite3_column_text(st, 11), "ok");
    assert_int_equal(sqlite3_column_type(st, 12), SQLITE_NULL);
    assert_int_equal(sqlite3_column_int64(st, 13), BUCKET_NS);
    assert_int_equal(sqlite3_column_int64(st, 14), 2 * SIMTIME_S);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);

    /* param, also through the run_param view */
    assert_int_equal(q_int(db, "SELECT count(*) FROM param"), 3);
    assert_int_equal(q_int(db, "SELECT count(*) FROM param WHERE key = 'retry.policy' AND value = 'exponential'"),
                     1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run_param WHERE experiment = 'storm' AND key = 'run.seed'"
                               " AND value = '42' AND replication = 3"),
                     1);

    /* stream: seeds round-trip bit for bit */
    assert_int_equal(q_int(db, "SELECT count(*) FROM stream"), 2);
    assert_int_equal(q_int(db, "SELECT seed FROM stream WHERE name = 'arrivals'"), 12345);
    assert_true((uint64_t)q_int(db, "SELECT seed FROM stream WHERE name = 'server.service'") == BIG_SEED);
    assert_int_equal(q_int(db, "SELECT printf('%llu', seed) = '18364758544493064720' FROM stream"
                               " WHERE name = 'server.service'"),
                     1); /* as the schema's comment says */

    /* scalar: NaN is NULL, units kept */
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar"), 3);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'success_rate' AND value = 0.75"
                               " AND unit = 'ratio'"),
                     1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'latency_p99_s' AND value IS NULL"
                               " AND unit = 's'"),
                     1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM scalar WHERE name = 'attempts_per_call' AND value = 1.5"),
                     1);

    /* series: one row per bucket, t_ns = bucket start, every counter */
    assert_int_equal(q_int(db, "SELECT count(*) FROM series"), 3);
    char sql[256];
    for (int b = 0; b < 3; b++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM series WHERE run = %lld AND t_ns = %lld", (long long)id,
                 (long long)b * BUCKET_NS);
        assert_int_equal(q_int(db, sql), 1);
        for (int c = 0; c < M_COUNT; c++) {
            snprintf(sql, sizeof sql, "SELECT \"%s\" FROM series WHERE t_ns = %lld", metrics_series[c].name,
                     (long long)b * BUCKET_NS);
            int64_t want = stats_series_get(&f->res.series, c, b);
            assert_int_equal(q_int(db, sql), want);
        }
    }
    snprintf(sql, sizeof sql, "SELECT calls FROM series WHERE t_ns = 0");
    assert_int_equal(q_int(db, sql), 2);
    snprintf(sql, sizeof sql, "SELECT queue_length FROM series WHERE t_ns = %lld", (long long)BUCKET_NS);
    assert_int_equal(q_int(db, sql), 7);
    snprintf(sql, sizeof sql, "SELECT calls * 10 + busy_workers FROM series WHERE t_ns = %lld",
             (long long)2 * BUCKET_NS);
    assert_int_equal(q_int(db, sql), 52);
    assert_int_equal(q_int(db, "SELECT count(*) FROM series WHERE served_ok IS NULL"), 0);

    /* histogram: non-empty buckets only; each sample in exactly one bucket;
     * values below 2^(p+1) = 256 have buckets of their own */
    assert_int_equal(q_int(db, "SELECT sum(count) FROM histogram WHERE name = 'latency' AND unit = 'ns'"), NSAMPLES);
    assert_int_equal(q_int(db, "SELECT count(*) FROM histogram WHERE count <= 0 OR lower > upper"), 0);
    assert_int_equal(q_int(db, "SELECT count(*) FROM histogram"), 5); /* 0 | 3 | 200 | 1000,1001 | 1e6,1e6+1 */
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower = 3 AND upper = 3"), 2);
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower = 0 AND upper = 0"), 1);
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower = 200 AND upper = 200"), 1);
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower <= 1000 AND upper >= 1001"), 2);
    assert_int_equal(q_int(db, "SELECT count FROM histogram WHERE lower <= 1000000 AND upper >= 1000001"), 2);
    for (int i = 0; i < NSAMPLES; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM histogram WHERE lower <= %lld AND %lld <= upper",
                 (long long)hist_samples[i], (long long)hist_samples[i]);
        assert_int_equal(q_int(db, sql), 1);
    }
    /* relative width bounded by 2^-7 */
    assert_int_equal(q_int(db, "SELECT count(*) FROM histogram WHERE (upper - lower + 1) * 128 > lower"
                               " AND lower >= 256"),
                     0);

    /* metric: one row per metrics_series[] entry */
    assert_int_equal(q_int(db, "SELECT count(*) FROM metric"), M_COUNT);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT unit, kind, help FROM metric WHERE name = ?1", -1, &st, NULL),
                     SQLITE_OK);
    for (int c = 0; c < M_COUNT; c++) {
        sqlite3_bind_text(st, 1, metrics_series[c].name, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal(sqlite3_column_text(st, 0), metrics_series[c].unit);
        assert_string_equal(sqlite3_column_text(st, 1), metrics_series[c].kind == STATS_SUM ? "sum" : "max");
        assert_string_equal(sqlite3_column_text(st, 2), metrics_series[c].help);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    /* the transaction is closed and the foreign keys hold */
    assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    sqlite3_close(db);
}

/* The series table's columns are run, t_ns, then metrics_series[] in order. */
static void assert_series_columns(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name, type FROM pragma_table_info('series') ORDER BY cid", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(st, 0), "run");
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal(sqlite3_column_text(st, 0), "t_ns");
    for (int c = 0; c < M_COUNT; c++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal(sqlite3_column_text(st, 0), metrics_series[c].name);
        assert_string_equal(sqlite3_column_text(st, 1), "INTEGER");
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void test_two_runs_share_the_schema(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int64_t id1 = -1, id2 = -1;
    if (rec_write(f->path, &f->run, &id1, err, sizeof err) != 0)
        fail_msg("first write: %s", err);

    sqlite3 *db = open_db(f->path);
    int64_t nschema = q_int(db, "SELECT count(*) FROM sqlite_master");
    assert_series_columns(db);
    sqlite3_close(db);

    /* a second run: another replication, failed, experiment from the cfg */
    f->cfg.run.replication = 4;
    f->run.experiment = NULL; /* falls back to [output] experiment */
    f->res.failed = 1;
    snprintf(f->res.message, sizeof f->res.message, "event budget reached");
    if (rec_write(f->path, &f->run, &id2, err, sizeof err) != 0)
        fail_msg("second write: %s", err);
    assert_true(id2 > 0);
    assert_true(id1 != id2);

    db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), nschema);
    assert_series_columns(db);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 2);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM run WHERE id = %lld AND status = 'failed' AND message = 'event budget reached'"
             " AND experiment = 'from-cfg' AND replication = 4",
             (long long)id2);
    assert_int_equal(q_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE id = %lld AND status = 'ok'", (long long)id1);
    assert_int_equal(q_int(db, sql), 1);
    assert_int_equal(q_int(db, "SELECT count(DISTINCT run) FROM series"), 2);
    assert_int_equal(q_int(db, "SELECT count(*) FROM param"), 6);
    assert_int_equal(q_int(db, "SELECT count(*) FROM metric"), M_COUNT);

    /* deleting a run cascades to its rows */
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "DELETE FROM run WHERE id = %lld", (long long)id1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    const char *const children[] = {"param", "stream", "scalar", "series", "histogram"};
    for (int i = 0; i < 5; i++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run = %lld", children[i], (long long)id1);
        assert_int_equal(q_int(db, sql), 0);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE run = %lld", children[i], (long long)id2);
        assert_true(q_int(db, sql) > 0);
    }
    sqlite3_close(db);
}

static void test_missing_directory(void **state)
{
    fixture_t *f = *state;
    const char *path = "/tmp/retrysim-no-such-dir-7f3a/sub/results.db";
    char err[512] = "";
    int64_t id = -7;
    struct stat sb;
    assert_int_equal(rec_write(path, &f->run, &id, err, sizeof err), -1);
    assert_int_equal(id, -7);
    assert_non_null(strstr(err, "/tmp/retrysim-no-such-dir-7f3a/sub"));
    assert_non_null(strstr(err, "does not exist"));
    assert_int_not_equal(stat(path, &sb), 0);
    assert_int_not_equal(stat("/tmp/retrysim-no-such-dir-7f3a", &sb), 0); /* no directory made either */

    /* a file where the directory should be */
    char file_as_dir[128];
    snprintf(file_as_dir, sizeof file_as_dir, "%s/x.db", f->path);
    assert_int_equal(rec_write(file_as_dir, &f->run, &id, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a directory"));

    /* bad arguments */
    assert_int_equal(rec_write(NULL, &f->run, &id, err, sizeof err), -1);
    assert_int_equal(rec_write(f->path, NULL, &id, err, sizeof err), -1);
    assert_int_equal(rec_write(f->path, &f->run, &id, NULL, 0), 0); /* err may be NULL; id may be NULL */
    assert_int_equal(rec_write(f->path, &f->run, NULL, err, sizeof err), 0);
}

static void test_failure_writes_nothing(void **state)
{
    fixture_t *f = *state;
    char err[512] = "";
    int64_t id = -7;
    int64_t before[NTABLES], after[NTABLES];

    /* two scalars of one name: the PRIMARY KEY fails after BEGIN, after the
     * run, params and streams were inserted */
    f->res.scalars[2].name = "success_rate";

    /* on a fresh database: not even the schema remains */
    assert_int_equal(rec_write(f->path, &f->run, &id, err, sizeof err), -1);
    assert_int_equal(id, -7);
    assert_non_null(strstr(err, "UNIQUE constraint failed: scalar"));
    assert_non_null(strstr(err, f->path));
    sqlite3 *db = open_db(f->path);
    count_rows(db, after);
    for (int i = 0; i < NTABLES; i++)
        assert_int_equal(after[i], -1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_master"), 0);
    sqlite3_close(db);

    /* on a database holding a run: every table unchanged */
    f->res.scalars[2].name = "attempts_per_call";
    if (rec_write(f->path, &f->run, &id, err, sizeof err) != 0)
        fail_msg("good write: %s", err);
    db = open_db(f->path);
    count_rows(db, before);
    sqlite3_close(db);
    for (int i = 0; i < NTABLES; i++)
        assert_true(before[i] > 0);

    f->res.scalars[2].name = "success_rate";
    int64_t id2 = -7;
    assert_int_equal(rec_write(f->path, &f->run, &id2, err, sizeof err), -1);
    assert_int_equal(id2, -7);
    db = open_db(f->path);
    count_rows(db, after);
    for (int i = 0; i < NTABLES; i++)
        assert_int_equal(after[i], before[i]);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 1);
    sqlite3_close(db);

    /* NOT NULL violated early (a param without key) and in the last table
     * written (a histogram without name, after the series rows): same */
    f->res.scalars[2].name = "attempts_per_call";
    f->params[1].key = NULL;
    assert_int_equal(rec_write(f->path, &f->run, &id2, err, sizeof err), -1);
    assert_non_null(strstr(err, "NOT NULL constraint failed: param.key"));
    f->params[1].key = "retry.policy";
    f->res.hists[0].name = NULL;
    assert_int_equal(rec_write(f->path, &f->run, &id2, err, sizeof err), -1);
    assert_non_null(strstr(err, "NOT NULL constraint failed: histogram.name"));
    assert_int_equal(id2, -7);
    db = open_db(f->path);
    count_rows(db, after);
    for (int i = 0; i < NTABLES; i++)
        assert_int_equal(after[i], before[i]);
    sqlite3_close(db);
}

/* A database written before some metrics existed: the recorder adds the
 * missing columns, and the old rows hold NULL there. */
static void test_series_table_is_widened(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int64_t id = -1;
    sqlite3 *db = open_db(f->path);
    char *sql = schema_text();
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    free(sql);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE series (run INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,"
                                  " t_ns INTEGER NOT NULL, calls INTEGER, PRIMARY KEY (run, t_ns));"
                                  "INSERT INTO run (id, status) VALUES (1, 'ok');"
                                  "INSERT INTO series (run, t_ns, calls) VALUES (1, 0, 9);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    if (rec_write(f->path, &f->run, &id, err, sizeof err) != 0)
        fail_msg("rec_write: %s", err);
    assert_int_equal(id, 2);
    db = open_db(f->path);
    assert_series_columns(db);
    assert_int_equal(q_int(db, "SELECT calls FROM series WHERE run = 1"), 9);
    assert_int_equal(q_int(db, "SELECT served_ok IS NULL AND busy_workers IS NULL FROM series WHERE run = 1"), 1);
    assert_int_equal(q_int(db, "SELECT count(*) FROM series WHERE run = 2 AND served_ok = 0"), 3);
    sqlite3_close(db);
}

/* Another process holds the write lock for HOLD_MS: rec_write waits for it
 * (busy timeout) instead of failing with "database is locked". */
#define HOLD_MS 400
static void test_waits_for_another_writer(void **state)
{
    fixture_t *f = *state;
    char err[512];
    int64_t id = -1;
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
    int rc = rec_write(f->path, &f->run, &id, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    close(fds[1]);
    if (rc != 0)
        fail_msg("rec_write: %s", err);
    double waited_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    assert_true(waited_ms >= HOLD_MS / 2);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sqlite3 *db = open_db(f->path);
    assert_int_equal(q_int(db, "SELECT count(*) FROM run"), 1);
    sqlite3_close(db);
}

/* Sweep runs: runvar rows, resume marks, and the per-point summary. Point 0
 * has replications with success_rate 0.75 and 0.25: mean 0.5, sd sqrt(1/8),
 * ci95 = t(0.975, 1) * sd / sqrt(2) = 12.7062 * 0.25 = 3.17655. */
static void test_sweep_summary(void **state)
{
    fixture_t *f = *state;
    char err[512];
    const char *names[] = {"base"}, *v0[] = {"50ms"}, *v1[] = {"100ms"};
    rec_sweep_t sw[3] = {{"h1", 0, 0, 1, names, v0}, {"h1", 1, 0, 1, names, v0}, {"h1", 2, 1, 1, names, v1}};
    double sr[3] = {0.75, 0.25, 0.5};
    for (int i = 0; i < 3; i++) {
        f->run.sweep = &sw[i];
        f->res.scalars[0].value = sr[i];
        assert_int_equal(rec_write(f->path, &f->run, NULL, err, sizeof err), 0);
    }
    /* the same run number again is refused (unique per sweep) */
    assert_int_equal(rec_write(f->path, &f->run, NULL, err, sizeof err), -1);
    unsigned char done[5] = {0};
    assert_int_equal(rec_done_runs(f->path, "storm", "h1", done, 5, err, sizeof err), 3);
    assert_true(done[0] && done[1] && done[2] && !done[3] && !done[4]);
    memset(done, 0, sizeof done);
    assert_int_equal(rec_done_runs(f->path, "storm", "other-hash", done, 5, err, sizeof err), 0);
    assert_int_equal(rec_summarise(f->path, "storm", "h1", err, sizeof err), 0);
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
    sqlite3_close(db);
    f->run.sweep = NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_embedded),  T(test_write_and_read_back), T(test_two_runs_share_the_schema),
        T(test_missing_directory),               T(test_failure_writes_nothing),
        T(test_series_table_is_widened),         T(test_waits_for_another_writer), T(test_sweep_summary),
    };
#undef T
    return cmocka_run_group_tests_name("rec", tests, NULL, NULL);
}
