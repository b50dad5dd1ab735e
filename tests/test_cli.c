/*
 * The command line on bad input: every class of configuration error exits
 * with status 2, names the file, line and key, and leaves the results
 * database untouched (not even created). Sweeps: failures, resume, and a
 * sweep killed (SIGKILL, SIGINT, SIGTERM) mid-way leaves a sound database
 * whose resumed result equals an uninterrupted sweep's. Runs ./retrysim
 * from the repository root (make test runs tests from there), or $RETRYSIM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static char db[128], ini[128], errf[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/retrysim-cli-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db, sizeof db, "%s/r.db", dir);
    snprintf(ini, sizeof ini, "%s/bad.ini", dir);
    snprintf(errf, sizeof errf, "%s/err.txt", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Run retrysim with args; return its exit status and the stderr text. */
static int run(const char *args, char *err, size_t errlen)
{
    char cmd[1024];
    const char *bin = getenv("RETRYSIM"); /* make test SANITIZE=1 points at the sanitized build */
    snprintf(cmd, sizeof cmd, "%s %s 2>%s >/dev/null", bin ? bin : "./retrysim", args, errf);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    size_t n = fread(err, 1, errlen - 1, f);
    err[n] = 0;
    fclose(f);
    return WEXITSTATUS(st);
}

static int run_out(const char *args, char *out, size_t len);

static void expect_bad(const char *text, const char *extra, const char *want1, const char *want2)
{
    char args[512], err[2048];
    write_file(ini, text);
    snprintf(args, sizeof args, "run %s --db %s %s", ini, db, extra ? extra : "");
    int rc = run(args, err, sizeof err);
    if (rc != 2)
        fail_msg("exit %d (want 2) for:\n%s\nstderr: %s", rc, text, err);
    if (want1 && !strstr(err, want1))
        fail_msg("message lacks '%s': %s", want1, err);
    if (want2 && !strstr(err, want2))
        fail_msg("message lacks '%s': %s", want2, err);
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1); /* nothing written, not even created */
}

static void test_bad_config_classes(void **state)
{
    (void)state;
    expect_bad("[run]\nduration = 10s\n[retyr]\nmax_attempts = 3\n", NULL, "bad.ini:3", "retyr");
    expect_bad("[retry]\nmax_atempts = 3\n", NULL, "bad.ini:2", "max_atempts");
    expect_bad("[retry]\nmax_attempts = three\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[retry]\nmax_attempts = 10x\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[retry]\nbase = 100 parsecs\n", NULL, "bad.ini:2", "base");
    expect_bad("[retry]\nbase = -5ms\n", NULL, "bad.ini:2", "base");
    expect_bad("[retry]\njitter = fuzzy\n", NULL, "bad.ini:2", "jitter");
    expect_bad("[server]\nservice = gamma(3ms)\n", NULL, "bad.ini:2", "service");
    expect_bad("[retry]\nmax_attempts = 0\n", NULL, "bad.ini:2", "max_attempts");
    expect_bad("[run]\n\n[retry]\nbackoff = exponential\nmultiplier = 0.5\n", NULL, "bad.ini:5", "multiplier");
    expect_bad("[retry]\nbase = 1s\nbase = 2s\n", NULL, "bad.ini:3", "base");
    expect_bad("[retry\nbase = 1s\n", NULL, "bad.ini:1", NULL);
    expect_bad("[retry]\nbase = 1s\n", "--set retry.jitter=sometimes", "--set", "jitter");
    expect_bad("[retry]\nbase = 1s\n", "--set nonsense", "--set", NULL);
    expect_bad("[arrivals]\nkind = trace\ntrace = /nonexistent/trace.txt\n", NULL, "/nonexistent/trace.txt", NULL);
}

static void test_bad_command_line(void **state)
{
    (void)state;
    char err[2048], args[512];
    write_file(ini, "[run]\nduration = 1s\n");
    snprintf(args, sizeof args, "run %s/missing.ini --db %s", dir, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing.ini"));
    snprintf(args, sizeof args, "run %s --db %s/no/such/dir/r.db", ini, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "does not exist"));
    snprintf(args, sizeof args, "run %s --frobnicate", ini);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_int_equal(run("bogus", err, sizeof err), 2);
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1);
}

/* Every command answers --help (exit 0, its usage on stdout) and refuses
 * an option it does not take (exit 2, naming the option), including ones
 * another command takes; options may follow the file; -r and --shard
 * narrow --list. */
static void test_command_options(void **state)
{
    (void)state;
    static const char *const cmds[] = {"run", "sweep", "search", "merge", "summary", "export",
                                       "compare", "report", "keys", "metrics", "version"};
    char out[1 << 14], args[512], err[2048];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        assert_int_equal(run_out(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "usage: retrysim "));
        assert_non_null(strstr(out, cmds[i]));
        snprintf(args, sizeof args, "help %s", cmds[i]);
        assert_int_equal(run_out(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "usage: retrysim "));
        snprintf(args, sizeof args, "%s --no-such-flag", cmds[i]);
        assert_int_equal(run(args, err, sizeof err), 2);
        if (!strstr(err, "unknown option '--no-such-flag'"))
            fail_msg("%s: %s", cmds[i], err);
    }
    static const char *const refused[] = {"keys --json --csv", "metrics --json", "search x.ini --list",
                                          "search x.ini -r 1", "summary x.db --table run", "export x.db --scalars a",
                                          "run x.ini -j 2", "report x.db --csv"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(run(refused[i], err, sizeof err), 2);
        if (!strstr(err, "unknown option"))
            fail_msg("%s: %s", refused[i], err);
    }
    assert_int_equal(run_out("keys --json", out, sizeof out), 0);
    assert_non_null(strstr(out, "{\"section\": \"run\", \"key\": \"duration\""));
    assert_int_equal(run("sweep experiments/jitter-contention.ini -j", err, sizeof err), 2);
    assert_non_null(strstr(err, "-j needs a value"));
    snprintf(args, sizeof args, "sweep experiments/jitter-contention.ini --list -r 3-9 --shard 2/3");
    assert_int_equal(run_out(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "run\tpoint"));
    assert_non_null(strstr(out, "\n4\t0\t4\t"));
    assert_non_null(strstr(out, "\n7\t0\t7\t"));
    assert_null(strstr(out, "\n3\t"));
    assert_null(strstr(out, "\n10\t"));
}

/* A good run writes the database and exits 0; the event budget makes a
 * run fail: exit 1, recorded as failed. */
static void test_good_and_failed_run(void **state)
{
    (void)state;
    char err[2048], args[512];
    write_file(ini, "[run]\nduration = 5s\n[arrivals]\nrate = 100\n");
    snprintf(args, sizeof args, "run %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    snprintf(args, sizeof args, "run %s --db %s --set run.max_events=100", ini, db);
    assert_int_equal(run(args, err, sizeof err), 1);
    assert_non_null(strstr(err, "max_events"));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"SELECT group_concat(status) FROM run\" > %s", db, errf);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "ok,failed\n");
    unlink(db);
}

/* The integer a query of the database at path returns. */
static int64_t db_int(const char *path, const char *sql)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"%s\" > %s", path, sql, errf);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    long long v = -1;
    assert_int_equal(fscanf(f, "%lld", &v), 1);
    fclose(f);
    return v;
}

static int64_t query_int(const char *sql) { return db_int(db, sql); }

/* A sweep of 2 points x 2 replications where one point spends its event
 * budget: exit 1, 2 ok and 2 failed runs, summaries for the ok point; the
 * same command again runs nothing (resume); bad sweep syntax: exit 2. */
static void test_sweep(void **state)
{
    (void)state;
    char err[4096], args[512];
    write_file(ini, "[sweep]\nrepeat = 2\n[run]\nduration = 5s\nmax_events = ${budget=0, 50}\n");
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --quiet", ini, db);
    assert_int_equal(run(args, err, sizeof err), 1);
    assert_non_null(strstr(err, "run 2 failed"));
    assert_int_equal(query_int("SELECT count(*) FROM run WHERE status = 'ok'"), 2);
    assert_int_equal(query_int("SELECT count(*) FROM run WHERE status = 'failed'"), 2);
    assert_int_equal(query_int("SELECT count(*) FROM runvar WHERE name = 'budget'"), 4);
    assert_int_equal(query_int("SELECT n FROM summary WHERE point = 0 AND name = 'calls'"), 2);
    /* resume: nothing left to run, nothing added */
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_int_equal(query_int("SELECT count(*) FROM run"), 4);
    /* -r selects; --list runs nothing */
    snprintf(args, sizeof args, "sweep %s --db %s --list", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    unlink(db);
    write_file(ini, "[sweep]\nrepeat = 2\n[retry]\nbase = ${b=10ms, oops}\n");
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad.ini:4"));
    struct stat sb;
    assert_int_equal(stat(db, &sb), -1);
    write_file(ini, "[sweep]\nrepeat = 2\n[retry]\nbase = ${b=10ms, 20ms\n");
    assert_int_equal(run(args, err, sizeof err), 2);
    /* a malformed trace file is bad input before any run: file:line, exit 2 */
    char trace[160], text[256];
    snprintf(trace, sizeof trace, "%s/trace.txt", dir);
    write_file(trace, "0.5\n1.0 3\n0.7\n");
    snprintf(text, sizeof text, "[sweep]\nrepeat = 2\n[arrivals]\nkind = trace\ntrace = %s\n", trace);
    write_file(ini, text);
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "trace.txt:3"));
    assert_int_equal(stat(db, &sb), -1);
    snprintf(args, sizeof args, "sweep %s --db %s -r 7", ini, db);
    write_file(ini, "[retry]\nbase = ${b=10ms, 20ms}\n");
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_int_equal(stat(db, &sb), -1);
}

/* ---- interrupted sweeps -------------------------------------------------- */

/* 30 runs of ~0.1 s each: long enough to be killed in the middle. */
static const char *const kill_ini = "[sweep]\nrepeat = 10\n[run]\nduration = 20s\n"
                                    "[arrivals]\nrate = ${rate=10000, 12000, 14000}\n"
                                    "[server]\nworkers = 200\noutages = 5s-8s reject\n";

/* Start `retrysim sweep` on the experiment in ini into path, in its own
 * process group, stderr to errf. */
static pid_t sweep_start(const char *path)
{
    const char *bin = getenv("RETRYSIM");
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execl(bin ? bin : "./retrysim", "retrysim", "sweep", ini, "--db", path, "-j", "2", "--quiet", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Wait until the database at path holds a committed run (at most 30 s). */
static void wait_for_a_run(const char *path)
{
    struct timespec tick = {0, 10 * 1000000L};
    struct stat sb;
    char cmd[512];
    for (int i = 0; i < 3000; i++) {
        nanosleep(&tick, NULL);
        if (stat(path, &sb) != 0)
            continue;
        snprintf(cmd, sizeof cmd, "sqlite3 %s \"SELECT count(*) > 0 FROM run\" 2>/dev/null | grep -q 1", path);
        if (system(cmd) == 0)
            return;
    }
    fail_msg("no run was recorded into %s within 30 s", path);
}

/* Start the sweep; once the database holds a committed run, send sig to
 * its process group, or (workers_only) SIGKILL to its workers alone.
 * Returns the sweep's wait status. */
static int sweep_and_kill(const char *path, int sig, int workers_only)
{
    pid_t pid = sweep_start(path);
    wait_for_a_run(path);
    if (workers_only) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "pkill -KILL -P %d", (int)pid);
        assert_int_equal(system(cmd), 0);
    } else {
        kill(-pid, sig);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The whole text of errf. */
static void read_errf(char *buf, size_t len)
{
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = 0;
    fclose(f);
}

/* What the two databases hold for each run number: the same scalars,
 * series and summary (ids and wall-clock times aside). */
static void assert_same_results(const char *a, const char *b)
{
    char sql[1024];
    static const char *const parts[] = {
        "SELECT r.sweep_run, v.name, v.value FROM %1$s.run r JOIN %1$s.scalar v ON v.run = r.id",
        "SELECT r.sweep_run, s.t_ns, s.calls, s.server_arrivals, s.calls_ok, s.queue_length FROM %1$s.run r"
        " JOIN %1$s.series s ON s.run = r.id",
        "SELECT r.sweep_run, h.name, h.lower, h.count FROM %1$s.run r JOIN %1$s.histogram h ON h.run = r.id",
        "SELECT point, name, n, mean, sd, ci95 FROM %1$s.summary",
    };
    for (int i = 0; i < 4; i++)
        for (int way = 0; way < 2; way++) {
            char x[256], y[256];
            snprintf(x, sizeof x, parts[i], way ? "b" : "main");
            snprintf(y, sizeof y, parts[i], way ? "main" : "b");
            snprintf(sql, sizeof sql, "ATTACH '%s' AS b; SELECT count(*) FROM (%s EXCEPT %s);", b, x, y);
            if (db_int(a, sql) != 0)
                fail_msg("%s and %s differ in: %s", a, b, parts[i]);
        }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM run");
    assert_int_equal(db_int(a, sql), db_int(b, sql));
}

/* The reference for the farm tests: the interrupted-sweep experiment run
 * plainly with -j 2 into ref (once per test binary run). */
static void make_reference(char *ref, size_t len)
{
    char err[2048], args[512];
    struct stat sb;
    snprintf(ref, len, "%s/ref.db", dir);
    write_file(ini, kill_ini);
    if (stat(ref, &sb) == 0)
        return;
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --quiet", ini, ref);
    assert_int_equal(run(args, err, sizeof err), 0);
}

static void test_kill_and_resume(void **state)
{
    (void)state;
    char err[2048], args[512], ref[160], cut[160];
    make_reference(ref, sizeof ref);
    assert_int_equal(db_int(ref, "SELECT count(*) FROM run"), 30);

    /* the sweep killed, interrupted, terminated; then its workers killed */
    static const int sigs[] = {SIGKILL, SIGINT, SIGTERM, 0};
    for (int k = 0; k < 4; k++) {
        snprintf(cut, sizeof cut, "%s/cut%d.db", dir, k);
        int status = sweep_and_kill(cut, sigs[k], sigs[k] == 0);
        if (sigs[k] == SIGKILL) {
            assert_true(WIFSIGNALED(status));
        } else if (sigs[k] == 0) {
            /* the runs in progress are lost: named, exit 1, the rest kept */
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
            read_errf(err, sizeof err);
            if (!strstr(err, "a worker died") || !strstr(err, "not recorded:"))
                fail_msg("workers killed: the sweep should name the lost runs, said: %s", err);
        } else {
            assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 130);
        }
        /* sound, and only whole runs: every run has its scalars, every
         * run that keeps detail its series */
        int64_t n = db_int(cut, "SELECT count(*) FROM run");
        if (n <= 0 || n >= 30)
            fail_msg("signal %d: %lld runs recorded when the sweep was stopped (want some, not all)", sigs[k],
                     (long long)n);
        assert_int_equal(db_int(cut, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
        assert_int_equal(db_int(cut, "SELECT count(*) FROM run WHERE id NOT IN (SELECT run FROM scalars)"), 0);
        assert_int_equal(db_int(cut, "SELECT count(*) FROM run WHERE detail = 1 AND id NOT IN (SELECT run FROM series)"),
                         0);
        /* the same command finishes the sweep, with the same results */
        snprintf(args, sizeof args, "sweep %s --db %s -j 2 --quiet", ini, cut);
        assert_int_equal(run(args, err, sizeof err), 0);
        assert_same_results(cut, ref);
    }
}

/* A second sweep of the same experiment into the same database, while the
 * first runs, is refused at once (exit 1, saying why); the first finishes. */
static void test_concurrent_sweeps(void **state)
{
    (void)state;
    char err[2048], args[512], path[160];
    write_file(ini, kill_ini);
    snprintf(path, sizeof path, "%s/two.db", dir);
    pid_t pid = sweep_start(path);
    wait_for_a_run(path);
    char errf_saved[128];
    snprintf(errf_saved, sizeof errf_saved, "%s", errf);
    snprintf(errf, sizeof errf, "%s/err2.txt", dir); /* the first sweep writes the other */
    snprintf(args, sizeof args, "sweep %s --db %s -j 1 --quiet", ini, path);
    int rc = run(args, err, sizeof err);
    snprintf(errf, sizeof errf, "%s", errf_saved);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (rc != 1 || !strstr(err, "another retrysim sweep of this experiment is writing to it"))
        fail_msg("second sweep: exit %d, said: %s", rc, err);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(db_int(path, "SELECT count(*) FROM run"), 30);
    assert_int_equal(db_int(path, "SELECT count(*) FROM sweep WHERE writer IS NOT NULL"), 0); /* released */
}

/* The trace file is part of the sweep's identity: edited, it is a new
 * sweep whose runs are simulated, not skipped as already done. */
static void test_trace_edit_is_a_new_sweep(void **state)
{
    (void)state;
    char err[2048], args[512], trace[160], text[512];
    snprintf(trace, sizeof trace, "%s/trace.txt", dir);
    write_file(trace, "0.5\n1.0\n");
    snprintf(text, sizeof text, "[sweep]\nrepeat = 2\n[run]\nduration = 5s\n[arrivals]\nkind = trace\ntrace = %s\n",
             trace);
    write_file(ini, text);
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "2 to run"));
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "0 to run")); /* the same trace: resumed, nothing to do */
    write_file(trace, "0.5\n1.0\n2.0\n3.0\n");
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "2 to run"));
    assert_int_equal(query_int("SELECT count(*) FROM sweep"), 2);
    assert_int_equal(query_int("SELECT count(*) FROM summary WHERE name = 'calls' AND mean = 4"), 1);
    unlink(db);
}

/* A client configuration file is part of the identity too, found relative
 * to the experiment file, also when it is swept; a bad one is exit 2 with
 * nothing written. */
static void test_client_file_edit_is_a_new_sweep(void **state)
{
    (void)state;
    char err[2048], args[512], path[160];
    snprintf(path, sizeof path, "%s/policy.yaml", dir);
    write_file(path, "retry_on: 5xx\nnum_retries: 1\n");
    write_file(ini, "[sweep]\nrepeat = 2\n[run]\nduration = 5s\n[retry]\nenvoy_retry_policy = ${f=policy.yaml}\n");
    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "2 to run"));
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "0 to run"));
    write_file(path, "retry_on: 5xx\nnum_retries: 2\n");
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "2 to run"));
    assert_int_equal(query_int("SELECT count(*) FROM sweep"), 2);
    write_file(path, "retry_on: 5xx\nnum_retries: 2\nhedge: yes\n");
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "policy.yaml: hedge"));
    assert_int_equal(query_int("SELECT count(*) FROM run"), 4);
    unlink(db);
}

/* A results path that cannot be a database, or another program's
 * database: exit 2 before anything runs, the file left as it was. And a
 * sweep whose stderr is a file still shows its progress. */
static void test_results_path_and_progress(void **state)
{
    (void)state;
    char err[2048], args[512], path[160];
    write_file(ini, "[sweep]\nrepeat = 2\n[run]\nduration = 5s\n");
    snprintf(path, sizeof path, "%s/a-directory.db", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(args, sizeof args, "sweep %s --db %s", ini, path);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "results database"));
    assert_null(strstr(err, "to run")); /* nothing ran */

    snprintf(path, sizeof path, "%s/other.db", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"CREATE TABLE accounts (id INTEGER, owner TEXT)\"", path);
    assert_int_equal(system(cmd), 0);
    snprintf(args, sizeof args, "sweep %s --db %s", ini, path);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "not a retrysim database"));
    assert_int_equal(db_int(path, "SELECT count(*) FROM sqlite_master"), 1);

    snprintf(args, sizeof args, "sweep %s --db %s", ini, db);
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_non_null(strstr(err, "[sweep] 2/2 runs, 0 failed"));
    unlink(db);
}

/* A sweep in 3 shards (the tasks of a job array), merged: the same
 * results as one sweep. Merging again adds nothing; a shard whose results
 * differ for the same run is a conflict (exit 1) and leaves the output as
 * it was. */
static void test_shards_merge(void **state)
{
    (void)state;
    char err[2048], args[1024], ref[160], out[160], shard[3][160];
    make_reference(ref, sizeof ref);
    for (int k = 0; k < 3; k++) {
        snprintf(shard[k], sizeof shard[k], "%s/shard%d.db", dir, k + 1);
        snprintf(args, sizeof args, "sweep %s --db %s --shard %d/3 -j 1 --quiet", ini, shard[k], k + 1);
        assert_int_equal(run(args, err, sizeof err), 0);
        assert_int_equal(db_int(shard[k], "SELECT count(*) FROM run"), 10);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM run WHERE sweep_run %% 3 <> %d", k); /* every 3rd run */
        assert_int_equal(db_int(shard[k], sql), 0);
    }
    snprintf(out, sizeof out, "%s/merged.db", dir);
    snprintf(args, sizeof args, "merge %s %s %s %s", out, shard[0], shard[1], shard[2]);
    assert_int_equal(run(args, err, sizeof err), 0);
    assert_same_results(out, ref);
    assert_int_equal(run(args, err, sizeof err), 0); /* again: every run already there */
    assert_int_equal(db_int(out, "SELECT count(*) FROM run"), 30);
    assert_same_results(out, ref);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"UPDATE scalars SET calls = calls + 1 WHERE run = 1\"", shard[1]);
    assert_int_equal(system(cmd), 0);
    snprintf(args, sizeof args, "merge %s %s", out, shard[1]);
    assert_int_equal(run(args, err, sizeof err), 1);
    assert_non_null(strstr(err, "different results"));
    assert_same_results(out, ref);
    snprintf(args, sizeof args, "merge %s %s/no-such.db", out, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    snprintf(args, sizeof args, "sweep %s --db %s --shard 4/3", ini, out);
    assert_int_equal(run(args, err, sizeof err), 2);
}

/* Run retrysim with args, its stdout into out (the whole text). */
static int run_out(const char *args, char *out, size_t len)
{
    char cmd[1024], file[160];
    const char *bin = getenv("RETRYSIM");
    snprintf(file, sizeof file, "%s/out.txt", dir);
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", bin ? bin : "./retrysim", args, file, errf);
    int st = system(cmd);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, len - 1, f);
    out[n] = 0;
    fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* summary, export and compare read a database and change nothing. */
static void test_inspect(void **state)
{
    (void)state;
    static char out[1 << 20];
    char args[512], ref[160], copy[200], cmd[1024];
    make_reference(ref, sizeof ref);
    snprintf(args, sizeof args, "summary %s --scalars amplification,calls", ref);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "3 points"));
    assert_non_null(strstr(out, "rate=12000"));
    assert_non_null(strstr(out, "(n=10)"));
    snprintf(args, sizeof args, "summary %s --scalars amplification,nonsense", ref);
    assert_int_equal(run_out(args, out, sizeof out), 2);

    /* CSV: a header and one line per summary row */
    snprintf(args, sizeof args, "export %s --csv", ref);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    int lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + db_int(ref, "SELECT count(*) FROM summary"));
    assert_true(!strncmp(out, "experiment,point,name,n,mean,sd,ci95,sweep\n", 43));
    snprintf(args, sizeof args, "export %s --json --table run", ref);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    assert_true(out[0] == '[' && strstr(out, "\"sweep_run\": 29") && strstr(out, "\"status\": \"ok\""));
    snprintf(args, sizeof args, "export %s --csv --table sqlite_master", ref);
    assert_int_equal(run_out(args, out, sizeof out), 2);

    /* compare: itself, then a copy whose mean moved beyond its interval */
    snprintf(args, sizeof args, "compare %s %s", ref, ref);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "3 points compared, 0 differences"));
    snprintf(copy, sizeof copy, "%s/moved.db", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s && sqlite3 %s \"UPDATE summary SET mean = mean * 2 WHERE point = 1 AND "
                              "name = 'amplification'\"", ref, copy, copy);
    assert_int_equal(system(cmd), 0);
    snprintf(args, sizeof args, "compare %s %s --scalars amplification", ref, copy);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "3 points compared, 1 differences"));
    assert_non_null(strstr(out, "    * amplification"));
}

/* retrysim search agrees with a dense grid where the grid is affordable:
 * attempts (1..8) against the mean amplification through an outage, whose
 * grid means (8 replications) climb 1.0, 1.31, 1.61, 1.90, 2.17, ...: the
 * most attempts with amplification <= 2 is where the grid crosses 2, for
 * a goal on the mean and for one on the share of replications. Resuming
 * runs nothing; bad [search] input is exit 2 with file:line. */
static void test_search_vs_grid(void **state)
{
    (void)state;
    static const char *const base = "[run]\nduration = 10s\ndrain = 20s\n[arrivals]\nrate = 200\n"
                                    "[retry]\nmax_attempts = ${n=1..8}\nattempt_timeout = 1s\nbase = 100ms\n"
                                    "[server]\nworkers = 4\nservice = exp(10ms)\noutages = 2s-5s reject\n";
    char err[4096], args[512], text[1024], grid[160], found[64], cmd[512];
    snprintf(text, sizeof text, "%s[sweep]\nrepeat = 8\n", base);
    write_file(ini, text);
    snprintf(grid, sizeof grid, "%s/grid.db", dir);
    snprintf(args, sizeof args, "sweep %s --db %s --quiet", ini, grid);
    assert_int_equal(run(args, err, sizeof err), 0);
    /* the grid's answer: the most attempts whose mean amplification <= 2 */
    int64_t want = db_int(grid, "SELECT max(CAST(v.value AS INTEGER)) FROM summary s JOIN point_var v USING "
                                "(experiment, point) WHERE s.name = 'amplification' AND s.mean <= 2 AND v.name = 'n'");
    assert_true(want > 1 && want < 8);

    static const char *const goals[] = {"statistic = mean\ngoal = $amplification <= 2\nreplications = 4..32\n",
                                        "goal = $amplification <= 2\nshare = 0.8\nreplications = 5..40\n"};
    for (int g = 0; g < 2; g++) {
        char path[160];
        snprintf(path, sizeof path, "%s/search%d.db", dir, g);
        snprintf(text, sizeof text, "%s[search]\nvariable = n\n%s", base, goals[g]);
        write_file(ini, text);
        snprintf(args, sizeof args, "search %s --db %s", ini, path);
        if (run(args, err, sizeof err) != 0)
            fail_msg("search: %s", err);
        assert_int_equal(db_int(path, "SELECT count(*) FROM search WHERE status = 'found'"), 1);
        snprintf(cmd, sizeof cmd, "sqlite3 %s \"SELECT boundary || ' ' || other FROM search\" > %s", path, errf);
        assert_int_equal(system(cmd), 0);
        FILE *f = fopen(errf, "r");
        assert_non_null(f);
        assert_non_null(fgets(found, sizeof found, f));
        fclose(f);
        char expect[64];
        snprintf(expect, sizeof expect, "%lld %lld\n", (long long)want, (long long)want + 1);
        assert_string_equal(found, expect);
        /* fewer runs than the grid would need at the most replications */
        assert_true(db_int(path, "SELECT count(*) FROM run") < 8 * (g ? 40 : 32));
        int64_t runs = db_int(path, "SELECT count(*) FROM run");
        assert_int_equal(run(args, err, sizeof err), 0); /* resumed: nothing new */
        assert_int_equal(db_int(path, "SELECT count(*) FROM run"), runs);
    }
    snprintf(text, sizeof text, "%s[search]\nvariable = n\ngoal = $no_such_scalar <= 2\n", base);
    write_file(ini, text);
    snprintf(args, sizeof args, "search %s --db %s/bad.db", ini, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "bad.ini:"));
    assert_non_null(strstr(err, "[search] goal"));
    snprintf(text, sizeof text, "%s[search]\nvariable = m\ngoal = $amplification <= 2\n", base);
    write_file(ini, text);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "no such variable"));
    snprintf(args, sizeof args, "sweep %s --db %s/bad.db", ini, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    assert_non_null(strstr(err, "retrysim search"));
}

/* retrysim report writes a page per experiment whose charts a real browser
 * draws: headless Chromium loads the page, its script counts the charts
 * drawn into <body data-charts>, and --dump-dom shows it. */
static void test_report(void **state)
{
    (void)state;
    static char out[1 << 20];
    char args[512], ref[160], dirout[200], cmd[1024];
    make_reference(ref, sizeof ref);
    snprintf(dirout, sizeof dirout, "%s/report", dir);
    /* a page for the reference's experiment and one with a chart script */
    char jc[200];
    snprintf(jc, sizeof jc, "%s/jc.db", dir);
    snprintf(args, sizeof args, "sweep experiments/jitter-contention.ini -r 0-1 --quiet --db %s", jc);
    assert_int_equal(run(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "report %s -o %s", jc, dirout);
    assert_int_equal(run_out(args, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "%s/jitter-contention.html", dirout);
    struct stat sb;
    assert_int_equal(stat(cmd, &sb), 0);
    snprintf(cmd, sizeof cmd, "%s/index.html", dirout);
    assert_int_equal(stat(cmd, &sb), 0);
    snprintf(args, sizeof args, "report %s/no-such.db -o %s", dir, dirout);
    assert_int_equal(run_out(args, out, sizeof out), 2);
    if (system("command -v chromium > /dev/null 2>&1") != 0)
        skip(); /* the page is written; the browser check needs Debian's chromium */
    snprintf(cmd, sizeof cmd,
             "chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
             " --disable-sync --no-first-run --user-data-dir=%s/chromium --virtual-time-budget=5000 --dump-dom"
             " file://%s/jitter-contention.html > %s/dom.html 2>/dev/null",
             dir, dirout, dir);
    assert_int_equal(system(cmd), 0);
    char dom[200];
    snprintf(dom, sizeof dom, "%s/dom.html", dir);
    FILE *f = fopen(dom, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    fclose(f);
    if (!strstr(out, "data-charts=\"rendered 2 of 2\""))
        fail_msg("the browser did not draw both charts: %.300s", strstr(out, "<body") ? strstr(out, "<body") : out);
}

/* The MPI rank of a process (its OMPI_COMM_WORLD_RANK), or -1. */
static int rank_of(int pid)
{
    char path[64], buf[65536];
    snprintf(path, sizeof path, "/proc/%d/environ", pid);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (!strncmp(buf + i, "OMPI_COMM_WORLD_RANK=", 21))
            return atoi(buf + i + 21);
    return -1;
}

/* With make MPI=1 and OpenMPI's mpirun: the sweep on 3 ranks (rank 0
 * writes, 2 simulate) gives the same results as a local sweep; with a
 * worker rank killed mid-way, the job ends, the finished runs stay, and the
 * same command finishes the sweep with the same results. */
static void test_mpi(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("build-mpi/retrysim", &sb) != 0 || system("command -v mpirun > /dev/null 2>&1") != 0)
        skip(); /* make MPI=1 builds it; CI does */
    char err[2048], args[512], ref[160], path[160], cmd[1024];
    make_reference(ref, sizeof ref);
    snprintf(path, sizeof path, "%s/mpi.db", dir);
    snprintf(cmd, sizeof cmd,
             "mpirun --allow-run-as-root --oversubscribe -np 3 build-mpi/retrysim sweep %s --db %s --quiet 2>%s", ini,
             path, errf);
    if (system(cmd) != 0) {
        read_errf(err, sizeof err);
        fail_msg("mpirun sweep failed: %s", err);
    }
    assert_same_results(path, ref);

    snprintf(path, sizeof path, "%s/mpi-cut.db", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("mpirun", "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "3", "build-mpi/retrysim", "sweep",
               ini, "--db", path, "--quiet", (char *)NULL);
        _exit(127);
    }
    wait_for_a_run(path);
    /* find rank 1 among mpirun's children, and kill it */
    snprintf(cmd, sizeof cmd, "pgrep -P %d > %s", (int)pid, errf);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(errf, "r");
    assert_non_null(f);
    int child, killed = 0;
    while (!killed && fscanf(f, "%d", &child) == 1)
        if (rank_of(child) == 1)
            killed = kill(child, SIGKILL) == 0;
    fclose(f);
    assert_true(killed);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* the job failed */
    int64_t n = db_int(path, "SELECT count(*) FROM run");
    assert_true(n > 0 && n < 30);
    assert_int_equal(db_int(path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
    snprintf(args, sizeof args, "sweep %s --db %s -j 2 --quiet", ini, path); /* resume locally, or by mpirun */
    if (run(args, err, sizeof err) != 0)
        fail_msg("resuming after the killed MPI job: %s", err);
    assert_same_results(path, ref);
}

/* A search under mpirun (rank 0 decides and writes, 2 ranks simulate)
 * takes the same rounds, records the same runs and finds the same answer
 * as the search on one machine. */
static void test_mpi_search(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("build-mpi/retrysim", &sb) != 0 || system("command -v mpirun > /dev/null 2>&1") != 0)
        skip(); /* make MPI=1 builds it; CI does */
    static const char *const text = "[run]\nduration = 10s\ndrain = 20s\n[arrivals]\nrate = 200\n"
                                    "[retry]\nmax_attempts = ${n=1..8}\nattempt_timeout = 1s\nbase = 100ms\n"
                                    "[server]\nworkers = ${w=4, 5}\nservice = exp(10ms)\noutages = 2s-5s reject\n"
                                    "[search]\nvariable = n\ngoal = $amplification <= 2\nshare = 0.8\n"
                                    "replications = 5..40\n";
    char err[2048], args[512], local[160], path[160], cmd[1024];
    write_file(ini, text);
    snprintf(local, sizeof local, "%s/search-local.db", dir);
    snprintf(args, sizeof args, "search %s --db %s --quiet", ini, local);
    if (run(args, err, sizeof err) != 0)
        fail_msg("search: %s", err);
    snprintf(path, sizeof path, "%s/search-mpi.db", dir);
    snprintf(cmd, sizeof cmd,
             "mpirun --allow-run-as-root --oversubscribe -np 3 build-mpi/retrysim search %s --db %s --quiet 2>%s", ini,
             path, errf);
    if (system(cmd) != 0) {
        read_errf(err, sizeof err);
        fail_msg("mpirun search failed: %s", err);
    }
    assert_int_equal(db_int(path, "SELECT count(*) FROM search WHERE status = 'found'"), 2);
    assert_same_results(path, local);
    static const char *const q = "SELECT count(*) FROM (SELECT point, boundary, other, runs FROM search "
                                 "EXCEPT SELECT point, boundary, other, runs FROM l.search)";
    snprintf(cmd, sizeof cmd, "ATTACH '%s' AS l; %s", local, q);
    assert_int_equal(db_int(path, cmd), 0);
}

/* Chart rendering takes any database and output path as plain text: a
 * path holding a space, quotes, ; and $(...) renders, and runs nothing. */
static void test_plot_paths(void **state)
{
    (void)state;
    if (system("command -v gnuplot > /dev/null 2>&1") != 0)
        skip();
    char err[2048], args[1024], cmd[2048], weird[256], out[256], png[320];
    snprintf(weird, sizeof weird, "%s/it's a \"db\";touch PWNED;$(touch PWNED2).db", dir);
    snprintf(out, sizeof out, "%s/out dir;touch PWNED3", dir);
    /* two runs of the contention table are enough to draw from */
    snprintf(args, sizeof args, "sweep experiments/jitter-contention.ini -r 0-1 --quiet --db '%s/plain.db'", dir);
    assert_int_equal(run(args, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd, "cp '%s/plain.db' \"$WEIRD\"", dir);
    setenv("WEIRD", weird, 1);
    setenv("OUT", out, 1);
    assert_int_equal(system(cmd), 0);
    /* the paths reach the shell only as "$WEIRD" and "$OUT" here too */
    snprintf(cmd, sizeof cmd, "sh tools/plot.sh \"$WEIRD\" jitter-contention \"$OUT\" 2>%s", errf);
    assert_int_equal(system(cmd), 0);
    snprintf(png, sizeof png, "%s/jitter-contention-calls.png", out);
    struct stat sb;
    assert_int_equal(stat(png, &sb), 0);
    assert_true(sb.st_size > 1000);
    assert_int_not_equal(stat("PWNED", &sb), 0);
    assert_int_not_equal(stat("PWNED2", &sb), 0);
    assert_int_not_equal(stat("PWNED3", &sb), 0);
    snprintf(png, sizeof png, "%s/PWNED", dir);
    assert_int_not_equal(stat(png, &sb), 0);
    unsetenv("WEIRD");
    unsetenv("OUT");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_config_classes),
        cmocka_unit_test(test_bad_command_line),
        cmocka_unit_test(test_command_options),
        cmocka_unit_test(test_good_and_failed_run),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_kill_and_resume),
        cmocka_unit_test(test_concurrent_sweeps),
        cmocka_unit_test(test_trace_edit_is_a_new_sweep),
        cmocka_unit_test(test_client_file_edit_is_a_new_sweep),
        cmocka_unit_test(test_results_path_and_progress),
        cmocka_unit_test(test_plot_paths),
        cmocka_unit_test(test_shards_merge),
        cmocka_unit_test(test_mpi),
        cmocka_unit_test(test_inspect),
        cmocka_unit_test(test_search_vs_grid),
        cmocka_unit_test(test_mpi_search),
        cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, teardown);
}
