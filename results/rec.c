/*
 * rec: the results database writer (see rec.h).
 *
 * Why it is shaped this way: recording used to cost more than simulating.
 * A run of Brooker's contention table simulates in well under a millisecond,
 * so the writer keeps one connection open for the whole sweep, prepares
 * each statement once, writes a run as two rows (run, scalars: a column per
 * scalar) plus, for the runs that keep detail, its series and histogram
 * rows, and commits many runs per transaction in WAL mode. What is the same
 * for many runs (the experiment text, the parameters, the stream seeds) is
 * written once; views give the per-run shapes back (results/schema.sql).
 *
 * Schema: results/schema.sql (embedded as schema_sql.h, made by make; all IF NOT
 * EXISTS), then the series and scalars tables built from metrics.h (created,
 * or widened with ADD COLUMN when a metric is new), the scalar view and the
 * metric documentation rows, in the same transaction. Identifiers that come
 * from metrics.h are checked to be plain lower-case names and quoted; every
 * value is bound as a parameter.
 *
 * Concurrency: BEGIN IMMEDIATE takes the write lock up front and the busy
 * timeout (REC_BUSY_MS) lets another writer finish first.
 */
#include "rec.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "dbx.h"
#include "hash.h"
#include "schema_sql.h"
#include "stats.h"

#define REC_BUSY_MS 30000      /* without a wait callback: give up after 30 s */
#define CLAIM_STALE_S 60.0     /* a sweep's writer that has not said it is alive for this long is gone */
#define REC_SCHEMA_VERSION 2   /* PRAGMA user_version */

typedef struct {
    uint64_t seed;             /* run.seed */
    uint32_t replication;      /* run.replication */
    uint64_t name_hash;        /* FNV-1a of the stream name; 0 = empty slot */
} seen_stream_t;

struct rec {
    sqlite3 *db;
    rec_wait_fn wait;          /* asked while another connection holds the lock; NULL = give up at REC_BUSY_MS */
    void *wait_ctx;
    double claimed;            /* unix time of the claim's last heartbeat; 0 = no claim */
    int64_t claim_sweep;       /* the sweep claimed */
    char path[512];
    int in_tx;                 /* a write transaction is open */
    int pending;               /* runs put since the last commit */
    int64_t last_sweep;        /* sweep of the latest run put, for sweep.last_run */
    int64_t last_run;          /* id of the latest run put */
    sqlite3_stmt *ins_run, *ins_scalars, *ins_series, *ins_hist, *ins_stream, *upd_last;
    sqlite3_stmt *get_scalars; /* rec_run_scalars, prepared on first use */
    const rec_sweep_t *desc;   /* the sweep being written (rec_sweep), describes its points */
    int64_t desc_sweep;        /* its id */
    char **base;               /* point 0's parameter values, in describe order */
    int nbase;
    unsigned char *described;  /* per point: 1 once its parameters and variables are recorded */
    int npoints;
    int *fresh;                /* points described in the open transaction */
    int nfresh, capfresh;
    seen_stream_t *seen;       /* stream seeds written by this connection (open addressing) */
    size_t nseen, capseen;     /* entries, slots (a power of two) */
};

static void forget_sweep(rec_t *r);

int rec_check_dir(const char *db_path, char *err, size_t errlen)
{
    char dir[1024];
    const char *slash = strrchr(db_path, '/');
    size_t n;
    struct stat sb;

    if (!slash)
        return 0; /* the current directory */
    n = (size_t)(slash - db_path);
    if (n == 0)
        n = 1; /* "/x.db": the root */
    if (n >= sizeof dir) {
        dbx_plain(err, errlen, "path too long");
        return -1;
    }
    memcpy(dir, db_path, n);
    dir[n] = '\0';
    if (stat(dir, &sb) != 0) {
        char cwd[512] = "";
        int missing = errno == ENOENT;
        if (dir[0] != '/' && !getcwd(cwd, sizeof cwd))
            cwd[0] = '\0';
        if (err && errlen > 0)
            snprintf(err, errlen, "directory '%s'%s%s%s %s (create it, or name another database with --db)", dir,
                     cwd[0] ? " (in " : "", cwd, cwd[0] ? ")" : "", missing ? "does not exist" : strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "'%s' is not a directory", dir);
        return -1;
    }
    return 0;
}

/* ---- schema -------------------------------------------------------------- */

/* A metric column name must be a plain identifier, [a-z_][a-z0-9_]*, and
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

static const char *const schema_lines[] = {REC_SCHEMA_SQL_LINES};

static int create_schema(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_str *s = sqlite3_str_new(db);
    char *sql = NULL;
    for (size_t i = 0; i < sizeof schema_lines / sizeof schema_lines[0]; i++)
        sqlite3_str_appendall(s, schema_lines[i]);
    if (dbx_str_finish(s, &sql, err, errlen) < 0)
        return -1;
    int rc = dbx_exec(db, sql, "create the schema", err, errlen);
    sqlite3_free(sql);
    return rc;
}

/* A database of another schema version is refused, never modified. */
static int check_version(sqlite3 *db, char *err, size_t errlen)
{
    int64_t v = dbx_query_int(db, "PRAGMA user_version", 0);
    if (v == REC_SCHEMA_VERSION)
        return 0;
    if (v > REC_SCHEMA_VERSION) {
        snprintf(err, errlen, "written by a newer retrysim (schema %lld, this one writes %d)", (long long)v,
                 REC_SCHEMA_VERSION);
        return -1;
    }
    if (dbx_query_int(db, "SELECT count(*) FROM sqlite_master", 0) == 0)
        return 0; /* empty: ours to create */
    if (dbx_query_int(db, "SELECT count(*) FROM pragma_table_info('run') WHERE name = 'config_text'", 0) > 0)
        snprintf(err, errlen, "written by retrysim 0.3 or older (schema 1): record into a new database "
                              "(--db) or delete this one");
    else
        snprintf(err, errlen, "not a retrysim database (it holds another program's tables): give another --db");
    return -1;
}

/* Columns named in `names` (n of them, from metrics.h) that table lacks are
 * added with ADD COLUMN (NULL in older rows). Returns the number added, or -1. */
static int add_missing_columns(sqlite3 *db, const char *table, const char *type, const char *const *names, int n,
                               char *err, size_t errlen)
{
    sqlite3_stmt *has = NULL;
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info('%q') WHERE name = ?1", table);
    int added = -1;
    if (!sql || dbx_prepare(db, sql, &has, "read table columns", err, errlen) < 0)
        goto out;
    added = 0;
    for (int i = 0; i < n; i++) {
        int r = sqlite3_bind_text(has, 1, names[i], -1, SQLITE_STATIC);
        if (r == SQLITE_OK)
            r = sqlite3_step(has);
        sqlite3_reset(has);
        if (r == SQLITE_ROW)
            continue;
        if (r != SQLITE_DONE) {
            dbx_error(err, errlen, db, "read table columns");
            added = -1;
            goto out;
        }
        char *alter = sqlite3_mprintf("ALTER TABLE \"%w\" ADD COLUMN \"%w\" %s", table, names[i], type);
        int rc = alter ? dbx_exec(db, alter, "add a metric column", err, errlen) : -1;
        sqlite3_free(alter);
        if (rc < 0) {
            added = -1;
            goto out;
        }
        added++;
    }
out:
    sqlite3_free(sql);
    sqlite3_finalize(has);
    return added;
}

/* CREATE TABLE name (run key, one `type` column per metric name), unless
 * it exists; then add what an older table lacks. */
static int ensure_metric_table(sqlite3 *db, const char *table, const char *keys, const char *pk, const char *type,
                               const char *const *names, int n, char *err, size_t errlen)
{
    sqlite3_str *s = sqlite3_str_new(db);
    char *sql = NULL;
    sqlite3_str_appendf(s, "CREATE TABLE IF NOT EXISTS \"%w\" (\n%s", table, keys);
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(s, ",\n    \"%w\" %s", names[i], type);
    if (pk) /* keyed rows are stored in the key's b-tree itself */
        sqlite3_str_appendf(s, ",\n    %s\n) WITHOUT ROWID", pk);
    else
        sqlite3_str_appendall(s, "\n)");
    if (dbx_str_finish(s, &sql, err, errlen) < 0)
        return -1;
    int rc = dbx_exec(db, sql, "create a metric table", err, errlen);
    sqlite3_free(sql);
    if (rc < 0)
        return -1;
    return add_missing_columns(db, table, type, names, n, err, errlen);
}

/* The scalar view: the long (run, name, value, unit) shape of schema 1. */
static int ensure_scalar_view(sqlite3 *db, int force, char *err, size_t errlen)
{
    if (!force && dbx_query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'scalar'", 0) > 0)
        return 0;
    sqlite3_str *s = sqlite3_str_new(db);
    char *sql = NULL;
    sqlite3_str_appendall(s, "CREATE VIEW scalar AS\n");
    for (int i = 0; i < metrics_nscalars(); i++) {
        const metrics_scalar_t *m = metrics_scalar_def(i);
        sqlite3_str_appendf(s, "%s SELECT run, %Q AS name, \"%w\" AS value, %Q AS unit FROM scalars", i ? "\nUNION ALL" : "",
                            m->name, m->name, m->unit);
        if (i >= S_CORE_COUNT)
            sqlite3_str_appendf(s, " WHERE \"%w\" IS NOT NULL", m->name);
    }
    if (dbx_str_finish(s, &sql, err, errlen) < 0)
        return -1;
    int rc = dbx_exec(db, "DROP VIEW IF EXISTS scalar", "drop the scalar view", err, errlen);
    if (rc == 0)
        rc = dbx_exec(db, sql, "create the scalar view", err, errlen);
    sqlite3_free(sql);
    return rc;
}

/* The metric documentation rows, from metrics.h. */
static int write_metric_docs(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (dbx_prepare(db, "INSERT OR REPLACE INTO metric (name, unit, kind, help) VALUES (?1, ?2, ?3, ?4)", &st,
                "prepare insert into metric", err, errlen) < 0)
        return -1;
    for (int i = 0; i < metrics_nseries() + metrics_nscalars(); i++) {
        const char *name, *unit, *kind, *help;
        if (i < metrics_nseries()) {
            const metrics_def_t *m = metrics_series_def(i);
            name = m->name, unit = m->unit, help = m->help;
            kind = m->kind == STATS_SUM ? "sum" : "max";
        } else {
            const metrics_scalar_t *m = metrics_scalar_def(i - metrics_nseries());
            name = m->name, unit = m->unit, help = m->help, kind = "scalar";
        }
        int bad = dbx_text(st, 1, name, DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_text(st, 2, unit, DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_text(st, 3, kind, DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_text(st, 4, help, DBX_TEXT_MAX) != SQLITE_OK;
        if (dbx_step(db, st, bad, "insert into metric", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static int ensure_schema(sqlite3 *db, char *err, size_t errlen)
{
    int nse = metrics_nseries(), nsc = metrics_nscalars(), rc = -1, added;
    const char **series_names = malloc((size_t)nse * sizeof *series_names);
    const char **scalar_names = malloc((size_t)nsc * sizeof *scalar_names);
    char pragma[64];
    if (!series_names || !scalar_names) {
        dbx_plain(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < nse; i++) {
        const metrics_def_t *m = metrics_series_def(i);
        series_names[i] = m->name;
        if (!valid_column(m->name) || (m->kind != STATS_SUM && m->kind != STATS_MAX)) {
            snprintf(err, errlen, "series metric %d ('%s') has a bad name or kind", i, m->name);
            goto out;
        }
    }
    for (int i = 0; i < nsc; i++) {
        scalar_names[i] = metrics_scalar_def(i)->name;
        if (!valid_column(scalar_names[i])) {
            snprintf(err, errlen, "scalar %d has an invalid column name '%s'", i, scalar_names[i]);
            goto out;
        }
    }
    if (create_schema(db, err, errlen) < 0)
        goto out;
    if (ensure_metric_table(db, "series",
                            "    run INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,\n"
                            "    t_ns INTEGER NOT NULL",
                            "PRIMARY KEY (run, t_ns)", "INTEGER", series_names, nse, err, errlen) < 0)
        goto out;
    added = ensure_metric_table(db, "scalars", "    run INTEGER PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE",
                                NULL, "REAL", scalar_names, nsc, err, errlen);
    if (added < 0 || ensure_scalar_view(db, added > 0, err, errlen) < 0 || write_metric_docs(db, err, errlen) < 0)
        goto out;
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", REC_SCHEMA_VERSION);
    rc = dbx_exec(db, pragma, "set the schema version", err, errlen);
out:
    free(series_names);
    free(scalar_names);
    return rc;
}

/* ---- waiting for the lock ------------------------------------------------ */

/* SQLite's busy handler: sleep a little longer each time (1 ms up to 100
 * ms) and ask the caller's callback whether to go on. A finished run is
 * never lost to another process holding the lock for a long time. */
static int on_busy(void *ctx, int count)
{
    rec_t *r = ctx;
    static const int steps_ms[] = {1, 2, 5, 10, 20, 50, 100};
    int n = (int)(sizeof steps_ms / sizeof steps_ms[0]);
    int64_t waited = 0;
    for (int i = 0; i < count; i++)
        waited += steps_ms[i < n ? i : n - 1];
    if (!r->wait(r->wait_ctx, waited))
        return 0;
    sqlite3_sleep(steps_ms[count < n ? count : n - 1]);
    return 1;
}

static void set_wait(rec_t *r, rec_wait_fn wait, void *ctx)
{
    r->wait = wait;
    r->wait_ctx = ctx;
    if (wait)
        sqlite3_busy_handler(r->db, on_busy, r);
    else
        sqlite3_busy_timeout(r->db, REC_BUSY_MS);
}

/* ---- transactions ------------------------------------------------------- */

static int begin(rec_t *r, char *err, size_t errlen)
{
    if (r->in_tx)
        return 0;
    if (dbx_exec(r->db, "BEGIN IMMEDIATE", "begin transaction", err, errlen) < 0)
        return -1;
    r->in_tx = 1;
    return 0;
}

static void rollback(rec_t *r)
{
    if (!sqlite3_get_autocommit(r->db))
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    r->in_tx = 0;
    r->pending = 0;
    r->last_sweep = 0;
    /* the points and stream seeds of rolled-back runs are not written after all */
    for (int i = 0; i < r->nfresh; i++)
        r->described[r->fresh[i]] = 0;
    r->nfresh = 0;
    if (r->seen)
        memset(r->seen, 0, r->capseen * sizeof *r->seen);
    r->nseen = 0;
}

/* ---- the sweep's one writer ---------------------------------------------- */

static double unix_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void writer_id(char *buf, size_t len)
{
    char host[256] = "?";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(buf, len, "%s %ld", host, (long)getpid());
}

/* Is the writer "host pid" (last alive at beat) gone? */
static int writer_gone(const char *writer, double beat)
{
    char me[300], host[256];
    long pid;
    if (unix_now() - beat > CLAIM_STALE_S)
        return 1;
    writer_id(me, sizeof me);
    if (sscanf(writer, "%255s %ld", host, &pid) != 2)
        return 1;
    if (strncmp(me, host, strlen(host)) != 0 || me[strlen(host)] != ' ')
        return 0; /* another host: only its heartbeat tells */
    if (pid == (long)getpid())
        return 1;
    if (kill((pid_t)pid, 0) != 0)
        return errno == ESRCH;
    /* It exists, but a process killed and not yet reaped (a zombie: its
     * parent was killed too, and init reaps slowly, or not at all in a
     * container) writes nothing any more. */
    char path[64], stat[256] = "";
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *close = strrchr(stat, ')'); /* "pid (comm) S ...": the state follows the name */
    return close && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X');
}

static int set_writer(rec_t *r, int64_t sweep, const char *writer, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (dbx_prepare(r->db, "UPDATE sweep SET writer = ?1, writer_beat = CASE WHEN ?1 IS NULL THEN NULL ELSE ?2 END"
                       " WHERE id = ?3", &st, "prepare the claim", err, errlen) < 0)
        return -1;
    int bad = dbx_text(st, 1, writer, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= sqlite3_bind_double(st, 2, unix_now()) != SQLITE_OK;
    bad |= dbx_int(st, 3, sweep) != SQLITE_OK;
    int rc = dbx_step(r->db, st, bad, "claim the sweep", err, errlen);
    sqlite3_finalize(st);
    return rc;
}

int rec_claim(rec_t *r, int64_t sweep, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char me[300];
    int rc = -1;
    writer_id(me, sizeof me);
    if (rec_commit(r, err, errlen) < 0)
        return -1;
    if (begin(r, err, errlen) < 0 ||
        dbx_prepare(r->db, "SELECT writer, writer_beat, created FROM sweep WHERE id = ?1", &st, "read the claim", err,
                errlen) < 0)
        goto out;
    dbx_int(st, 1, sweep);
    if (sqlite3_step(st) != SQLITE_ROW) {
        dbx_error(err, errlen, r->db, "read the claim");
        goto out;
    }
    const char *other = (const char *)sqlite3_column_text(st, 0);
    double beat = sqlite3_column_double(st, 1);
    if (other && !writer_gone(other, beat)) {
        snprintf(err, errlen, "another retrysim sweep of this experiment is writing to it (host and pid: %s, alive "
                              "%.0f s ago): let it finish, or stop it (its finished runs stay) and run this again",
                 other, unix_now() - beat);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (set_writer(r, sweep, me, err, errlen) < 0 || dbx_exec(r->db, "COMMIT", "commit the claim", err, errlen) < 0)
        goto out;
    r->in_tx = 0;
    r->claim_sweep = sweep;
    r->claimed = unix_now();
    rc = 0;
out:
    sqlite3_finalize(st);
    if (rc < 0) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    return 0;
}

/* Renew the claim within the open transaction, at most every few seconds. */
static int renew_claim(rec_t *r, char *err, size_t errlen)
{
    if (!r->claim_sweep || unix_now() - r->claimed < CLAIM_STALE_S / 12)
        return 0;
    char me[300];
    writer_id(me, sizeof me);
    if (set_writer(r, r->claim_sweep, me, err, errlen) < 0)
        return -1;
    r->claimed = unix_now();
    return 0;
}

int rec_heartbeat(rec_t *r, char *err, size_t errlen)
{
    if (!r->claim_sweep || unix_now() - r->claimed < CLAIM_STALE_S / 12)
        return 0;
    if (begin(r, err, errlen) < 0) /* commits below, with anything pending */
        return dbx_fail_path(r->path, err, errlen);
    return rec_commit(r, err, errlen);
}

int rec_commit(rec_t *r, char *err, size_t errlen)
{
    if (!r->in_tx)
        return 0;
    if (renew_claim(r, err, errlen) < 0) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    if (r->last_sweep) {
        int bad = dbx_int(r->upd_last, 1, r->last_run) != SQLITE_OK;
        bad |= dbx_int(r->upd_last, 2, r->last_sweep) != SQLITE_OK;
        if (dbx_step(r->db, r->upd_last, bad, "update sweep", err, errlen) < 0) {
            rollback(r);
            return dbx_fail_path(r->path, err, errlen);
        }
    }
    if (dbx_exec(r->db, "COMMIT", "commit", err, errlen) < 0) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    r->in_tx = 0;
    r->pending = 0;
    r->last_sweep = 0;
    r->nfresh = 0;
    return 0;
}

int rec_pending(const rec_t *r) { return r ? r->pending : 0; }

sqlite3 *rec_sqlite(rec_t *r) { return r->db; }

/* ---- open and close ----------------------------------------------------- */

static int prepare_inserts(rec_t *r, char *err, size_t errlen)
{
    sqlite3 *db = r->db;
    char *sql = NULL;
    sqlite3_str *s;
    if (dbx_prepare(db,
                "INSERT INTO run (sweep, experiment, sweep_run, point, replication, seed, status, message, events,"
                " wall_s, bucket_ns, duration_ns, detail)"
                " VALUES (?1, (SELECT experiment FROM sweep WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                &r->ins_run, "prepare insert into run", err, errlen) < 0 ||
        dbx_prepare(db, "INSERT INTO histogram (run, name, lower, upper, count, unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                &r->ins_hist, "prepare insert into histogram", err, errlen) < 0 ||
        dbx_prepare(db, "INSERT OR IGNORE INTO stream_seed (seed, replication, name, stream_seed) VALUES (?1, ?2, ?3, ?4)",
                &r->ins_stream, "prepare insert into stream_seed", err, errlen) < 0 ||
        dbx_prepare(db, "UPDATE sweep SET last_run = ?1 WHERE id = ?2", &r->upd_last, "prepare update sweep", err,
                errlen) < 0)
        return -1;

    s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "INSERT INTO scalars (run");
    for (int i = 0; i < metrics_nscalars(); i++)
        sqlite3_str_appendf(s, ", \"%w\"", metrics_scalar_def(i)->name);
    sqlite3_str_appendall(s, ") VALUES (?");
    for (int i = 0; i < metrics_nscalars(); i++)
        sqlite3_str_appendall(s, ", ?");
    sqlite3_str_appendall(s, ")");
    if (dbx_str_finish(s, &sql, err, errlen) < 0 || dbx_prepare(db, sql, &r->ins_scalars, "prepare insert into scalars", err, errlen) < 0)
        goto fail;
    sqlite3_free(sql);

    s = sqlite3_str_new(db);
    sqlite3_str_appendall(s, "INSERT INTO series (run, t_ns");
    for (int i = 0; i < metrics_nseries(); i++)
        sqlite3_str_appendf(s, ", \"%w\"", metrics_series_def(i)->name);
    sqlite3_str_appendall(s, ") VALUES (?, ?");
    for (int i = 0; i < metrics_nseries(); i++)
        sqlite3_str_appendall(s, ", ?");
    sqlite3_str_appendall(s, ")");
    if (dbx_str_finish(s, &sql, err, errlen) < 0 || dbx_prepare(db, sql, &r->ins_series, "prepare insert into series", err, errlen) < 0)
        goto fail;
    sqlite3_free(sql);
    return 0;
fail:
    sqlite3_free(sql);
    return -1;
}

static void finalize_all(rec_t *r)
{
    sqlite3_finalize(r->ins_run);
    sqlite3_finalize(r->ins_scalars);
    sqlite3_finalize(r->ins_series);
    sqlite3_finalize(r->ins_hist);
    sqlite3_finalize(r->ins_stream);
    sqlite3_finalize(r->upd_last);
    sqlite3_finalize(r->get_scalars);
    r->ins_run = r->ins_scalars = r->ins_series = r->ins_hist = r->ins_stream = r->upd_last = r->get_scalars = NULL;
}

int rec_open(rec_t **out, const char *db_path, rec_wait_fn wait, void *ctx, char *err, size_t errlen)
{
    rec_t *r = NULL;
    *out = NULL;
    if (err && errlen > 0)
        err[0] = '\0';
    if (!db_path || !*db_path) {
        dbx_plain(err, errlen, "no results database path given");
        return -1;
    }
    if (rec_check_dir(db_path, err, errlen) < 0)
        return dbx_fail_path(db_path, err, errlen);
    r = calloc(1, sizeof *r);
    if (!r) {
        dbx_plain(err, errlen, "out of memory");
        return dbx_fail_path(db_path, err, errlen);
    }
    snprintf(r->path, sizeof r->path, "%s", db_path);
    if (sqlite3_open_v2(db_path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        dbx_error(err, errlen, r->db, "cannot open");
        goto fail;
    }
    set_wait(r, wait, ctx);
    /* Per connection, and no-ops inside a transaction: set them first. WAL
     * with synchronous NORMAL never syncs on commit, yet a committed
     * transaction survives a crash of the process. A file system without
     * WAL support keeps the rollback journal, which is slower but as safe. */
    if (dbx_exec(r->db, "PRAGMA foreign_keys = ON", "enable foreign keys", err, errlen) < 0 ||
        dbx_exec(r->db, "PRAGMA synchronous = NORMAL", "set synchronous", err, errlen) < 0)
        goto fail;
    /* Changing the journal mode needs the database to itself and does not
     * wait for a busy one: if another connection is writing, stay in the
     * mode in force. */
    sqlite3_exec(r->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
    if (begin(r, err, errlen) < 0)
        goto fail;
    if (check_version(r->db, err, errlen) < 0 || ensure_schema(r->db, err, errlen) < 0)
        goto fail;
    if (dbx_exec(r->db, "COMMIT", "commit the schema", err, errlen) < 0)
        goto fail;
    r->in_tx = 0;
    if (prepare_inserts(r, err, errlen) < 0)
        goto fail;
    *out = r;
    return 0;
fail:
    if (r->db) {
        rollback(r);
        finalize_all(r);
        sqlite3_close(r->db);
    }
    free(r->seen);
    free(r);
    return dbx_fail_path(db_path, err, errlen);
}

int rec_close(rec_t *r, char *err, size_t errlen)
{
    if (!r)
        return 0;
    int rc = rec_commit(r, err, errlen);
    if (rc < 0)
        rollback(r);
    if (r->claim_sweep) { /* release the sweep for the next writer */
        char me[300];
        writer_id(me, sizeof me);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(r->db, "UPDATE sweep SET writer = NULL, writer_beat = NULL WHERE id = ?1 AND writer = ?2",
                               -1, &st, NULL) == SQLITE_OK) {
            dbx_int(st, 1, r->claim_sweep);
            dbx_text(st, 2, me, sizeof me);
            sqlite3_step(st);
        }
        sqlite3_finalize(st);
    }
    finalize_all(r);
    forget_sweep(r);
    /* Back to one self-contained file (no -wal, -shm beside it). Another
     * connection still reading keeps WAL on: that is harmless. */
    sqlite3_exec(r->db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    sqlite3_close(r->db);
    free(r->seen);
    free(r);
    return rc;
}

/* ---- sweeps ------------------------------------------------------------- */

static int find_sweep(rec_t *r, const rec_sweep_t *s, int64_t *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    *id = 0;
    if (dbx_prepare(r->db, "SELECT id FROM sweep WHERE experiment = ?1 AND config_hash = ?2", &st, "prepare find sweep", err,
                errlen) < 0)
        return -1;
    dbx_text(st, 1, s->experiment, DBX_TEXT_MAX);
    dbx_text(st, 2, s->config_hash, DBX_TEXT_MAX);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        dbx_error(err, errlen, r->db, "find sweep");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int insert_sweep_row(rec_t *r, const rec_sweep_t *s, int64_t *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (dbx_prepare(r->db,
                "INSERT INTO sweep (experiment, config_hash, config_path, config_text, overrides, version, created,"
                " runs, points, repeat) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                &st, "prepare insert into sweep", err, errlen) < 0)
        return -1;
    int bad = dbx_text(st, 1, s->experiment, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 2, s->config_hash, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 3, s->config_path, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 4, s->config_text, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 5, s->overrides, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 6, s->version, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 7, created, sizeof created) != SQLITE_OK;
    bad |= dbx_int(st, 8, s->runs) != SQLITE_OK;
    bad |= dbx_int(st, 9, s->points) != SQLITE_OK;
    bad |= dbx_int(st, 10, s->repeat) != SQLITE_OK;
    int rc = dbx_step(r->db, st, bad, "insert into sweep", err, errlen);
    sqlite3_finalize(st);
    if (rc == 0)
        *id = sqlite3_last_insert_rowid(r->db);
    return rc;
}

/* The sweep being written: point 0's parameter values, which every other
 * point is compared with, and which points are in the database. */
static void forget_sweep(rec_t *r)
{
    for (int k = 0; k < r->nbase; k++)
        free(r->base[k]);
    free(r->base);
    free(r->described);
    free(r->fresh);
    r->base = NULL;
    r->described = NULL;
    r->fresh = NULL;
    r->nbase = r->npoints = r->nfresh = r->capfresh = 0;
    r->desc = NULL;
    r->desc_sweep = 0;
}

static int insert_param(sqlite3 *db, sqlite3_stmt *st, int64_t sweep, int point, const rec_param_t *p, char *err,
                        size_t errlen)
{
    int i = 1, bad = dbx_int(st, i++, sweep) != SQLITE_OK;
    if (point >= 0)
        bad |= dbx_int(st, i++, point) != SQLITE_OK;
    bad |= dbx_text(st, i++, p->key, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, i, p->value, DBX_TEXT_MAX) != SQLITE_OK;
    return dbx_step(db, st, bad, point >= 0 ? "insert into point_param" : "insert into sweep_param", err, errlen);
}

/* Point p's parameters and variables into the database: point 0's every
 * key (sweep_param), another point's keys whose value differs from point
 * 0's (point_param; run.replication is per run, so the param view takes it
 * from the run), and its variables (sweep_var). With insert = 0, point 0's
 * values are only loaded (a sweep resumed). */
static int describe_point(rec_t *r, int p, int insert, char *err, size_t errlen)
{
    const rec_sweep_t *s = r->desc;
    sqlite3_stmt *st = NULL;
    const rec_param_t *ps;
    const char *values[64];
    int np, rc = -1;

    if (s->nvars < 0 || s->nvars > (int)(sizeof values / sizeof values[0])) {
        dbx_plain(err, errlen, "too many sweep variables");
        return -1;
    }
    if (s->describe(s->ctx, p, &ps, &np, values, err, errlen) < 0)
        return -1;
    if (p == 0) {
        if (!(r->base = calloc((size_t)(np > 0 ? np : 1), sizeof *r->base))) {
            dbx_plain(err, errlen, "out of memory");
            return -1;
        }
        r->nbase = np;
        for (int k = 0; k < np; k++)
            if (ps[k].value && !(r->base[k] = strdup(ps[k].value))) {
                dbx_plain(err, errlen, "out of memory");
                return -1;
            }
    } else if (np != r->nbase) {
        dbx_plain(err, errlen, "points have different parameter lists");
        return -1;
    }
    if (!insert)
        return 0;
    if (dbx_prepare(r->db,
                p == 0 ? "INSERT INTO sweep_param (sweep, key, value) VALUES (?1, ?2, ?3)"
                       : "INSERT INTO point_param (sweep, point, key, value) VALUES (?1, ?2, ?3, ?4)",
                &st, "prepare insert into a parameter table", err, errlen) < 0)
        goto out;
    for (int k = 0; k < np; k++) {
        const char *a = r->base[k], *b = ps[k].value;
        if (p > 0 && ((!a && !b) || (a && b && strcmp(a, b) == 0) || strcmp(ps[k].key, "run.replication") == 0))
            continue; /* the same as point 0's, or per run */
        if (insert_param(r->db, st, r->desc_sweep, p == 0 ? -1 : p, &ps[k], err, errlen) < 0)
            goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (dbx_prepare(r->db, "INSERT INTO sweep_var (sweep, point, name, value) VALUES (?1, ?2, ?3, ?4)", &st,
                "prepare insert into sweep_var", err, errlen) < 0)
        goto out;
    for (int v = 0; v < s->nvars; v++) {
        int bad = dbx_int(st, 1, r->desc_sweep) != SQLITE_OK;
        bad |= dbx_int(st, 2, p) != SQLITE_OK;
        bad |= dbx_text(st, 3, s->var_names[v], DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_text(st, 4, values[v], DBX_TEXT_MAX) != SQLITE_OK;
        if (dbx_step(r->db, st, bad, "insert into sweep_var", err, errlen) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Describe point p unless it is in the database already (or being put in
 * by the open transaction). */
static int ensure_point(rec_t *r, int64_t sweep, int p, char *err, size_t errlen)
{
    if (sweep != r->desc_sweep || p < 0 || p >= r->npoints || r->described[p])
        return 0;
    if (r->nfresh == r->capfresh) {
        int ncap = r->capfresh ? 2 * r->capfresh : 64;
        int *f = realloc(r->fresh, (size_t)ncap * sizeof *f);
        if (!f) {
            dbx_plain(err, errlen, "out of memory");
            return -1;
        }
        r->fresh = f;
        r->capfresh = ncap;
    }
    if (describe_point(r, p, 1, err, errlen) < 0)
        return -1;
    r->described[p] = 1;
    r->fresh[r->nfresh++] = p; /* forgotten again if the transaction is rolled back */
    return 0;
}

/* Mark the points that have runs: their descriptions went in with them. */
static int load_described(rec_t *r, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (dbx_prepare(r->db, "SELECT DISTINCT point FROM run WHERE sweep = ?1", &st, "read the described points", err,
                errlen) < 0)
        return -1;
    dbx_int(st, 1, r->desc_sweep);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t p = sqlite3_column_int64(st, 0);
        if (p >= 0 && p < r->npoints)
            r->described[p] = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        dbx_error(err, errlen, r->db, "read the described points");
        return -1;
    }
    return 0;
}

int rec_sweep(rec_t *r, const rec_sweep_t *s, int64_t *id, int *created, char *err, size_t errlen)
{
    *id = 0;
    if (created)
        *created = 0;
    if (!s->experiment || !s->config_hash || !s->describe || s->points < 1) {
        dbx_plain(err, errlen, "incomplete sweep description");
        return dbx_fail_path(r->path, err, errlen);
    }
    if (rec_commit(r, err, errlen) < 0)
        return -1;
    forget_sweep(r);
    r->desc = s;
    r->npoints = s->points;
    if (!(r->described = calloc((size_t)s->points, 1))) {
        dbx_plain(err, errlen, "out of memory");
        goto fail;
    }
    if (begin(r, err, errlen) < 0 || find_sweep(r, s, id, err, errlen) < 0)
        goto fail;
    int is_new = *id == 0;
    if (is_new && insert_sweep_row(r, s, id, err, errlen) < 0)
        goto fail;
    r->desc_sweep = *id;
    if (describe_point(r, 0, is_new, err, errlen) < 0 || (!is_new && load_described(r, err, errlen) < 0))
        goto fail;
    r->described[0] = 1;
    if (dbx_exec(r->db, "COMMIT", "commit the sweep", err, errlen) < 0)
        goto fail;
    r->in_tx = 0;
    if (created)
        *created = is_new;
    return 0;
fail:
    rollback(r);
    forget_sweep(r);
    *id = 0;
    return dbx_fail_path(r->path, err, errlen);
}

int rec_done_runs(rec_t *r, int64_t sweep, unsigned char *done, int n, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int marked = 0, rc;
    if (dbx_prepare(r->db, "SELECT sweep_run FROM run WHERE sweep = ?1 AND sweep_run IS NOT NULL", &st,
                "read finished runs", err, errlen) < 0)
        return dbx_fail_path(r->path, err, errlen);
    dbx_int(st, 1, sweep);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 k = sqlite3_column_int64(st, 0);
        if (k >= 0 && k < n && !done[k]) {
            done[k] = 1;
            marked++;
        }
    }
    if (rc != SQLITE_DONE) {
        dbx_error(err, errlen, r->db, "read finished runs");
        marked = dbx_fail_path(r->path, err, errlen);
    }
    sqlite3_finalize(st);
    return marked;
}

/* ---- one run ------------------------------------------------------------ */

/* Stream seeds depend only on (seed, replication, name): a connection
 * writes each once. The set only grows; it is reset by a rollback. */
static int stream_seen(rec_t *r, uint64_t seed, uint32_t rep, const char *name)
{
    uint64_t h = hash_fnv1a(HASH_FNV_OFFSET, name, strnlen(name, 32)) | 1; /* never 0: 0 marks an empty slot */
    if (2 * (r->nseen + 1) > r->capseen) {
        size_t ncap = r->capseen ? 2 * r->capseen : 256;
        seen_stream_t *t = calloc(ncap, sizeof *t);
        if (!t)
            return 0; /* without the cache the INSERT OR IGNORE is still right */
        for (size_t i = 0; i < r->capseen; i++) {
            seen_stream_t *e = &r->seen[i];
            if (!e->name_hash)
                continue;
            size_t j = (size_t)(e->name_hash ^ e->seed * 0x9E3779B97F4A7C15ull ^ e->replication) & (ncap - 1);
            while (t[j].name_hash)
                j = (j + 1) & (ncap - 1);
            t[j] = *e;
        }
        free(r->seen);
        r->seen = t;
        r->capseen = ncap;
    }
    size_t j = (size_t)(h ^ seed * 0x9E3779B97F4A7C15ull ^ rep) & (r->capseen - 1);
    for (; r->seen[j].name_hash; j = (j + 1) & (r->capseen - 1))
        if (r->seen[j].name_hash == h && r->seen[j].seed == seed && r->seen[j].replication == rep)
            return 1;
    r->seen[j] = (seen_stream_t){seed, rep, h};
    r->nseen++;
    return 0;
}

static int put_run_row(rec_t *r, int64_t sweep, const rec_head_t *h, int64_t *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = r->ins_run;
    int bad = dbx_int(st, 1, sweep) != SQLITE_OK;
    bad |= (h->sweep_run >= 0 ? dbx_int(st, 2, h->sweep_run) : sqlite3_bind_null(st, 2)) != SQLITE_OK;
    bad |= dbx_int(st, 3, h->point) != SQLITE_OK;
    bad |= dbx_int(st, 4, h->replication) != SQLITE_OK;
    bad |= dbx_int(st, 5, dbx_u64(h->seed)) != SQLITE_OK;
    bad |= dbx_text(st, 6, h->failed ? "failed" : "ok", DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 7, h->message[0] ? h->message : NULL, sizeof h->message) != SQLITE_OK;
    bad |= dbx_int(st, 8, dbx_u64(h->events)) != SQLITE_OK;
    bad |= dbx_real(st, 9, h->wall_s) != SQLITE_OK;
    bad |= dbx_int(st, 10, h->bucket_ns) != SQLITE_OK;
    bad |= dbx_int(st, 11, h->duration_ns) != SQLITE_OK;
    bad |= dbx_int(st, 12, h->detail) != SQLITE_OK;
    if (dbx_step(r->db, st, bad, "insert into run", err, errlen) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(r->db);
    return 0;
}

static int put_scalars(rec_t *r, int64_t id, const rec_run_t *run, char *err, size_t errlen)
{
    sqlite3_stmt *st = r->ins_scalars;
    int bad = dbx_int(st, 1, id) != SQLITE_OK;
    if (run->h.nscalars != metrics_nscalars()) {
        dbx_plain(err, errlen, "scalars missing");
        return -1;
    }
    for (int i = 0; i < run->h.nscalars; i++)
        bad |= dbx_real(st, 2 + i, run->scalar[i]) != SQLITE_OK; /* NaN: NULL */
    return dbx_step(r->db, st, bad, "insert into scalars", err, errlen);
}

static int put_streams(rec_t *r, const rec_head_t *h, char *err, size_t errlen)
{
    sqlite3_stmt *st = r->ins_stream;
    if (h->nstreams < 0 || h->nstreams > RNG_MAX_STREAMS) {
        dbx_plain(err, errlen, "bad number of random streams");
        return -1;
    }
    for (int i = 0; i < h->nstreams; i++) {
        if (stream_seen(r, h->seed, (uint32_t)h->replication, h->stream[i].name))
            continue;
        int bad = dbx_int(st, 1, dbx_u64(h->seed)) != SQLITE_OK;
        bad |= dbx_int(st, 2, h->replication) != SQLITE_OK;
        bad |= dbx_text(st, 3, h->stream[i].name, sizeof h->stream[i].name) != SQLITE_OK;
        bad |= dbx_int(st, 4, dbx_u64(h->stream[i].seed)) != SQLITE_OK;
        if (dbx_step(r->db, st, bad, "insert into stream_seed", err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int put_series(rec_t *r, int64_t id, const rec_run_t *run, char *err, size_t errlen)
{
    sqlite3_stmt *st = r->ins_series;
    const rec_head_t *h = &run->h;
    if (h->nbuckets > 0 && !run->series) {
        dbx_plain(err, errlen, "series missing");
        return -1;
    }
    if (h->nbuckets > 0 && h->nseries != metrics_nseries()) {
        dbx_plain(err, errlen, "series of another shape");
        return -1;
    }
    for (int b = 0; b < h->nbuckets; b++) {
        const int64_t *row = run->series + (size_t)b * (size_t)h->nseries;
        int bad = dbx_int(st, 1, id) != SQLITE_OK;
        bad |= dbx_int(st, 2, (int64_t)b * h->bucket_ns) != SQLITE_OK;
        for (int c = 0; c < h->nseries; c++)
            bad |= dbx_int(st, 3 + c, row[c]) != SQLITE_OK;
        if (dbx_step(r->db, st, bad, "insert into series", err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int put_hists(rec_t *r, int64_t id, const rec_run_t *run, char *err, size_t errlen)
{
    sqlite3_stmt *st = r->ins_hist;
    if (run->h.nhists < 0 || run->h.nhists > RUN_MAX_HISTS) {
        dbx_plain(err, errlen, "bad number of histograms");
        return -1;
    }
    for (int k = 0; k < run->h.nhists; k++) {
        const rec_hist_t *hs = &run->hist[k];
        for (int i = 0; i < hs->nbuckets; i++) {
            int bad = dbx_int(st, 1, id) != SQLITE_OK;
            bad |= dbx_text(st, 2, hs->name, DBX_TEXT_MAX) != SQLITE_OK;
            bad |= dbx_int(st, 3, hs->b[i].lower) != SQLITE_OK;
            bad |= dbx_int(st, 4, hs->b[i].upper) != SQLITE_OK;
            bad |= dbx_int(st, 5, hs->b[i].count) != SQLITE_OK;
            bad |= dbx_text(st, 6, hs->unit, DBX_TEXT_MAX) != SQLITE_OK;
            if (dbx_step(r->db, st, bad, "insert into histogram", err, errlen) < 0)
                return -1;
        }
    }
    return 0;
}

int rec_put(rec_t *r, int64_t sweep, const rec_run_t *run, int64_t *run_id, char *err, size_t errlen)
{
    const rec_head_t *h = &run->h;
    int64_t id = 0;
    if (begin(r, err, errlen) < 0)
        return dbx_fail_path(r->path, err, errlen);
    if (ensure_point(r, sweep, h->point, err, errlen) < 0 || put_run_row(r, sweep, h, &id, err, errlen) < 0 || (h->has_scalars && put_scalars(r, id, run, err, errlen) < 0) ||
        put_streams(r, h, err, errlen) < 0 ||
        (h->detail && (put_series(r, id, run, err, errlen) < 0 || put_hists(r, id, run, err, errlen) < 0))) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    r->pending++;
    r->last_sweep = sweep;
    r->last_run = id;
    if (run_id)
        *run_id = id;
    return 0;
}

/* ---- reading runs back, search answers ----------------------------------- */

int rec_run_scalars(rec_t *r, int64_t sweep, int sweep_run, int *ok, double *scalar, char *err, size_t errlen)
{
    if (!r->get_scalars) {
        sqlite3_str *q = sqlite3_str_new(r->db);
        char *sql = NULL;
        sqlite3_str_appendall(q, "SELECT r.status = 'ok'");
        for (int i = 0; i < metrics_nscalars(); i++)
            sqlite3_str_appendf(q, ", s.\"%w\"", metrics_scalar_def(i)->name);
        sqlite3_str_appendall(q, " FROM run AS r LEFT JOIN scalars AS s ON s.run = r.id"
                                 " WHERE r.sweep = ?1 AND r.sweep_run = ?2");
        if (dbx_str_finish(q, &sql, err, errlen) < 0)
            return dbx_fail_path(r->path, err, errlen);
        int rc = dbx_prepare(r->db, sql, &r->get_scalars, "prepare reading a run", err, errlen);
        sqlite3_free(sql);
        if (rc < 0)
            return dbx_fail_path(r->path, err, errlen);
    }
    sqlite3_stmt *st = r->get_scalars;
    dbx_int(st, 1, sweep);
    dbx_int(st, 2, sweep_run);
    int rc = sqlite3_step(st), found = 0;
    if (rc == SQLITE_ROW) {
        found = 1;
        *ok = sqlite3_column_int(st, 0);
        for (int i = 0; i < metrics_nscalars(); i++)
            scalar[i] = sqlite3_column_type(st, 1 + i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(st, 1 + i);
    } else if (rc != SQLITE_DONE) {
        dbx_error(err, errlen, r->db, "read a run");
        found = -1;
    }
    sqlite3_reset(st);
    return found < 0 ? dbx_fail_path(r->path, err, errlen) : found;
}

int rec_search_clear(rec_t *r, int64_t sweep, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (begin(r, err, errlen) < 0)
        return dbx_fail_path(r->path, err, errlen);
    for (int t = 0; t < 2; t++) {
        if (dbx_prepare(r->db, t ? "DELETE FROM search_probe WHERE sweep = ?1" : "DELETE FROM search WHERE sweep = ?1",
                        &st, "prepare clearing the answers", err, errlen) < 0)
            goto out;
        dbx_int(st, 1, sweep);
        if (dbx_step(r->db, st, 0, "clear the answers", err, errlen) < 0)
            goto out;
        sqlite3_finalize(st);
        st = NULL;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    if (rc < 0) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    return 0;
}

int rec_search_put(rec_t *r, int64_t sweep, const rec_search_row_t *row, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (begin(r, err, errlen) < 0 ||
        dbx_prepare(r->db,
                    "INSERT INTO search (sweep, grp, point, variable, status, boundary, other, runs)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    &st, "prepare insert into search", err, errlen) < 0)
        goto fail;
    int bad = dbx_int(st, 1, sweep) != SQLITE_OK;
    bad |= dbx_int(st, 2, row->grp) != SQLITE_OK;
    bad |= dbx_int(st, 3, row->point) != SQLITE_OK;
    bad |= dbx_text(st, 4, row->variable, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 5, row->status, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 6, row->boundary, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_text(st, 7, row->other, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_int(st, 8, row->runs) != SQLITE_OK;
    if (dbx_step(r->db, st, bad, "insert into search", err, errlen) < 0)
        goto fail;
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    rollback(r);
    return dbx_fail_path(r->path, err, errlen);
}

int rec_probe_put(rec_t *r, int64_t sweep, const rec_probe_row_t *row, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (begin(r, err, errlen) < 0 ||
        dbx_prepare(r->db,
                    "INSERT INTO search_probe (sweep, grp, candidate, value, point, n, k, estimate, lo, hi, verdict)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    &st, "prepare insert into search_probe", err, errlen) < 0)
        goto fail;
    int bad = dbx_int(st, 1, sweep) != SQLITE_OK;
    bad |= dbx_int(st, 2, row->grp) != SQLITE_OK;
    bad |= dbx_int(st, 3, row->candidate) != SQLITE_OK;
    bad |= dbx_text(st, 4, row->value, DBX_TEXT_MAX) != SQLITE_OK;
    bad |= dbx_int(st, 5, row->point) != SQLITE_OK;
    bad |= dbx_int(st, 6, row->n) != SQLITE_OK;
    bad |= (row->k >= 0 ? dbx_int(st, 7, row->k) : sqlite3_bind_null(st, 7)) != SQLITE_OK;
    bad |= dbx_real(st, 8, row->estimate) != SQLITE_OK;
    bad |= dbx_real(st, 9, row->lo) != SQLITE_OK;
    bad |= dbx_real(st, 10, row->hi) != SQLITE_OK;
    bad |= dbx_text(st, 11, row->verdict, DBX_TEXT_MAX) != SQLITE_OK;
    if (dbx_step(r->db, st, bad, "insert into search_probe", err, errlen) < 0)
        goto fail;
    sqlite3_finalize(st);
    return 0;
fail:
    sqlite3_finalize(st);
    rollback(r);
    return dbx_fail_path(r->path, err, errlen);
}

/* ---- the summary -------------------------------------------------------- */

/* Student-t 0.975 quantiles by degrees of freedom, computed once each. */
typedef struct {
    double *t;
    int n;
} tcache_t;

static double t975(tcache_t *c, int df)
{
    if (df >= c->n) {
        int nn = df + 64;
        double *t = realloc(c->t, (size_t)nn * sizeof *t);
        if (!t)
            return gsl_cdf_tdist_Pinv(0.975, (double)df);
        for (int i = c->n; i < nn; i++)
            t[i] = NAN;
        c->t = t;
        c->n = nn;
    }
    if (isnan(c->t[df]))
        c->t[df] = gsl_cdf_tdist_Pinv(0.975, (double)df);
    return c->t[df];
}

/* The values of one point's ok runs, run-major: v[run * metrics_nscalars() + scalar]. */
typedef struct {
    double *v;
    int nruns, cap;
} point_values_t;

static int load_point(sqlite3_stmt *sel, sqlite3 *db, int64_t sweep, int64_t point, point_values_t *pv, char *err,
                      size_t errlen)
{
    int rc, ns = metrics_nscalars();
    pv->nruns = 0;
    dbx_int(sel, 1, sweep);
    dbx_int(sel, 2, point);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        if (pv->nruns == pv->cap) {
            int ncap = pv->cap ? 2 * pv->cap : 64;
            double *v = realloc(pv->v, (size_t)ncap * (size_t)ns * sizeof *v);
            if (!v) {
                sqlite3_reset(sel);
                dbx_plain(err, errlen, "out of memory for the summary");
                return -1;
            }
            pv->v = v;
            pv->cap = ncap;
        }
        double *row = pv->v + (size_t)pv->nruns * (size_t)ns;
        for (int i = 0; i < ns; i++)
            row[i] = sqlite3_column_type(sel, i) == SQLITE_NULL ? (double)NAN : sqlite3_column_double(sel, i);
        pv->nruns++;
    }
    sqlite3_reset(sel);
    if (rc != SQLITE_DONE) {
        dbx_error(err, errlen, db, "summary query");
        return -1;
    }
    return 0;
}

/* Mean (compensated sum), then the sum of squared deviations from it: the
 * two-pass formula, exact enough for any replication count. */
static int summarise_point(sqlite3_stmt *ins, sqlite3 *db, const char *experiment, int64_t sweep, int64_t point,
                           const point_values_t *pv, tcache_t *tc, char *err, size_t errlen)
{
    int ns = metrics_nscalars();
    for (int i = 0; i < ns; i++) {
        int64_t n = 0;
        double sum = 0, comp = 0;
        for (int k = 0; k < pv->nruns; k++) {
            double x = pv->v[(size_t)k * (size_t)ns + i];
            if (isnan(x))
                continue;
            n++;
            double t = sum + x; /* Neumaier's compensated summation */
            comp += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
            sum = t;
        }
        if (n == 0 && i >= S_CORE_COUNT)
            continue; /* a model's scalar that no run of the point produced */
        double mean = n ? (sum + comp) / (double)n : (double)NAN, sd = NAN, hw = NAN;
        if (n >= 2) {
            double ss = 0;
            for (int k = 0; k < pv->nruns; k++) {
                double x = pv->v[(size_t)k * (size_t)ns + i];
                if (!isnan(x))
                    ss += (x - mean) * (x - mean);
            }
            sd = sqrt(ss / (double)(n - 1));
            hw = t975(tc, (int)(n - 1)) * sd / sqrt((double)n);
        }
        int bad = dbx_text(ins, 1, experiment, DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_int(ins, 2, point) != SQLITE_OK;
        bad |= dbx_text(ins, 3, metrics_scalar_def(i)->name, DBX_TEXT_MAX) != SQLITE_OK;
        bad |= dbx_int(ins, 4, n) != SQLITE_OK;
        bad |= dbx_real(ins, 5, mean) != SQLITE_OK;
        bad |= dbx_real(ins, 6, sd) != SQLITE_OK;
        bad |= dbx_real(ins, 7, hw) != SQLITE_OK;
        bad |= dbx_int(ins, 8, sweep) != SQLITE_OK;
        if (dbx_step(db, ins, bad, "insert into summary", err, errlen) < 0)
            return -1;
    }
    return 0;
}

int rec_summarise(rec_t *r, int64_t sweep, char *err, size_t errlen)
{
    sqlite3_stmt *info = NULL, *pts = NULL, *sel = NULL, *del = NULL, *ins = NULL, *upd = NULL;
    sqlite3_str *q = NULL;
    char *sql = NULL, *experiment = NULL;
    point_values_t pv = {0};
    tcache_t tc = {0};
    int rc = -1;

    if (rec_commit(r, err, errlen) < 0)
        return -1;
    if (begin(r, err, errlen) < 0)
        goto out;
    /* since: runs with a larger id are not in the summary yet; 0 = redo all */
    if (dbx_prepare(r->db,
                "SELECT experiment, coalesce(summarised, 0),"
                " coalesce((SELECT s.sweep = sweep.id FROM summary AS s WHERE s.experiment = sweep.experiment LIMIT 1), 0)"
                " FROM sweep WHERE id = ?1",
                &info, "read the sweep", err, errlen) < 0)
        goto out;
    dbx_int(info, 1, sweep);
    if (sqlite3_step(info) != SQLITE_ROW) {
        dbx_error(err, errlen, r->db, "read the sweep");
        goto out;
    }
    experiment = strdup((const char *)sqlite3_column_text(info, 0));
    int64_t since = sqlite3_column_int64(info, 2) ? sqlite3_column_int64(info, 1) : 0;
    if (!experiment) {
        dbx_plain(err, errlen, "out of memory");
        goto out;
    }
    if (since == 0) { /* the summary holds another sweep, or none: start afresh */
        if (dbx_prepare(r->db, "DELETE FROM summary WHERE experiment = ?1", &del, "prepare summary delete", err, errlen) < 0)
            goto out;
        dbx_text(del, 1, experiment, DBX_TEXT_MAX);
        if (dbx_step(r->db, del, 0, "delete the old summary", err, errlen) < 0)
            goto out;
        sqlite3_finalize(del);
        del = NULL;
    }

    q = sqlite3_str_new(r->db);
    sqlite3_str_appendall(q, "SELECT ");
    for (int i = 0; i < metrics_nscalars(); i++)
        sqlite3_str_appendf(q, "%ss.\"%w\"", i ? ", " : "", metrics_scalar_def(i)->name);
    sqlite3_str_appendall(q, " FROM run AS r JOIN scalars AS s ON s.run = r.id"
                             " WHERE r.sweep = ?1 AND r.point = ?2 AND r.status = 'ok'"
                             " ORDER BY r.sweep_run, r.id"); /* the same sums whatever the finishing order */
    if (dbx_str_finish(q, &sql, err, errlen) < 0)
        goto out;
    if (dbx_prepare(r->db, sql, &sel, "prepare summary query", err, errlen) < 0 ||
        dbx_prepare(r->db, "SELECT DISTINCT point FROM run WHERE id > ?2 AND sweep = ?1", &pts, "prepare summary points",
                err, errlen) < 0 ||
        dbx_prepare(r->db, "DELETE FROM summary WHERE experiment = ?1 AND point = ?2", &del, "prepare summary delete", err,
                errlen) < 0 ||
        dbx_prepare(r->db,
                "INSERT INTO summary (experiment, point, name, n, mean, sd, ci95, sweep)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                &ins, "prepare summary insert", err, errlen) < 0 ||
        dbx_prepare(r->db, "UPDATE sweep SET summarised = (SELECT max(id) FROM run WHERE sweep = ?1) WHERE id = ?1", &upd,
                "prepare sweep update", err, errlen) < 0)
        goto out;
    dbx_int(pts, 1, sweep);
    dbx_int(pts, 2, since);
    int st;
    while ((st = sqlite3_step(pts)) == SQLITE_ROW) {
        int64_t point = sqlite3_column_int64(pts, 0);
        dbx_text(del, 1, experiment, DBX_TEXT_MAX);
        dbx_int(del, 2, point);
        if (dbx_step(r->db, del, 0, "delete a point's summary", err, errlen) < 0 ||
            load_point(sel, r->db, sweep, point, &pv, err, errlen) < 0)
            goto out;
        if (pv.nruns > 0 && summarise_point(ins, r->db, experiment, sweep, point, &pv, &tc, err, errlen) < 0)
            goto out; /* a point whose runs all failed has no summary */
    }
    if (st != SQLITE_DONE) {
        dbx_error(err, errlen, r->db, "summary points");
        goto out;
    }
    dbx_int(upd, 1, sweep);
    if (dbx_step(r->db, upd, 0, "update the sweep", err, errlen) < 0)
        goto out;
    if (dbx_exec(r->db, "COMMIT", "commit the summary", err, errlen) < 0)
        goto out;
    r->in_tx = 0;
    rc = 0;
out:
    sqlite3_finalize(info);
    sqlite3_finalize(pts);
    sqlite3_finalize(sel);
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    sqlite3_finalize(upd);
    sqlite3_free(sql);
    free(experiment);
    free(pv.v);
    free(tc.t);
    if (rc < 0) {
        rollback(r);
        return dbx_fail_path(r->path, err, errlen);
    }
    return 0;
}
