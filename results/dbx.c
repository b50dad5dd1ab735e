/*
 * dbx: the small SQLite helpers the results modules share (rec.c, merge.c):
 * messages that say what failed, statements run to completion, values bound
 * with NULL for NaN and for missing text.
 */
#include "dbx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void dbx_error(char *err, size_t errlen, sqlite3 *db, const char *what)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

void dbx_plain(char *err, size_t errlen, const char *what)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", what);
}

/* Prefix a message with the database path, once, at the API boundary. */
int dbx_fail_path(const char *path, char *err, size_t errlen)
{
    if (err && errlen > 0) {
        char why[768];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "results database '%s': %s", path, why);
    }
    return -1;
}

int dbx_exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        dbx_error(err, errlen, db, what);
        return -1;
    }
    return 0;
}

int dbx_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *what, char *err, size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        dbx_error(err, errlen, db, what);
        return -1;
    }
    return 0;
}

/* Run a bound statement to completion and reset it; bad is nonzero when a
 * value could not be bound (the row is then not written). */
int dbx_step(sqlite3 *db, sqlite3_stmt *st, int bad, const char *what, char *err, size_t errlen)
{
    int rc = bad ? SQLITE_ERROR : sqlite3_step(st);
    if (rc != SQLITE_DONE) {
        if (bad && err && errlen > 0)
            snprintf(err, errlen, "%s: cannot bind a value: %s", what, sqlite3_errmsg(db));
        else
            dbx_error(err, errlen, db, what);
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

/* Bind helpers: NULL text, and NaN doubles, become SQL NULL. Text is bound
 * SQLITE_STATIC (it outlives the step); the length bound keeps fixed-size
 * char arrays safe even if unterminated. */
int dbx_text(sqlite3_stmt *st, int i, const char *s, size_t max)
{
    if (!s)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, (int)strnlen(s, max), SQLITE_STATIC);
}

int dbx_real(sqlite3_stmt *st, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(st, i) : sqlite3_bind_double(st, i, v);
}

int dbx_int(sqlite3_stmt *st, int i, int64_t v) { return sqlite3_bind_int64(st, i, (sqlite3_int64)v); }

/* uint64 seeds are stored bit for bit as SQLite's signed INTEGER. */
sqlite3_int64 dbx_u64(uint64_t u)
{
    sqlite3_int64 v;
    memcpy(&v, &u, sizeof v);
    return v;
}

int64_t dbx_query_int(sqlite3 *db, const char *sql, int64_t dflt)
{
    sqlite3_stmt *st = NULL;
    int64_t v = dflt;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Finish a sqlite3_str into *out (sqlite3_free it), or fail. */
int dbx_str_finish(sqlite3_str *s, char **out, char *err, size_t errlen)
{
    int code = sqlite3_str_errcode(s);
    *out = sqlite3_str_finish(s);
    if (code != SQLITE_OK || !*out) {
        sqlite3_free(*out);
        *out = NULL;
        dbx_plain(err, errlen, "out of memory building a statement");
        return -1;
    }
    return 0;
}

