/*
 * report: `retrysim report DB -o DIR`: one static HTML page per experiment
 * of a results database, readable offline: its charts (SVG, rendered by the
 * experiment's plots/NAME.gp through tools/plot.sh, so run it from the
 * repository), the experiment file as run, the summary table of the main
 * scalars (mean ± 95% CI and replications per point), and the answers of a
 * search; and an index page. Nothing is fetched from the network.
 */
#include "report.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sqlite3.h>

#include "exec.h"
#include "opts.h"

static const char *const shown[] = {"amplification", "success_rate", "latency_p99_s", "peak_over_capacity",
                                    "recovery_time_s"};
#define NSHOWN ((int)(sizeof shown / sizeof shown[0]))

static void html(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
}

/* Render plots/EXP.gp into dir (PNG and SVG) with tools/plot.sh; the paths
 * reach the shell only through the environment. 0 if it rendered. */
static int render(const char *db, const char *exp, const char *dir)
{
    char script[300];
    struct stat sb;
    snprintf(script, sizeof script, "plots/%s.gp", exp);
    if (stat(script, &sb) != 0 || stat("tools/plot.sh", &sb) != 0)
        return -1;
    setenv("RETRYSIM_REPORT_DB", db, 1);
    setenv("RETRYSIM_REPORT_EXP", exp, 1);
    setenv("RETRYSIM_REPORT_DIR", dir, 1);
    int st = system("sh tools/plot.sh \"$RETRYSIM_REPORT_DB\" \"$RETRYSIM_REPORT_EXP\" \"$RETRYSIM_REPORT_DIR\" "
                    ">/dev/null 2>&1");
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The charts of exp in dir: EXP.svg and EXP-*.svg, sorted. */
static int charts(const char *dir, const char *exp, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    size_t len = strlen(exp);
    *out = NULL;
    while (d && (e = readdir(d))) {
        const char *nm = e->d_name;
        size_t l = strlen(nm);
        if (l < 4 || strcmp(nm + l - 4, ".svg") || strncmp(nm, exp, len) || (nm[len] != '.' && nm[len] != '-'))
            continue;
        char **g = realloc(*out, (size_t)(n + 1) * sizeof *g);
        if (!g)
            break;
        *out = g;
        (*out)[n++] = strdup(nm);
    }
    if (d)
        closedir(d);
    if (n > 1)
        qsort(*out, (size_t)n, sizeof **out, cmp_str);
    return n;
}

static void page_head(FILE *f, const char *title)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>");
    html(f, title);
    fprintf(f, "</title>\n<style>\n"
               "body{font-family:sans-serif;margin:2em auto;max-width:1250px;color:#222}\n"
               "table{border-collapse:collapse;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px;"
               "text-align:right}th{background:#f4f4f4}td.l{text-align:left}\n"
               "img{max-width:100%%;border:1px solid #ddd;margin:0.5em 0}\n"
               "pre{background:#f8f8f8;padding:0.6em;overflow-x:auto;font-size:0.8em}\n"
               "</style></head><body>\n");
}

/* The summary table: one row per point, the main scalars. */
static void summary_table(FILE *f, sqlite3 *db, const char *exp)
{
    sqlite3_stmt *pts = NULL, *lab = NULL, *val = NULL;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT point FROM summary WHERE experiment = ?1 ORDER BY 1", -1, &pts, NULL) ||
        sqlite3_prepare_v2(db, "SELECT name || '=' || value FROM point_var WHERE experiment = ?1 AND point = ?2", -1,
                           &lab, NULL) ||
        sqlite3_prepare_v2(db, "SELECT n, mean, ci95 FROM summary WHERE experiment = ?1 AND point = ?2 AND name = ?3", -1,
                           &val, NULL))
        goto out;
    fprintf(f, "<h2>Summary</h2>\n<p>Mean &plusmn; 95%% Student-t half-width over the replications (n); "
               "every scalar of every point: <code>retrysim export DB --csv</code>.</p>\n<table><tr><th>point</th>");
    for (int k = 0; k < NSHOWN; k++)
        fprintf(f, "<th>%s</th>", shown[k]);
    fprintf(f, "</tr>\n");
    sqlite3_bind_text(pts, 1, exp, -1, SQLITE_STATIC);
    while (sqlite3_step(pts) == SQLITE_ROW) {
        int p = sqlite3_column_int(pts, 0);
        fprintf(f, "<tr><td class=\"l\">");
        sqlite3_bind_text(lab, 1, exp, -1, SQLITE_STATIC);
        sqlite3_bind_int(lab, 2, p);
        int first = 1;
        while (sqlite3_step(lab) == SQLITE_ROW) {
            fprintf(f, "%s", first ? "" : " ");
            html(f, (const char *)sqlite3_column_text(lab, 0));
            first = 0;
        }
        if (first)
            fprintf(f, "point %d", p);
        sqlite3_reset(lab);
        fprintf(f, "</td>");
        for (int k = 0; k < NSHOWN; k++) {
            sqlite3_bind_text(val, 1, exp, -1, SQLITE_STATIC);
            sqlite3_bind_int(val, 2, p);
            sqlite3_bind_text(val, 3, shown[k], -1, SQLITE_STATIC);
            if (sqlite3_step(val) != SQLITE_ROW)
                fprintf(f, "<td>-</td>");
            else if (sqlite3_column_type(val, 1) == SQLITE_NULL)
                fprintf(f, "<td>undefined (%d)</td>", sqlite3_column_int(val, 0));
            else if (sqlite3_column_type(val, 2) == SQLITE_NULL)
                fprintf(f, "<td>%.4g (%d)</td>", sqlite3_column_double(val, 1), sqlite3_column_int(val, 0));
            else
                fprintf(f, "<td>%.4g &plusmn; %.2g (%d)</td>", sqlite3_column_double(val, 1),
                        sqlite3_column_double(val, 2), sqlite3_column_int(val, 0));
            sqlite3_reset(val);
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
out:
    sqlite3_finalize(pts);
    sqlite3_finalize(lab);
    sqlite3_finalize(val);
}

/* The answers of a search of the experiment's current sweep, if any. */
static void search_table(FILE *f, sqlite3 *db, const char *exp)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.grp, (SELECT group_concat(v.name || '=' || v.value, ' ') FROM point_var v"
                           "  WHERE v.experiment = ?1 AND v.point = s.point AND v.name <> s.variable),"
                           " s.variable, s.status, s.boundary, s.other, s.runs FROM search s"
                           " WHERE s.sweep = (SELECT sweep FROM summary WHERE experiment = ?1 LIMIT 1) ORDER BY s.grp",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!rows++)
            fprintf(f, "<h2>Search</h2>\n<p>Per point of the other variables: the first value of the variable searched "
                       "that meets the goal, and its neighbour that does not (the boundary lies between).</p>\n"
                       "<table><tr><th>group</th><th>variable</th><th>answer</th><th>neighbour not passing</th>"
                       "<th>status</th><th>runs</th></tr>\n");
        fprintf(f, "<tr><td class=\"l\">");
        html(f, (const char *)sqlite3_column_text(st, 1));
        fprintf(f, "</td><td>");
        html(f, (const char *)sqlite3_column_text(st, 2));
        fprintf(f, "</td><td>");
        html(f, sqlite3_column_type(st, 4) == SQLITE_NULL ? "-" : (const char *)sqlite3_column_text(st, 4));
        fprintf(f, "</td><td>");
        html(f, sqlite3_column_type(st, 5) == SQLITE_NULL ? "-" : (const char *)sqlite3_column_text(st, 5));
        fprintf(f, "</td><td>");
        html(f, (const char *)sqlite3_column_text(st, 3));
        fprintf(f, "</td><td>%d</td></tr>\n", sqlite3_column_int(st, 6));
    }
    if (rows)
        fprintf(f, "</table>\n");
    sqlite3_finalize(st);
}

static int experiment_page(sqlite3 *db, const char *dbpath, const char *exp, const char *dir, int *nch)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.html", dir, exp);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    render(dbpath, exp, dir);
    page_head(f, exp);
    fprintf(f, "<p><a href=\"index.html\">all experiments</a></p>\n<h1>");
    html(f, exp);
    fprintf(f, "</h1>\n");
    char **svg;
    int n = charts(dir, exp, &svg);
    *nch = n;
    if (n == 0)
        fprintf(f, "<p>No chart (there is no plots/%s.gp, or it failed).</p>\n", exp);
    for (int i = 0; i < n; i++) {
        fprintf(f, "<p><img class=\"chart\" src=\"");
        html(f, svg[i]);
        fprintf(f, "\" alt=\"");
        html(f, svg[i]);
        fprintf(f, "\"></p>\n");
        free(svg[i]);
    }
    free(svg);
    summary_table(f, db, exp);
    search_table(f, db, exp);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT config_path, config_text, overrides, version, created FROM sweep WHERE id ="
                           " (SELECT sweep FROM summary WHERE experiment = ?1 LIMIT 1)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, exp, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            fprintf(f, "<h2>The experiment as run</h2>\n<p>");
            html(f, (const char *)sqlite3_column_text(st, 0));
            fprintf(f, ", retrysim ");
            html(f, (const char *)sqlite3_column_text(st, 3));
            fprintf(f, ", ");
            html(f, (const char *)sqlite3_column_text(st, 4));
            if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
                fprintf(f, "; overrides: <code>");
                html(f, (const char *)sqlite3_column_text(st, 2));
                fprintf(f, "</code>");
            }
            fprintf(f, "</p>\n<pre>");
            html(f, (const char *)sqlite3_column_text(st, 1));
            fprintf(f, "</pre>\n");
        }
    }
    sqlite3_finalize(st);
    /* Says on the page (data-charts on <body>) how many charts the browser
     * drew: a check for readers and tests alike. */
    fprintf(f, "<script>window.addEventListener('load', function () {\n"
               "  var im = document.querySelectorAll('img.chart'), ok = 0;\n"
               "  for (var i = 0; i < im.length; i++) if (im[i].complete && im[i].naturalWidth > 0) ok++;\n"
               "  document.body.setAttribute('data-charts', 'rendered ' + ok + ' of ' + im.length);\n"
               "});</script>\n</body></html>\n");
    return fclose(f) == 0 ? 0 : -1;
}

int report_cmd(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    opts_cmd_t oc = {"report",
                     "usage: retrysim report DB -o DIR\n\nWrites DIR/index.html and one page per experiment of DB: "
                     "its charts (SVG, from plots/NAME.gp: run it from the repository), summary, search answers "
                     "and the experiment file.\n",
                     "o:", longs, 1, 1, 0};
    const char *dbpath = NULL, *dir = NULL, *arg;
    int code, n;
    while ((code = opts_next(&oc, argc, argv, &arg)) >= 0)
        dir = arg;
    if (code == OPTS_HELP)
        return 0;
    char **pos = code == OPTS_END ? opts_args(&oc, argc, argv, &n) : NULL;
    if (!pos)
        return EXEC_BAD_INPUT;
    dbpath = pos[0];
    if (!dir) {
        fprintf(stderr, "retrysim report: say where with -o DIR (see retrysim report --help)\n");
        return EXEC_BAD_INPUT;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT DISTINCT experiment FROM summary ORDER BY 1", -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "retrysim report: %s: not a results database of this retrysim\n", dbpath);
        sqlite3_close(db);
        return EXEC_BAD_INPUT;
    }
    mkdir(dir, 0755);
    char index[1024];
    snprintf(index, sizeof index, "%s/index.html", dir);
    FILE *f = fopen(index, "w");
    if (!f) {
        fprintf(stderr, "retrysim report: cannot write %s\n", index);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return EXEC_BAD_INPUT;
    }
    page_head(f, "retrysim report");
    fprintf(f, "<h1>retrysim report</h1>\n<p>");
    html(f, dbpath);
    fprintf(f, "</p>\n<ul>\n");
    int rc = 0, pages = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *exp = (const char *)sqlite3_column_text(st, 0);
        int nch = 0;
        if (experiment_page(db, dbpath, exp, dir, &nch) < 0) {
            fprintf(stderr, "retrysim report: cannot write the page of %s\n", exp);
            rc = EXEC_RUN_FAILED;
            continue;
        }
        fprintf(f, "<li><a href=\"");
        html(f, exp);
        fprintf(f, ".html\">");
        html(f, exp);
        fprintf(f, "</a> (%d chart%s)</li>\n", nch, nch == 1 ? "" : "s");
        pages++;
    }
    fprintf(f, "</ul>\n</body></html>\n");
    fclose(f);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc == 0)
        printf("%s: %d experiment page%s and index.html\n", dir, pages, pages == 1 ? "" : "s");
    return rc;
}
