/*
 * rec: writes one finished run into the SQLite results database.
 *
 * Everything happens in a single BEGIN IMMEDIATE transaction: the schema
 * (results/schema.sql, embedded by results/schema_sql.h, all IF NOT EXISTS), the
 * series table built from metrics_series[] (created, or widened with ADD
 * COLUMN when a metric is new), the metric documentation rows, then the
 * run, its parameters, streams, scalars, series buckets and histogram
 * buckets. Any failure rolls the whole transaction back, so a database
 * never holds part of a run, nor a schema the failed write created. (A
 * database file the failed write created stays, empty: it is not removed,
 * since another worker may have opened it meanwhile.)
 *
 * Concurrency: BEGIN IMMEDIATE takes the write lock up front and the busy
 * timeout (REC_BUSY_MS) lets several sweep workers queue on one database.
 * The journal mode is left alone (SQLite's default rollback journal), which
 * also works on network file systems where WAL does not; a user who wants
 * WAL can set it once with `PRAGMA journal_mode = WAL` and it persists.
 *
 * Statements are prepared once per table and reused for every row, with
 * every value bound as a parameter; identifiers that come from
 * metrics_series[] are checked to be plain lower-case names and quoted.
 */
#include "rec.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "metrics.h"
#include "schema_sql.h"
#include "stats.h"

#define REC_BUSY_MS 10000 /* wait up to 10 s for another writer */

/* Messages are "<what>: <sqlite3_errmsg>"; rec_write prefixes the path. */
static void db_error(char *err, size_t errlen, sqlite3 *db, const char *what)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static void plain_error(char *err, size_t errlen, const char *what)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", what);
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        db_error(err, errlen, db, what);
        return -1;
    }
    return 0;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *what, char *err, size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        db_error(err, errlen, db, what);
        return -1;
    }
    return 0;
}

/* Run a bound INSERT to completion and reset it for the next row; bad is
 * nonzero when a value could not be bound (the row is then not written). */
static int step_done(sqlite3 *db, sqlite3_stmt *st, int bad, const char *what, char *err, size_t errlen)
{
    int rc;
    if (bad) {
        if (err && errlen > 0)
            snprintf(err, errlen, "%s: cannot bind a value: %s", what, sqlite3_errmsg(db));
        sqlite3_reset(st);
        return -1;
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        db_error(err, errlen, db, what);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* Bind helpers: NULL text, and NaN doubles, become SQL NULL. Text is bound
 * SQLITE_STATIC (it outlives the step); the length bound keeps fixed-size
 * char arrays safe even if unterminated. */
static int bind_text(sqlite3_stmt *st, int i, const char *s, size_t max)
{
    if (!s)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, (int)strnlen(s, max), SQLITE_STATIC);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

static int bind_int(sqlite3_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

/* uint64 seeds are stored bit for bit as SQLite's signed INTEGER. */
static sqlite3_int64 u64_bits(uint64_t u)
{
    sqlite3_int64 v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#define TEXT_MAX ((size_t)1 << 30) /* bound for NUL-terminated strings */

/* The directory that will hold db_path must exist: SQLite's own message
 * ("unable to open database file") would not say why. */
int rec_check_dir(const char *db_path, char *err, size_t errlen)
{
    char dir[1024];
    const char *slash = strrchr(db_path, '/');
    size_t n;
    struct stat sb;

    if (!slash) {
        return 0; /* the current directory */
    }
    n = (size_t)(slash - db_path);
    if (n == 0)
        n = 1; /* "/x.db": the root */
    if (n >= sizeof dir) {
        plain_error(err, errlen, "path too long");
        return -1;
    }
    memcpy(dir, db_path, n);
    dir[n] = '\0';
    if (stat(dir, &sb) != 0) {
        if (err && errlen > 0)
            snprintf(err, errlen, "directory '%s' %s (create it first)", dir,
                     errno == ENOENT ? "does not exist" : strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "'%s' is not a directory", dir);
        return -1;
    }
    return 0;
}

/* A series column name must be a plain identifier: [a-z_][a-z0-9_]*, and
 * not one of the key columns. */
static int valid_column(const char *name)
{
    if (!name || !*name || strcmp(name, "run") == 0 || strcmp(name, "t_ns") == 0)
        return 0;
    if (!((*name >= 'a' && *name <= 'z') || *name == '_'))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/* Finish a sqlite3_str into *out (sqlite3_free it), or fail. */
static int str_finish(sqlite3_str *s, char **out, char *err, size_t errlen)
{
    int code = sqlite3_str_errcode(s);
    *out = sqlite3_str_finish(s);
    if (code != SQLITE_OK || !*out) {
        sqlite3_free(*out);
        *out = NULL;
        plain_error(err, errlen, "out of memory building a statement");
        return -1;
    }
    return 0;
}

static const char *const schema_lines[] = {REC_SCHEMA_SQL_LINES};

/* Run results/schema.sql (its lines joined back into one script). */
static int create_schema(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_str *s = sqlite3_str_new(db);
    char *sql = NULL;
    int rc = -1;

    for (size_t i = 0; i < sizeof schema_lines / sizeof schema_lines[0]; i++)
        sqlite3_str_appendall(s, schema_lines[i]);
    if (str_finish(s, &sql, err, errlen) < 0)
        goto out;
    if (exec_sql(db, sql, "create the schema", err, errlen) < 0)
        goto out;
    rc = 0;
out:
    sqlite3_free(sql);
    return rc;
}

/* Create the series table from metrics_series[] if missing, add any metric
 * column it lacks, and (re)write the metric documentation table. */
static int ensure_series(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *has = NULL, *doc = NULL;
    char *sql = NULL;
    sqlite3_str *s = NULL;
    int rc = -1;

    for (int i = 0; i < M_COUNT; i++)
        if (!valid_column(metrics_series[i].name)) {
            if (err && errlen > 0)
                snprintf(err, errlen, "metric %d has an invalid column name '%s'", i,
                         metrics_series[i].name ? metrics_series[i].name : "(null)");
            goto out;
        }

    s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "CREATE TABLE IF NOT EXISTS series (\n"
                             "    run INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n"
                             "    t_ns INTEGER NOT NULL,\n");
    for (int i = 0; i < M_COUNT; i++)
        sqlite3_str_appendf(s, "    \"%w\" INTEGER,\n", metrics_series[i].name);
    sqlite3_str_appendall(s, "    PRIMARY KEY (run, t_ns)\n)");
    if (str_finish(s, &sql, err, errlen) < 0)
        goto out;
    if (exec_sql(db, sql, "create table series", err, errlen) < 0)
        goto out;
    sqlite3_free(sql);
    sql = NULL;

    /* An older table may lack newer metrics: add them (NULL in old rows). */
    if (prepare(db, "SELECT 1 FROM pragma_table_info('series') WHERE name = ?1", &has, "read series columns", err,
                errlen) < 0)
        goto out;
    for (int i = 0; i < M_COUNT; i++) {
        int r = sqlite3_bind_text(has, 1, metrics_series[i].name, -1, SQLITE_STATIC);
        if (r == SQLITE_OK)
            r = sqlite3_step(has);
        sqlite3_reset(has);
        if (r == SQLITE_ROW)
            continue;
        if (r != SQLITE_DONE) {
            db_error(err, errlen, db, "read series columns");
            goto out;
        }
        sql = sqlite3_mprintf("ALTER TABLE series ADD COLUMN \"%w\" INTEGER", metrics_series[i].name);
        if (!sql) {
            plain_error(err, errlen, "out of memory");
            goto out;
        }
        if (exec_sql(db, sql, "add a series column", err, errlen) < 0)
            goto out;
        sqlite3_free(sql);
        sql = NULL;
    }

    if (prepare(db, "INSERT OR REPLACE INTO metric (name, unit, kind, help) VALUES (?1, ?2, ?3, ?4)", &doc,
                "prepare insert into metric", err, errlen) < 0)
        goto out;
    for (int i = 0; i < M_COUNT; i++) {
        const metrics_def_t *m = &metrics_series[i];
        int bad = 0;
        if (m->kind != STATS_SUM && m->kind != STATS_MAX) {
            if (err && errlen > 0)
                snprintf(err, errlen, "metric '%s' has an unknown kind %d", m->name, m->kind);
            goto out;
        }
        bad |= bind_text(doc, 1, m->name, TEXT_MAX) != SQLITE_OK;
        bad |= bind_text(doc, 2, m->unit, TEXT_MAX) != SQLITE_OK;
        bad |= bind_text(doc, 3, m->kind == STATS_SUM ? "sum" : "max", TEXT_MAX) != SQLITE_OK;
        bad |= bind_text(doc, 4, m->help, TEXT_MAX) != SQLITE_OK;
        if (step_done(db, doc, bad, "insert into metric", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_free(sql);
    sqlite3_finalize(has);
    sqlite3_finalize(doc);
    return rc;
}

static int insert_run(sqlite3 *db, const rec_run_t *run, int64_t *id, char *err, size_t errlen)
{
    const run_cfg_t *c = run->cfg;
    const run_result_t *r = run->res;
    sqlite3_stmt *st = NULL;
    const char *experiment = run->experiment;
    const char *generator = NULL;
    int64_t bucket_ns = r->series.bucket_ns > 0 ? r->series.bucket_ns : c->run.bucket;
    int bad = 0;
    int rc = -1;

    if (!experiment && c->output.experiment[0])
        experiment = c->output.experiment;
    if (r->rng.type)
        generator = r->rng.type->name;
    else if (c->run.generator[0])
        generator = c->run.generator;

    if (prepare(db,
                "INSERT INTO run (experiment, config_path, config_text, seed, replication, generator, version,"
                " started, wall_s, events, status, message, bucket_ns, duration_ns, sweep_run, point, config_hash)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                &st, "prepare insert into run", err, errlen) < 0)
        goto out;
    bad |= bind_text(st, 1, experiment, sizeof c->output.experiment) != SQLITE_OK;
    bad |= bind_text(st, 2, run->config_path, TEXT_MAX) != SQLITE_OK;
    bad |= bind_text(st, 3, run->config_text, TEXT_MAX) != SQLITE_OK;
    bad |= bind_int(st, 4, u64_bits(c->run.seed)) != SQLITE_OK;
    bad |= bind_int(st, 5, (sqlite3_int64)c->run.replication) != SQLITE_OK;
    bad |= bind_text(st, 6, generator, sizeof c->run.generator) != SQLITE_OK;
    bad |= bind_text(st, 7, run->version, TEXT_MAX) != SQLITE_OK;
    bad |= bind_text(st, 8, run->started, TEXT_MAX) != SQLITE_OK;
    bad |= bind_real(st, 9, r->wall_s) != SQLITE_OK;
    bad |= bind_int(st, 10, u64_bits(r->events)) != SQLITE_OK;
    bad |= bind_text(st, 11, r->failed ? "failed" : "ok", TEXT_MAX) != SQLITE_OK;
    bad |= bind_text(st, 12, r->message[0] ? r->message : NULL, sizeof r->message) != SQLITE_OK;
    bad |= bind_int(st, 13, bucket_ns) != SQLITE_OK;
    bad |= bind_int(st, 14, c->run.duration) != SQLITE_OK;
    if (run->sweep) {
        bad |= bind_int(st, 15, run->sweep->run_number) != SQLITE_OK;
        bad |= bind_int(st, 16, run->sweep->point) != SQLITE_OK;
        bad |= bind_text(st, 17, run->sweep->config_hash, TEXT_MAX) != SQLITE_OK;
    }
    if (step_done(db, st, bad, "insert into run", err, errlen) < 0)
        goto out;
    *id = sqlite3_last_insert_rowid(db);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int insert_runvars(sqlite3 *db, sqlite3_int64 id, const rec_sweep_t *sw, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (!sw || sw->nvars == 0)
        return 0;
    if (prepare(db, "INSERT INTO runvar (run, name, value) VALUES (?1, ?2, ?3)", &st, "prepare insert into runvar",
                err, errlen) < 0)
        goto out;
    for (int i = 0; i < sw->nvars; i++) {
        int bad = bind_int(st, 1, id) != SQLITE_OK;
        bad |= bind_text(st, 2, sw->names[i], TEXT_MAX) != SQLITE_OK;
        bad |= bind_text(st, 3, sw->values[i], TEXT_MAX) != SQLITE_OK;
        if (step_done(db, st, bad, "insert into runvar", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int insert_params(sqlite3 *db, sqlite3_int64 id, const rec_run_t *run, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (run->nparams < 0 || (run->nparams > 0 && !run->params)) {
        plain_error(err, errlen, "bad parameter list");
        goto out;
    }
    if (prepare(db, "INSERT INTO param (run, key, value) VALUES (?1, ?2, ?3)", &st, "prepare insert into param", err,
                errlen) < 0)
        goto out;
    for (int i = 0; i < run->nparams; i++) {
        int bad = 0;
        bad |= bind_int(st, 1, id) != SQLITE_OK;
        bad |= bind_text(st, 2, run->params[i].key, TEXT_MAX) != SQLITE_OK;
        bad |= bind_text(st, 3, run->params[i].value, TEXT_MAX) != SQLITE_OK;
        if (step_done(db, st, bad, "insert into param", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int insert_streams(sqlite3 *db, sqlite3_int64 id, const rng_set_t *rng, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (rng->n < 0 || rng->n > RNG_MAX_STREAMS) {
        plain_error(err, errlen, "bad number of random streams");
        goto out;
    }
    if (prepare(db, "INSERT INTO stream (run, name, seed) VALUES (?1, ?2, ?3)", &st, "prepare insert into stream",
                err, errlen) < 0)
        goto out;
    for (int i = 0; i < rng->n; i++) {
        int bad = 0;
        bad |= bind_int(st, 1, id) != SQLITE_OK;
        bad |= bind_text(st, 2, rng->s[i].name, sizeof rng->s[i].name) != SQLITE_OK;
        bad |= bind_int(st, 3, u64_bits(rng->s[i].seed)) != SQLITE_OK;
        if (step_done(db, st, bad, "insert into stream", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int insert_scalars(sqlite3 *db, sqlite3_int64 id, const run_result_t *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (r->nscalars < 0 || r->nscalars > RUN_MAX_SCALARS) {
        plain_error(err, errlen, "bad number of scalars");
        goto out;
    }
    if (prepare(db, "INSERT INTO scalar (run, name, value, unit) VALUES (?1, ?2, ?3, ?4)", &st,
                "prepare insert into scalar", err, errlen) < 0)
        goto out;
    for (int i = 0; i < r->nscalars; i++) {
        int bad = 0;
        bad |= bind_int(st, 1, id) != SQLITE_OK;
        bad |= bind_text(st, 2, r->scalars[i].name, TEXT_MAX) != SQLITE_OK;
        bad |= bind_real(st, 3, r->scalars[i].value) != SQLITE_OK; /* NaN: NULL */
        bad |= bind_text(st, 4, r->scalars[i].unit, TEXT_MAX) != SQLITE_OK;
        if (step_done(db, st, bad, "insert into scalar", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int insert_series(sqlite3 *db, sqlite3_int64 id, const stats_series_t *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    sqlite3_str *q = NULL;
    char *sql = NULL;
    int nb = stats_series_nbuckets(s);
    int rc = -1;

    if (nb <= 0) {
        rc = 0; /* nothing recorded (e.g. a run that failed at setup) */
        goto out;
    }
    if (s->ncounters != M_COUNT) {
        if (err && errlen > 0)
            snprintf(err, errlen, "the series has %d counters, metrics.h declares %d",
                     s->ncounters, (int)M_COUNT);
        goto out;
    }
    for (int c = 0; c < M_COUNT; c++)
        if (stats_series_kind(s, c) != metrics_series[c].kind) {
            if (err && errlen > 0)
                snprintf(err, errlen, "series counter %d ('%s') has the wrong kind", c,
                         metrics_series[c].name);
            goto out;
        }

    q = sqlite3_str_new(db);
    sqlite3_str_appendall(q, "INSERT INTO series (run, t_ns");
    for (int c = 0; c < M_COUNT; c++)
        sqlite3_str_appendf(q, ", \"%w\"", metrics_series[c].name);
    sqlite3_str_appendall(q, ") VALUES (?, ?");
    for (int c = 0; c < M_COUNT; c++)
        sqlite3_str_appendall(q, ", ?");
    sqlite3_str_appendall(q, ")");
    if (str_finish(q, &sql, err, errlen) < 0)
        goto out;
    if (prepare(db, sql, &st, "prepare insert into series", err, errlen) < 0)
        goto out;

    for (int b = 0; b < nb; b++) {
        const int64_t *row = stats_series_row(s, b);
        int bad = 0;
        if (!row) {
            plain_error(err, errlen, "series bucket missing");
            goto out;
        }
        bad |= bind_int(st, 1, id) != SQLITE_OK;
        bad |= bind_int(st, 2, (sqlite3_int64)b * s->bucket_ns) != SQLITE_OK;
        for (int c = 0; c < M_COUNT; c++)
            bad |= bind_int(st, 3 + c, row[c]) != SQLITE_OK;
        if (step_done(db, st, bad, "insert into series", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_free(sql);
    sqlite3_finalize(st);
    return rc;
}

static int insert_hists(sqlite3 *db, sqlite3_int64 id, const run_result_t *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (r->nhists < 0 || r->nhists > RUN_MAX_HISTS) {
        plain_error(err, errlen, "bad number of histograms");
        goto out;
    }
    if (prepare(db, "INSERT INTO histogram (run, name, lower, upper, count, unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &st, "prepare insert into histogram", err, errlen) < 0)
        goto out;
    for (int k = 0; k < r->nhists; k++) {
        const run_hist_t *rh = &r->hists[k];
        if (!rh->h.counts || stats_hist_count(&rh->h) == 0)
            continue; /* never initialised, or no samples */
        for (int i = stats_hist_next(&rh->h, 0); i >= 0; i = stats_hist_next(&rh->h, i + 1)) {
            int64_t lo, hi, n;
            int bad = 0;
            if (stats_hist_bucket(&rh->h, i, &lo, &hi, &n) < 0) {
                plain_error(err, errlen, "histogram bucket out of range");
                goto out;
            }
            bad |= bind_int(st, 1, id) != SQLITE_OK;
            bad |= bind_text(st, 2, rh->name, TEXT_MAX) != SQLITE_OK;
            bad |= bind_int(st, 3, lo) != SQLITE_OK;
            bad |= bind_int(st, 4, hi) != SQLITE_OK;
            bad |= bind_int(st, 5, n) != SQLITE_OK;
            bad |= bind_text(st, 6, rh->unit, TEXT_MAX) != SQLITE_OK;
            if (step_done(db, st, bad, "insert into histogram", err, errlen) < 0)
                goto out;
        }
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int rec_write(const char *db_path, const rec_run_t *run, int64_t *run_id, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int64_t id = 0;
    int rc = -1;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!db_path || !*db_path || !run || !run->cfg || !run->res) {
        plain_error(err, errlen, "no path, configuration or result given");
        goto out;
    }
    if (rec_check_dir(db_path, err, errlen) < 0)
        goto out;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        db_error(err, errlen, db, "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, REC_BUSY_MS);
    /* Per connection, and a no-op inside a transaction: set it first. */
    if (exec_sql(db, "PRAGMA foreign_keys = ON", "enable foreign keys", err, errlen) < 0)
        goto out;
    if (exec_sql(db, "BEGIN IMMEDIATE", "begin transaction", err, errlen) < 0)
        goto out;
    if (create_schema(db, err, errlen) < 0)
        goto out;
    if (ensure_series(db, err, errlen) < 0)
        goto out;
    if (insert_run(db, run, &id, err, errlen) < 0 || insert_runvars(db, id, run->sweep, err, errlen) < 0 ||
        insert_params(db, id, run, err, errlen) < 0 ||
        insert_streams(db, id, &run->res->rng, err, errlen) < 0 ||
        insert_scalars(db, id, run->res, err, errlen) < 0 ||
        insert_series(db, id, &run->res->series, err, errlen) < 0 ||
        insert_hists(db, id, run->res, err, errlen) < 0)
        goto out;
    if (exec_sql(db, "COMMIT", "commit", err, errlen) < 0)
        goto out;
    if (run_id)
        *run_id = id;
    rc = 0;
out:
    /* A failed statement may already have rolled back (SQLITE_FULL, BUSY on
     * COMMIT, ...): roll back only an open transaction. */
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db); /* every statement is finalised: never SQLITE_BUSY */
    if (rc != 0 && err && errlen > 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "results database '%s': %s (nothing written)", db_path ? db_path : "(null)", why);
    }
    return rc;
}

int rec_done_runs(const char *db_path, const char *experiment, const char *config_hash, unsigned char *done, int n,
                  char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    int marked = -1;

    if (stat(db_path, &sb) < 0 || sb.st_size == 0)
        return 0; /* no database yet: nothing done */
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        db_error(err, errlen, db, "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, REC_BUSY_MS);
    if (sqlite3_prepare_v2(db, "SELECT sweep_run FROM run WHERE experiment = ?1 AND config_hash = ?2"
                               " AND sweep_run IS NOT NULL", -1, &st, NULL) != SQLITE_OK) {
        /* a database from before sweeps, or not ours: treat as empty only
         * if the run table is missing altogether */
        if (strstr(sqlite3_errmsg(db), "no such table")) {
            marked = 0;
            goto out;
        }
        db_error(err, errlen, db, "read finished runs");
        goto out;
    }
    sqlite3_bind_text(st, 1, experiment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, config_hash, -1, SQLITE_STATIC);
    marked = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 r = sqlite3_column_int64(st, 0);
        if (r >= 0 && r < n && !done[r]) {
            done[r] = 1;
            marked++;
        }
    }
    if (rc != SQLITE_DONE) {
        db_error(err, errlen, db, "read finished runs");
        marked = -1;
    }
out:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return marked;
}

int rec_summarise(const char *db_path, const char *experiment, const char *config_hash, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *sel = NULL, *ins = NULL, *del = NULL;
    int rc = -1;

    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        db_error(err, errlen, db, "cannot open");
        goto out;
    }
    sqlite3_busy_timeout(db, REC_BUSY_MS);
    if (exec_sql(db, "BEGIN IMMEDIATE", "begin transaction", err, errlen) < 0 ||
        prepare(db, "DELETE FROM summary WHERE experiment = ?1", &del, "prepare summary delete", err, errlen) < 0 ||
        prepare(db,
                "SELECT r.point, s.name, count(s.value), avg(s.value),"
                " sum((s.value - m.mean) * (s.value - m.mean))"
                " FROM run r JOIN scalar s ON s.run = r.id"
                " JOIN (SELECT r2.point AS point, s2.name AS name, avg(s2.value) AS mean"
                "       FROM run r2 JOIN scalar s2 ON s2.run = r2.id"
                "       WHERE r2.experiment = ?1 AND r2.config_hash = ?2 AND r2.status = 'ok'"
                "       GROUP BY r2.point, s2.name) m ON m.point = r.point AND m.name = s.name"
                " WHERE r.experiment = ?1 AND r.config_hash = ?2 AND r.status = 'ok'"
                " GROUP BY r.point, s.name",
                &sel, "prepare summary query", err, errlen) < 0 ||
        prepare(db, "INSERT INTO summary (experiment, point, name, n, mean, sd, ci95) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &ins, "prepare summary insert", err, errlen) < 0)
        goto out;
    sqlite3_bind_text(del, 1, experiment, -1, SQLITE_STATIC);
    if (step_done(db, del, 0, "delete old summary", err, errlen) < 0)
        goto out;
    sqlite3_bind_text(sel, 1, experiment, -1, SQLITE_STATIC);
    sqlite3_bind_text(sel, 2, config_hash, -1, SQLITE_STATIC);
    int st;
    while ((st = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(sel, 2);
        double mean = sqlite3_column_type(sel, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(sel, 3);
        double sd = NAN, hw = NAN;
        if (n >= 2) {
            sd = sqrt(sqlite3_column_double(sel, 4) / (double)(n - 1));
            hw = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sd / sqrt((double)n);
        }
        int bad = bind_text(ins, 1, experiment, TEXT_MAX) != SQLITE_OK;
        bad |= bind_int(ins, 2, sqlite3_column_int64(sel, 0)) != SQLITE_OK;
        bad |= sqlite3_bind_text(ins, 3, (const char *)sqlite3_column_text(sel, 1), -1, SQLITE_TRANSIENT) != SQLITE_OK;
        bad |= bind_int(ins, 4, n) != SQLITE_OK;
        bad |= bind_real(ins, 5, mean) != SQLITE_OK;
        bad |= bind_real(ins, 6, sd) != SQLITE_OK;
        bad |= bind_real(ins, 7, hw) != SQLITE_OK;
        if (step_done(db, ins, bad, "insert into summary", err, errlen) < 0)
            goto out;
    }
    if (st != SQLITE_DONE) {
        db_error(err, errlen, db, "summary query");
        goto out;
    }
    if (exec_sql(db, "COMMIT", "commit", err, errlen) < 0)
        goto out;
    rc = 0;
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    sqlite3_finalize(del);
    if (db && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}
