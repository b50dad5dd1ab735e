/*
 * merge: the runs of another results database added to this one (see
 * rec_merge in rec.h). This is how the databases of a sharded sweep (the
 * tasks of a job array, `retrysim sweep --shard K/N`) become one, and how
 * two local databases of the same experiment are combined.
 *
 * A sweep is identified by (experiment, config_hash): the source's sweeps
 * are matched with this database's or added. A run of a sweep is
 * identified by its run number: one already here is compared (status,
 * events, every scalar bit for bit) and skipped when equal; different
 * results under the same identity are a conflict, and nothing of that
 * source is merged. A `retrysim run` (no run number) is always added. The
 * whole source is merged in one transaction.
 */
#include "rec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbx.h"
#include "metrics.h"

/* Which of the metric columns this version declares (names[0..n)) the
 * source's table has: have[i] = 1 or 0. Returns how many it has. */
static int shared_columns(sqlite3 *db, const char *table, const char *const *names, int n, unsigned char *have)
{
    sqlite3_stmt *st = NULL;
    int count = 0;
    memset(have, 0, (size_t)n);
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1, 'src') WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
        return 0;
    for (int i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            have[i] = 1;
            count++;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return count;
}

/* `, "a", "b"` for the columns the source has (prefix: "" or "a."), or with
 * eq, ` AND a."a" IS b."a" ...`. NULL when out of memory. */
static char *column_list(sqlite3 *db, const char *const *names, int n, const unsigned char *have, int eq)
{
    sqlite3_str *s = sqlite3_str_new(db);
    char *out = NULL;
    sqlite3_str_appendall(s, " "); /* never empty, so never NULL on success */
    for (int i = 0; i < n; i++)
        if (have[i]) {
            if (eq)
                sqlite3_str_appendf(s, " AND a.\"%w\" IS b.\"%w\"", names[i], names[i]);
            else
                sqlite3_str_appendf(s, ", \"%w\"", names[i]);
        }
    if (dbx_str_finish(s, &out, NULL, 0) < 0)
        return NULL;
    return out;
}

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *sweeps, *find, *add_sweep, *add_params, *add_diffs, *add_vars, *runs, *twin, *same, *add_run,
        *add_scalars, *add_series, *add_hist, *last;
    char *scols, *mcols;       /* scalar and series columns both databases have */
    int nscols, nmcols;
} merger_t;

static void merger_free(merger_t *m)
{
    sqlite3_stmt **all[] = {&m->sweeps,     &m->find,       &m->add_sweep,  &m->add_params, &m->add_diffs,
                            &m->add_vars,   &m->runs,       &m->twin,       &m->same,       &m->add_run,
                            &m->add_scalars, &m->add_series, &m->add_hist,  &m->last};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
    sqlite3_free(m->scols);
    sqlite3_free(m->mcols);
    m->scols = m->mcols = NULL;
}

static int merger_prepare(merger_t *m, char *err, size_t errlen)
{
    const char *const *scal = metrics_scalar_names(), *const *ser = metrics_series_names();
    int nsc = metrics_nscalars(), nse = metrics_nseries();
    unsigned char *shave = calloc((size_t)nsc + (size_t)nse, 1), *mhave = shave ? shave + nsc : NULL;
    if (!scal || !ser || !shave) {
        free(shave);
        dbx_plain(err, errlen, "out of memory");
        return -1;
    }
    m->nscols = shared_columns(m->db, "scalars", scal, nsc, shave);
    m->nmcols = shared_columns(m->db, "series", ser, nse, mhave);
    m->scols = column_list(m->db, scal, nsc, shave, 0);
    m->mcols = column_list(m->db, ser, nse, mhave, 0);
    char *eqs = column_list(m->db, scal, nsc, shave, 1), *sql_same = NULL, *sql_scalars = NULL, *sql_series = NULL;
    free(shave);
    if (!m->scols || !m->mcols || !eqs) {
        sqlite3_free(eqs);
        dbx_plain(err, errlen, "out of memory");
        return -1;
    }
    /* equal: both have a scalars row or neither, and every column the
     * source has IS the other's (NULL IS NULL) */
    sql_same = sqlite3_mprintf(
        "SELECT (SELECT count(*) FROM src.scalars WHERE run = ?1) = (SELECT count(*) FROM main.scalars WHERE run = ?2)"
        " AND NOT EXISTS (SELECT 1 FROM src.scalars AS a, main.scalars AS b"
        " WHERE a.run = ?1 AND b.run = ?2 AND NOT (1%s))",
        eqs);
    sql_scalars = sqlite3_mprintf("INSERT INTO main.scalars (run%s) SELECT ?2%s FROM src.scalars WHERE run = ?1",
                                  m->scols, m->scols);
    sql_series = sqlite3_mprintf("INSERT INTO main.series (run, t_ns%s) SELECT ?2, t_ns%s FROM src.series WHERE run = ?1",
                                 m->mcols, m->mcols);
    sqlite3_free(eqs);
    int rc = -1;
    if (!sql_same || !sql_scalars || !sql_series) {
        dbx_plain(err, errlen, "out of memory");
        goto out;
    }
    if (dbx_prepare(m->db,
                    "SELECT id, experiment, config_hash FROM src.sweep ORDER BY coalesce(last_run, 0), id",
                    &m->sweeps, "read the source's sweeps", err, errlen) < 0 ||
        dbx_prepare(m->db, "SELECT id FROM main.sweep WHERE experiment = ?1 AND config_hash = ?2", &m->find,
                    "prepare find sweep", err, errlen) < 0 ||
        dbx_prepare(m->db,
                    "INSERT INTO main.sweep (experiment, config_hash, config_path, config_text, overrides, version,"
                    " created, runs, points, repeat) SELECT experiment, config_hash, config_path, config_text,"
                    " overrides, version, created, runs, points, repeat FROM src.sweep WHERE id = ?1",
                    &m->add_sweep, "prepare add sweep", err, errlen) < 0 ||
        dbx_prepare(m->db, "INSERT INTO main.sweep_param SELECT ?2, key, value FROM src.sweep_param WHERE sweep = ?1",
                    &m->add_params, "prepare add parameters", err, errlen) < 0 ||
        dbx_prepare(m->db,
                    "INSERT OR IGNORE INTO main.point_param SELECT ?2, point, key, value FROM src.point_param"
                    " WHERE sweep = ?1",
                    &m->add_diffs, "prepare add point parameters", err, errlen) < 0 ||
        dbx_prepare(m->db,
                    "INSERT OR IGNORE INTO main.sweep_var SELECT ?2, point, name, value FROM src.sweep_var"
                    " WHERE sweep = ?1",
                    &m->add_vars, "prepare add variables", err, errlen) < 0 ||
        dbx_prepare(m->db, "SELECT id, sweep_run, status, events FROM src.run WHERE sweep = ?1 ORDER BY id", &m->runs,
                    "read the source's runs", err, errlen) < 0 ||
        dbx_prepare(m->db, "SELECT id, status, events FROM main.run WHERE sweep = ?1 AND sweep_run = ?2", &m->twin,
                    "prepare find run", err, errlen) < 0 ||
        dbx_prepare(m->db, sql_same, &m->same, "prepare compare scalars", err, errlen) < 0 ||
        dbx_prepare(m->db,
                    "INSERT INTO main.run (sweep, experiment, sweep_run, point, replication, seed, status, message,"
                    " events, wall_s, bucket_ns, duration_ns, detail) SELECT ?2, experiment, sweep_run, point,"
                    " replication, seed, status, message, events, wall_s, bucket_ns, duration_ns, detail"
                    " FROM src.run WHERE id = ?1",
                    &m->add_run, "prepare add run", err, errlen) < 0 ||
        dbx_prepare(m->db, sql_scalars, &m->add_scalars, "prepare add scalars", err, errlen) < 0 ||
        dbx_prepare(m->db, sql_series, &m->add_series, "prepare add series", err, errlen) < 0 ||
        dbx_prepare(m->db,
                    "INSERT INTO main.histogram (run, name, lower, upper, count, unit) SELECT ?2, name, lower,"
                    " upper, count, unit FROM src.histogram WHERE run = ?1",
                    &m->add_hist, "prepare add histograms", err, errlen) < 0 ||
        dbx_prepare(m->db, "UPDATE main.sweep SET last_run = (SELECT max(id) FROM main.run WHERE sweep = ?1) WHERE id = ?1",
                    &m->last, "prepare update sweep", err, errlen) < 0)
        goto out;
    rc = 0;
out:
    sqlite3_free(sql_same);
    sqlite3_free(sql_scalars);
    sqlite3_free(sql_series);
    return rc;
}

/* Run a two-id statement (source id ?1, this database's id ?2). */
static int step2(merger_t *m, sqlite3_stmt *st, int64_t a, int64_t b, const char *what, char *err, size_t errlen)
{
    int bad = dbx_int(st, 1, a) != SQLITE_OK;
    bad |= dbx_int(st, 2, b) != SQLITE_OK;
    return dbx_step(m->db, st, bad, what, err, errlen);
}

/* This database's sweep for the source's sweep `src_id`, added if new. */
static int64_t match_sweep(merger_t *m, int64_t src_id, const char *experiment, const char *hash, int *added,
                           rec_merge_stats_t *stats, char *err, size_t errlen)
{
    int64_t id = 0;
    dbx_text(m->find, 1, experiment, DBX_TEXT_MAX);
    dbx_text(m->find, 2, hash, DBX_TEXT_MAX);
    if (sqlite3_step(m->find) == SQLITE_ROW)
        id = sqlite3_column_int64(m->find, 0);
    sqlite3_reset(m->find);
    *added = id == 0;
    if (id == 0) {
        dbx_int(m->add_sweep, 1, src_id);
        if (dbx_step(m->db, m->add_sweep, 0, "add a sweep", err, errlen) < 0)
            return -1;
        id = sqlite3_last_insert_rowid(m->db);
        if (step2(m, m->add_params, src_id, id, "add parameters", err, errlen) < 0)
            return -1;
        stats->sweeps_added++;
    }
    if (step2(m, m->add_diffs, src_id, id, "add point parameters", err, errlen) < 0 ||
        step2(m, m->add_vars, src_id, id, "add variables", err, errlen) < 0)
        return -1;
    return id;
}

/* One source run: compared with its twin here, or added with its rows. */
static int merge_run(merger_t *m, int64_t sweep, int64_t src_run, const char *experiment, rec_merge_stats_t *stats,
                     char *err, size_t errlen)
{
    int has_number = sqlite3_column_type(m->runs, 1) != SQLITE_NULL;
    int64_t number = sqlite3_column_int64(m->runs, 1), events = sqlite3_column_int64(m->runs, 3);
    const char *status = (const char *)sqlite3_column_text(m->runs, 2);
    if (has_number) {
        int64_t twin = 0, tevents = 0;
        char tstatus[16] = "";
        dbx_int(m->twin, 1, sweep);
        dbx_int(m->twin, 2, number);
        if (sqlite3_step(m->twin) == SQLITE_ROW) {
            twin = sqlite3_column_int64(m->twin, 0);
            snprintf(tstatus, sizeof tstatus, "%s", (const char *)sqlite3_column_text(m->twin, 1));
            tevents = sqlite3_column_int64(m->twin, 2);
        }
        sqlite3_reset(m->twin);
        if (twin) {
            int same = 0;
            dbx_int(m->same, 1, src_run);
            dbx_int(m->same, 2, twin);
            if (sqlite3_step(m->same) == SQLITE_ROW)
                same = sqlite3_column_int(m->same, 0);
            sqlite3_reset(m->same);
            if (!same || tevents != events || strcmp(tstatus, status ? status : "") != 0) {
                snprintf(err, errlen, "run %lld of experiment '%s' is in both databases with different results "
                                      "(the same experiment text and inputs: were they made by different "
                                      "retrysim versions?)",
                         (long long)number, experiment);
                return -1;
            }
            stats->runs_same++;
            return 0;
        }
    }
    if (step2(m, m->add_run, src_run, sweep, "add a run", err, errlen) < 0)
        return -1;
    int64_t id = sqlite3_last_insert_rowid(m->db);
    if (step2(m, m->add_scalars, src_run, id, "add scalars", err, errlen) < 0 ||
        step2(m, m->add_series, src_run, id, "add series", err, errlen) < 0 ||
        step2(m, m->add_hist, src_run, id, "add histograms", err, errlen) < 0)
        return -1;
    stats->runs_added++;
    return 0;
}

static int merge_all(merger_t *m, int64_t **touched, int *ntouched, rec_merge_stats_t *stats, char *err, size_t errlen)
{
    int rc;
    while ((rc = sqlite3_step(m->sweeps)) == SQLITE_ROW) {
        int64_t src_id = sqlite3_column_int64(m->sweeps, 0);
        char experiment[256], hash[64];
        int added;
        snprintf(experiment, sizeof experiment, "%s", (const char *)sqlite3_column_text(m->sweeps, 1));
        snprintf(hash, sizeof hash, "%s", (const char *)sqlite3_column_text(m->sweeps, 2));
        int64_t id = match_sweep(m, src_id, experiment, hash, &added, stats, err, errlen);
        if (id < 0)
            return -1;
        int before = stats->runs_added, step;
        dbx_int(m->runs, 1, src_id);
        while ((step = sqlite3_step(m->runs)) == SQLITE_ROW)
            if (merge_run(m, id, sqlite3_column_int64(m->runs, 0), experiment, stats, err, errlen) < 0) {
                sqlite3_reset(m->runs);
                return -1;
            }
        sqlite3_reset(m->runs);
        if (step != SQLITE_DONE) {
            dbx_error(err, errlen, m->db, "read the source's runs");
            return -1;
        }
        dbx_int(m->last, 1, id);
        if (dbx_step(m->db, m->last, 0, "update the sweep", err, errlen) < 0)
            return -1;
        if (stats->runs_added > before || added) {
            int64_t *t = realloc(*touched, (size_t)(*ntouched + 1) * sizeof *t);
            if (!t) {
                dbx_plain(err, errlen, "out of memory");
                return -1;
            }
            *touched = t;
            (*touched)[(*ntouched)++] = id;
        }
    }
    if (rc != SQLITE_DONE) {
        dbx_error(err, errlen, m->db, "read the source's sweeps");
        return -1;
    }
    return dbx_exec(m->db, "INSERT OR IGNORE INTO main.stream_seed SELECT * FROM src.stream_seed", "add stream seeds",
                    err, errlen);
}

int rec_merge(rec_t *r, const char *src_path, rec_merge_stats_t *stats, int64_t **touched, int *ntouched, char *err,
              size_t errlen)
{
    merger_t m;
    memset(&m, 0, sizeof m);
    memset(stats, 0, sizeof *stats);
    m.db = rec_sqlite(r);
    int rc = -1, attached = 0;
    char why[768];
    if (rec_commit(r, err, errlen) < 0)
        return -1;
    sqlite3_stmt *st = NULL;
    if (dbx_prepare(m.db, "ATTACH ?1 AS src", &st, "prepare attach", why, sizeof why) < 0)
        goto out;
    dbx_text(st, 1, src_path, DBX_TEXT_MAX);
    rc = dbx_step(m.db, st, 0, "open it", why, sizeof why);
    sqlite3_finalize(st);
    if (rc < 0)
        goto out;
    rc = -1;
    attached = 1;
    int64_t version = dbx_query_int(m.db, "PRAGMA src.user_version", -1);
    if (version != 2 || dbx_query_int(m.db, "SELECT count(*) FROM src.sqlite_master WHERE name = 'sweep'", 0) != 1) {
        snprintf(why, sizeof why, "not a database of this retrysim (schema %lld; this one reads schema 2)",
                 (long long)version);
        goto out;
    }
    if (dbx_exec(m.db, "BEGIN IMMEDIATE", "begin", why, sizeof why) < 0)
        goto out;
    if (merger_prepare(&m, why, sizeof why) < 0 || merge_all(&m, touched, ntouched, stats, why, sizeof why) < 0) {
        merger_free(&m);
        sqlite3_exec(m.db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    merger_free(&m);
    if (dbx_exec(m.db, "COMMIT", "commit", why, sizeof why) < 0) {
        sqlite3_exec(m.db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    rc = 0;
out:
    merger_free(&m);
    if (attached)
        sqlite3_exec(m.db, "DETACH src", NULL, NULL, NULL);
    if (rc < 0)
        snprintf(err, errlen, "%s: %s", src_path, why);
    return rc;
}
