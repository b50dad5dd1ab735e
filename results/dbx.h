/*
 * dbx: small SQLite helpers shared by the results modules (rec.c, merge.c).
 * Every function that can fail fills err with "<what>: <SQLite's message>"
 * and returns -1; dbx_fail_path prefixes the database path once, at a
 * module's API boundary.
 */
#ifndef RETRYSIM_DBX_H
#define RETRYSIM_DBX_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define DBX_TEXT_MAX ((size_t)1 << 30) /* bound for NUL-terminated strings */

void dbx_error(char *err, size_t errlen, sqlite3 *db, const char *what);
void dbx_plain(char *err, size_t errlen, const char *what);
/* "results database 'PATH': <err>"; returns -1. */
int dbx_fail_path(const char *path, char *err, size_t errlen);

int dbx_exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen);
int dbx_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *what, char *err, size_t errlen);
/* Run a bound statement to completion and reset it; bad is nonzero when a
 * value could not be bound (nothing is run then). */
int dbx_step(sqlite3 *db, sqlite3_stmt *st, int bad, const char *what, char *err, size_t errlen);

/* Bind: NULL text and NaN doubles become SQL NULL; text is bound
 * SQLITE_STATIC (it must outlive the step), at most max bytes of it. */
int dbx_text(sqlite3_stmt *st, int i, const char *s, size_t max);
int dbx_real(sqlite3_stmt *st, int i, double v);
int dbx_int(sqlite3_stmt *st, int i, int64_t v);
/* A uint64 (a seed) bit for bit as SQLite's signed INTEGER. */
sqlite3_int64 dbx_u64(uint64_t u);

/* The first column of the first row of sql, or dflt (no row, NULL, error). */
int64_t dbx_query_int(sqlite3 *db, const char *sql, int64_t dflt);
/* Finish a sqlite3_str into *out (sqlite3_free it), or fail. */
int dbx_str_finish(sqlite3_str *s, char **out, char *err, size_t errlen);

#endif
