/*
 * inspect: reading a results database without the sqlite3 shell.
 *   retrysim summary DB [--experiment NAME] [--scalars a,b,...]
 *       each experiment's points (their variables) with mean ± 95% CI (n)
 *       of the chosen scalars, from the summary table;
 *   retrysim export DB --csv|--json [--table NAME] [--experiment NAME]
 *       a table or view as CSV or JSON, for notebooks and spreadsheets;
 *   retrysim compare DB_A DB_B [--experiment NAME] [--scalars ...]
 *       the same experiment in two databases (two versions, two settings),
 *       point by point (matched by their variables), each scalar side by
 *       side with its interval, differences beyond the intervals flagged.
 * The database is opened read-only and never changed.
 */
#include "inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "exec.h"
#include "metrics.h"
#include "opts.h"

#define MAX_COLS 32

/* The scalars shown when none are named: what a retry storm is judged by. */
static const char *const default_scalars[] = {"amplification", "success_rate", "latency_p99_s", "peak_over_capacity",
                                              "recovery_time_s"};

typedef struct {
    const char *db, *db2, *experiment, *table, *format;
    const char *names[MAX_COLS]; /* scalars to show */
    int nnames;
    char *scalar_list;           /* owns the strings of names[] when given */
} inspect_opts_t;

static int open_ro(const char *path, sqlite3 **db)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(*db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "retrysim: %s: cannot read it as a database: %s\n", path, sqlite3_errmsg(*db));
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(*db, "SELECT 1 FROM summary, point_var, sweep LIMIT 1", -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    if (!ok) {
        fprintf(stderr, "retrysim: %s: not a results database of this retrysim\n", path);
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

static const char usage_summary[] =
    "usage: retrysim summary DB [--experiment NAME] [--scalars a,b,...]\n"
    "\n"
    "Each point of each experiment in DB (its variables) with the mean, 95% confidence\n"
    "interval and number of replications of the chosen scalars (default: amplification,\n"
    "success_rate, latency_p99_s, peak_over_capacity, recovery_time_s; retrysim metrics\n"
    "lists them all). The database is only read.\n";
static const char usage_export[] =
    "usage: retrysim export DB --csv|--json [--table NAME] [--experiment NAME]\n"
    "\n"
    "A table or view of DB (default: summary) as CSV or JSON on stdout, for notebooks and\n"
    "spreadsheets; --experiment keeps one experiment's rows. The database is only read.\n";
static const char usage_compare[] =
    "usage: retrysim compare DB_A DB_B [--experiment NAME] [--scalars a,b,...]\n"
    "\n"
    "The same experiment in two databases, point by point (matched by their variables): each\n"
    "scalar's mean ± 95% CI side by side, a * where the intervals do not overlap.\n";

/* The options of summary ('s'), export ('e') or compare ('c'): each
 * command takes only its own. Returns 0, 1 after --help, or EXEC_BAD_INPUT. */
static int parse(int argc, char **argv, int which, inspect_opts_t *o)
{
    static const struct option summary_longs[] = {{"experiment", required_argument, NULL, 'x'},
                                                  {"scalars", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    static const struct option export_longs[] = {{"experiment", required_argument, NULL, 'x'},
                                                 {"table", required_argument, NULL, 't'},
                                                 {"csv", no_argument, NULL, 'C'},
                                                 {"json", no_argument, NULL, 'J'}, {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {which == 'e' ? "export" : which == 'c' ? "compare" : "summary",
                     which == 'e' ? usage_export : which == 'c' ? usage_compare : usage_summary, "",
                     which == 'e' ? export_longs : summary_longs, which == 'c' ? 2 : 1, which == 'c' ? 2 : 1, 0};
    const char *arg;
    int code, n;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0) {
        if (code == 'x')
            o->experiment = arg;
        else if (code == 't')
            o->table = arg;
        else if (code == 'C' || code == 'J') {
            if (o->format && strcmp(o->format, code == 'C' ? "csv" : "json")) {
                opts_bad_value(&oc, "--csv and --json", "choose one");
                return EXEC_BAD_INPUT;
            }
            o->format = code == 'C' ? "csv" : "json";
        } else if (code == 's') {
            free(o->scalar_list);
            o->scalar_list = strdup(arg);
            o->nnames = 0;
            for (char *tok = strtok(o->scalar_list, ","); tok; tok = strtok(NULL, ",")) {
                if (metrics_scalar_find(tok) < 0) {
                    fprintf(stderr, "retrysim %s: --scalars: no scalar '%s' (retrysim metrics lists them)\n", oc.name,
                            tok);
                    return EXEC_BAD_INPUT;
                }
                if (o->nnames == MAX_COLS) {
                    fprintf(stderr, "retrysim %s: --scalars: at most %d at a time\n", oc.name, MAX_COLS);
                    return EXEC_BAD_INPUT;
                }
                o->names[o->nnames++] = tok;
            }
        }
    }
    if (code == OPTS_HELP)
        return 1;
    char **pos = code == OPTS_END ? opts_args(&oc, argc, argv, &n) : NULL;
    if (!pos)
        return EXEC_BAD_INPUT;
    o->db = pos[0];
    o->db2 = n > 1 ? pos[1] : NULL;
    if (o->nnames == 0)
        for (size_t k = 0; k < sizeof default_scalars / sizeof default_scalars[0]; k++)
            o->names[o->nnames++] = default_scalars[k];
    return 0;
}

/* The experiments the summary holds (or just the one asked for). */
static int experiments(sqlite3 *db, const char *only, char ***out)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT experiment FROM summary WHERE ?1 IS NULL OR experiment = ?1 ORDER BY 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, only, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char **g = realloc(*out, (size_t)(n + 1) * sizeof *g);
        if (!g)
            break;
        *out = g;
        (*out)[n++] = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return n;
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* A point's label: its variables as "a=1 b=2" (or "point N" if none). */
static void point_label(sqlite3 *db, const char *exp, int point, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    size_t at = 0;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(db, "SELECT name, value FROM point_var WHERE experiment = ?1 AND point = ?2", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, point);
        while (sqlite3_step(st) == SQLITE_ROW && at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s=%s", at ? " " : "", sqlite3_column_text(st, 0),
                                   sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    if (!buf[0])
        snprintf(buf, len, "point %d", point);
}

/* mean ± ci95 (n) of scalar `name` at the point; n = -1 if absent. */
static int summary_of(sqlite3 *db, const char *exp, int point, const char *name, double *mean, double *ci)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    *mean = *ci = NAN;
    if (sqlite3_prepare_v2(db, "SELECT n, mean, ci95 FROM summary WHERE experiment = ?1 AND point = ?2 AND name = ?3", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, point);
        sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int(st, 0);
            if (sqlite3_column_type(st, 1) != SQLITE_NULL)
                *mean = sqlite3_column_double(st, 1);
            if (sqlite3_column_type(st, 2) != SQLITE_NULL)
                *ci = sqlite3_column_double(st, 2);
        }
    }
    sqlite3_finalize(st);
    return n;
}

/* Print s padded to `width` columns (UTF-8: a multi-byte character such as
 * ± is one column). */
static void print_padded(const char *s, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cols += (*p & 0xC0) != 0x80;
    fputs(s, stdout);
    for (; cols < width; cols++)
        putchar(' ');
}

static void format_value(char *buf, size_t len, int n, double mean, double ci)
{
    if (n < 0)
        snprintf(buf, len, "-");
    else if (isnan(mean))
        snprintf(buf, len, "undefined (n=%d)", n);
    else if (isnan(ci))
        snprintf(buf, len, "%.4g (n=%d)", mean, n);
    else
        snprintf(buf, len, "%.4g ± %.2g (n=%d)", mean, ci, n);
}

/* The points of an experiment's summary, ascending. */
static int points_of(sqlite3 *db, const char *exp, int **out)
{
    sqlite3_stmt *st = NULL;
    int n = 0;
    *out = NULL;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT point FROM summary WHERE experiment = ?1 ORDER BY 1", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int *g = realloc(*out, (size_t)(n + 1) * sizeof *g);
        if (!g)
            break;
        *out = g;
        (*out)[n++] = sqlite3_column_int(st, 0);
    }
    sqlite3_finalize(st);
    return n;
}

int inspect_summary(int argc, char **argv)
{
    inspect_opts_t o;
    memset(&o, 0, sizeof o);
    sqlite3 *db = NULL;
    int rc = parse(argc, argv, 's', &o);
    if (rc || open_ro(o.db, &db) < 0) {
        free(o.scalar_list);
        return rc == 1 ? 0 : rc ? rc : EXEC_BAD_INPUT;
    }
    char **exps;
    int ne = experiments(db, o.experiment, &exps);
    if (ne == 0) {
        fprintf(stderr, "retrysim summary: %s: no summary%s%s\n", o.db, o.experiment ? " for experiment " : "",
                o.experiment ? o.experiment : "");
        rc = EXEC_BAD_INPUT;
    }
    for (int e = 0; e < ne; e++) {
        int *pts, np = points_of(db, exps[e], &pts), lw = 5;
        char(*labels)[512] = calloc((size_t)(np > 0 ? np : 1), sizeof *labels);
        if (!labels) {
            free(pts);
            break;
        }
        for (int i = 0; i < np; i++) {
            point_label(db, exps[e], pts[i], labels[i], sizeof labels[i]);
            if ((int)strlen(labels[i]) > lw)
                lw = (int)strlen(labels[i]);
        }
        printf("%s%s: %d points; mean ± 95%% CI half-width (replications)\n", e ? "\n" : "", exps[e], np);
        printf("  ");
        print_padded("point", lw);
        for (int k = 0; k < o.nnames; k++) {
            printf("  ");
            print_padded(o.names[k], 24);
        }
        printf("\n");
        for (int i = 0; i < np; i++) {
            char cell[64];
            printf("  ");
            print_padded(labels[i], lw);
            for (int k = 0; k < o.nnames; k++) {
                double m, c;
                int n = summary_of(db, exps[e], pts[i], o.names[k], &m, &c);
                format_value(cell, sizeof cell, n, m, c);
                printf("  ");
                print_padded(cell, 24);
            }
            printf("\n");
        }
        free(labels);
        free(pts);
    }
    free_list(exps, ne);
    sqlite3_close(db);
    free(o.scalar_list);
    return rc;
}

/* ---- export --------------------------------------------------------------- */

/* The tables and views that can be exported, and whether they have an
 * experiment column to filter on. */
static const struct {
    const char *name;
    int by_experiment;
} exportable[] = {{"summary", 1},   {"point_var", 1}, {"run", 1},      {"scalar", 0},    {"scalars", 0},
                  {"series", 0},    {"histogram", 0}, {"param", 0},    {"runvar", 0},    {"sweep", 1},
                  {"stream", 0},    {"metric", 0},    {"run_param", 1}, {"current_run", 1}};

static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

int inspect_export(int argc, char **argv)
{
    inspect_opts_t o;
    memset(&o, 0, sizeof o);
    sqlite3 *db = NULL;
    int rc = parse(argc, argv, 'e', &o), by_exp = -1;
    free(o.scalar_list);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (!o.format) {
        fprintf(stderr, "retrysim export: say --csv or --json\n");
        return EXEC_BAD_INPUT;
    }
    const char *table = o.table ? o.table : "summary";
    for (size_t k = 0; k < sizeof exportable / sizeof exportable[0]; k++)
        if (!strcmp(exportable[k].name, table))
            by_exp = exportable[k].by_experiment;
    if (by_exp < 0) {
        fprintf(stderr, "retrysim export: --table %s: not one of summary, point_var, run, scalar, scalars, series, "
                        "histogram, param, runvar, sweep, stream, metric, run_param, current_run\n",
                table);
        return EXEC_BAD_INPUT;
    }
    if (o.experiment && !by_exp) {
        fprintf(stderr, "retrysim export: --table %s has no experiment column; export run and join on run.id\n", table);
        return EXEC_BAD_INPUT;
    }
    if (open_ro(o.db, &db) < 0)
        return EXEC_BAD_INPUT;
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"%s", table, o.experiment ? " WHERE experiment = ?1" : "");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "retrysim export: %s: %s\n", o.db, sqlite3_errmsg(db));
        sqlite3_close(db);
        return EXEC_RUN_FAILED;
    }
    if (o.experiment)
        sqlite3_bind_text(st, 1, o.experiment, -1, SQLITE_STATIC);
    int json = !strcmp(o.format, "json"), ncol = sqlite3_column_count(st), rows = 0;
    if (json)
        printf("[");
    else
        for (int c = 0; c < ncol; c++) {
            if (c)
                putchar(',');
            csv_field(sqlite3_column_name(st, c));
        }
    if (!json)
        putchar('\n');
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (json)
            printf("%s\n {", rows ? "," : "");
        for (int c = 0; c < ncol; c++) {
            int type = sqlite3_column_type(st, c);
            const char *text = (const char *)sqlite3_column_text(st, c);
            if (json) {
                printf("%s", c ? ", " : "");
                json_string(sqlite3_column_name(st, c));
                printf(": ");
                if (type == SQLITE_NULL)
                    printf("null");
                else if (type == SQLITE_INTEGER)
                    printf("%lld", (long long)sqlite3_column_int64(st, c));
                else if (type == SQLITE_FLOAT)
                    printf("%.17g", sqlite3_column_double(st, c));
                else
                    json_string(text ? text : "");
            } else {
                if (c)
                    putchar(',');
                if (type == SQLITE_FLOAT)
                    printf("%.17g", sqlite3_column_double(st, c));
                else if (type != SQLITE_NULL)
                    csv_field(text ? text : "");
            }
        }
        printf(json ? "}" : "\n");
        rows++;
    }
    if (json)
        printf("%s]\n", rows ? "\n" : "");
    if (step != SQLITE_DONE) {
        fprintf(stderr, "retrysim export: %s: %s\n", o.db, sqlite3_errmsg(db));
        rc = EXEC_RUN_FAILED;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

/* ---- compare -------------------------------------------------------------- */

/* The point of `exp` in db whose variables are exactly `label`'s, or -1. */
static int matching_point(sqlite3 *db, const char *exp, const char *label)
{
    int *pts, np = points_of(db, exp, &pts), found = -1;
    for (int i = 0; i < np && found < 0; i++) {
        char other[512];
        point_label(db, exp, pts[i], other, sizeof other);
        if (!strcmp(other, label))
            found = pts[i];
    }
    free(pts);
    return found;
}

int inspect_compare(int argc, char **argv)
{
    inspect_opts_t o;
    memset(&o, 0, sizeof o);
    sqlite3 *a = NULL, *b = NULL;
    int rc = parse(argc, argv, 'c', &o), differ = 0, compared = 0;
    if (rc || open_ro(o.db, &a) < 0 || open_ro(o.db2, &b) < 0) {
        sqlite3_close(a);
        free(o.scalar_list);
        return rc == 1 ? 0 : rc ? rc : EXEC_BAD_INPUT;
    }
    char **exps;
    int ne = experiments(a, o.experiment, &exps);
    for (int e = 0; e < ne; e++) {
        int *pts, np = points_of(a, exps[e], &pts), shown = 0;
        for (int i = 0; i < np; i++) {
            char label[512];
            point_label(a, exps[e], pts[i], label, sizeof label);
            int q = matching_point(b, exps[e], label);
            if (q < 0)
                continue;
            if (!shown++)
                printf("%s%s: A = %s, B = %s; mean ± 95%% CI; '*' = the intervals do not overlap\n", compared ? "\n" : "",
                       exps[e], o.db, o.db2);
            printf("  %s\n", label);
            for (int k = 0; k < o.nnames; k++) {
                double ma, ca, mb, cb;
                char sa[64], sb[64];
                int na = summary_of(a, exps[e], pts[i], o.names[k], &ma, &ca);
                int nb = summary_of(b, exps[e], q, o.names[k], &mb, &cb);
                format_value(sa, sizeof sa, na, ma, ca);
                format_value(sb, sizeof sb, nb, mb, cb);
                /* beyond the intervals: they do not overlap (a missing CI
                 * counts as zero width) */
                int flag = !isnan(ma) && !isnan(mb) &&
                           fabs(ma - mb) > (isnan(ca) ? 0 : ca) + (isnan(cb) ? 0 : cb) + 1e-12 * fabs(ma);
                differ += flag;
                printf("    %s %-24s A ", flag ? "*" : " ", o.names[k]);
                print_padded(sa, 26);
                printf(" B %s\n", sb);
            }
            compared++;
        }
        free(pts);
    }
    if (compared == 0) {
        fprintf(stderr, "retrysim compare: no point of %s has a twin in %s (same experiment, same variables)\n", o.db,
                o.db2);
        rc = EXEC_BAD_INPUT;
    } else {
        printf("\n%d points compared, %d differences beyond the intervals\n", compared, differ);
    }
    free_list(exps, ne);
    sqlite3_close(a);
    sqlite3_close(b);
    free(o.scalar_list);
    return rc;
}
