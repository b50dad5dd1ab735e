/*
 * cfg: INI documents and the key table that turns them into a run_cfg_t.
 *
 * Stage 1 (document): the text is parsed by inih (ini_parse_stream) through
 * our own line reader, which hands inih exactly one line per call and so
 * knows the line number of every key inih reports (inih's handler gets no
 * line number). inih's own conventions apply: ';' and '#' start a comment
 * line, " ;" starts an inline comment, and an indented line continues the
 * previous key's value (we join the pieces with one space, so a long list
 * can span lines). inih reads at most 200 bytes per line (INI_MAX_LINE);
 * a longer line is an error rather than being split silently.
 *
 * Stage 2 (apply): the defaults (cfg_defaults: every row's default text,
 * parsed), then each entry through the key table (one row per key:
 * section, name, type, unit, default text, range, help; the core's rows
 * below, each optional model's in its descriptor, model.h), then the
 * cross-key checks that must name one precise key, then run_validate()
 * (the core's checks and each model's). The same rows format the resolved values (cfg_params)
 * and print the reference (cfg_print_reference, cfg_print_template).
 *
 * Units: durations are simtime_t ns and use simtime_parse's syntax
 * ("250ms", "1.5s", "0"); rates are per second; fractions are in [0, 1].
 */
#include "cfg.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_rng.h>
#include <ini.h>

#include "dist.h"
#include "expand.h"
#include "model.h"
#include "simtime.h"

/* ------------------------------------------------------------------ */
/* The key table                                                        */
/* ------------------------------------------------------------------ */

/* A key of the whole table: a row (model.h) with its section, its offset
 * made absolute (in run_cfg_t). The core's rows are written here; each
 * model's come from its descriptor. */
typedef struct {
    const char *section, *name;
    key_type_t type;
    size_t off, size;     /* where the value lives in run_cfg_t, and its size */
    const char *unit;     /* "" when the type says it all */
    const char *def;      /* the default as text (stated only here); NULL = zero */
    unsigned flags;       /* KEY_R_* and KEY_F_* */
    double lo, hi;        /* range; durations in ns */
    const key_name_t *names; /* KEY_ENUM, KEY_STATUS */
    const char *help;
} krow_t;

#define AT(m) offsetof(run_cfg_t, m), sizeof(((run_cfg_t *)0)->m)
#define ANY KEY_ANY
#define GE(a) KEY_GE(a)
#define GT(a) KEY_GT(a)
#define IN(a, b) KEY_IN(a, b)
#define OC(a, b) KEY_OC(a, b)
#define NONEMPTY KEY_NONEMPTY

static const key_name_t arrival_kinds[] = {
    {"poisson", ARR_POISSON}, {"constant", ARR_CONSTANT}, {"schedule", ARR_SCHEDULE},
    {"spike", ARR_SPIKE},     {"trace", ARR_TRACE},       {"closed", ARR_CLOSED},
    {NULL, 0}};
/* schedule_process is stored as arrivals_cfg_t.schedule_poisson (1/0). */
static const key_name_t schedule_processes[] = {{"poisson", 1}, {"constant", 0}, {NULL, 0}};
static const key_name_t backoffs[] = {
    {"constant", BACKOFF_CONSTANT}, {"linear", BACKOFF_LINEAR},
    {"exponential", BACKOFF_EXPONENTIAL}, {"memoryless", BACKOFF_MEMORYLESS}, {NULL, 0}};
static const key_name_t jitters[] = {
    {"none", JITTER_NONE}, {"full", JITTER_FULL}, {"equal", JITTER_EQUAL},
    {"decorrelated", JITTER_DECORRELATED}, {"proportional", JITTER_PROPORTIONAL}, {"upward", JITTER_UPWARD},
    {"additive", JITTER_ADDITIVE}, {"decorrelated_v2", JITTER_DECORRELATED_V2}, {NULL, 0}};
static const key_name_t retry_after_modes[] = {
    {"ignore", RETRY_AFTER_IGNORE}, {"honour", RETRY_AFTER_HONOUR}, {"max", RETRY_AFTER_MAX}, {"add", RETRY_AFTER_ADD}, {NULL, 0}};
static const key_name_t limiter_kinds[] = {
    {"none", LIMITER_NONE}, {"token_bucket", LIMITER_TOKEN_BUCKET}, {"nginx", LIMITER_NGINX}, {NULL, 0}};
static const key_name_t queue_full_statuses[] = {{"429", 429}, {"503", 503}, {"504", 504}, {NULL, 0}};
static const key_name_t reject_statuses[] = {{"429", 429}, {"503", 503}, {NULL, 0}};
static const key_name_t queue_orders[] = {{"fifo", SERVER_ORDER_FIFO}, {"lifo", SERVER_ORDER_LIFO}, {NULL, 0}};
static const key_name_t server_ra_modes[] = {{"constant", SERVER_RA_CONSTANT}, {"queue", SERVER_RA_QUEUE}, {NULL, 0}};

/* Outcomes a client may retry, in outcome_t order (the order they print in). */
static const key_name_t outcome_names[] = {
    {"429", OUT_429}, {"500", OUT_500}, {"502", OUT_502}, {"503", OUT_503}, {"504", OUT_504},
    {"timeout", OUT_TIMEOUT}, {"connection", OUT_CONNERR}, {"409", OUT_409}, {NULL, 0}};




static const key_name_t output_keeps[] = {
    {"first", OUTPUT_KEEP_FIRST}, {"all", OUTPUT_KEEP_ALL}, {"scalars", OUTPUT_KEEP_SCALARS}, {NULL, 0}};

static const key_name_t outage_kinds[] = {
    {"reject", OUTAGE_REJECT}, {"drop", OUTAGE_DROP}, {"capacity", OUTAGE_CAPACITY}, {NULL, 0}};

/* The core's sections, in the order the reference lists them; the models'
 * follow (models.def order), then [output]. */
static const char *const core_sections[] = {"run", "arrivals", "retry", "server", "limiter", "network"};
#define NCORE_SECTIONS (sizeof core_sections / sizeof core_sections[0])

#define BOUND_MS ((double)SIMTIME_MS)
#define BOUND_HOUR ((double)SIMTIME_HOUR)

/* The core's keys, one row each; the default is stated here only. */
static const krow_t core_keys[] = {
    /* {section, key, type, AT(field), unit, default, range (ANY GE GT IN OC NONEMPTY), enum names,
     *  help} */
    {"run", "duration", KEY_DURATION, AT(run.duration), "", "60s", GT(0), NULL,
     "length of the arrival window: calls start in [0, duration)"},
    {"run", "drain", KEY_DURATION, AT(run.drain), "", "120s", ANY, NULL,
     "after duration the run goes on until no call is left, at most this long"},
    {"run", "seed", KEY_UINT, AT(run.seed), "", "1", ANY, NULL,
     "base seed of the run's random streams (64 bit)"},
    {"run", "replication", KEY_UINT, AT(run.replication), "", "0", IN(0, 1000000), NULL,
     "replication index: same seed, independent streams"},
    {"run", "generator", KEY_GENERATOR, AT(run.generator), "", "mt19937", ANY, NULL,
     "GSL random number generator name"},
    {"run", "bucket", KEY_DURATION, AT(run.bucket), "", "1s", IN(BOUND_MS, BOUND_HOUR), NULL,
     "width of the time-series buckets"},
    {"run", "max_events", KEY_UINT, AT(run.max_events), "events", "2000000000", ANY, NULL,
     "event budget; reaching it fails the run; 0 = unlimited"},
    {"run", "recovery_threshold", KEY_DOUBLE, AT(run.recovery_threshold), "fraction", "0.99", OC(0, 1), NULL,
     "success rate that counts as recovered"},
    {"run", "recovery_hold", KEY_DURATION, AT(run.recovery_hold), "", "10s", ANY, NULL,
     "how long the success rate must stay at or above the threshold; >= bucket"},
    {"run", "warmup", KEY_DURATION, AT(run.warmup), "", "0s", GE(0), NULL,
     "left out of the time averages (busy_fraction, mean_orbit, p_empty, mean_queue) and the peaks "
     "(peak_arrivals_per_bucket, peak_over_capacity): [warmup, duration) is measured; < duration"},

    {"arrivals", "kind", KEY_ENUM, AT(arrivals.kind), "", "poisson", ANY, arrival_kinds,
     "where calls come from: open loop (poisson, constant, schedule, spike, trace) or closed loop"},
    {"arrivals", "rate", KEY_DOUBLE, AT(arrivals.rate), "calls/s", "100", GT(0), NULL,
     "arrival rate of poisson and constant arrivals"},
    {"arrivals", "schedule", KEY_SCHEDULE, AT(arrivals), "calls/s", NULL, ANY, NULL,
     "piecewise-constant rate as time:rate steps, e.g. 0s:800, 60s:2000, 90s:800; "
     "required when kind = schedule"},
    {"arrivals", "schedule_process", KEY_ENUM, AT(arrivals.schedule_poisson), "", "poisson", ANY,
     schedule_processes, "arrivals within a schedule step: poisson or evenly spaced"},
    {"arrivals", "spike_calls", KEY_INT, AT(arrivals.spike_calls), "calls", "100", GE(1), NULL,
     "spike: number of calls"},
    {"arrivals", "spike_at", KEY_DURATION, AT(arrivals.spike_at), "", "0", ANY, NULL,
     "spike: start time"},
    {"arrivals", "spike_window", KEY_DURATION, AT(arrivals.spike_window), "", "0", ANY, NULL,
     "spike: calls spread uniformly over [at, at + window); 0 = all at once"},
    {"arrivals", "trace", KEY_STRING, AT(arrivals.trace_path), "path", "", ANY, NULL,
     "trace: file of first-attempt times in s (optional client id); required when kind = trace"},
    {"arrivals", "clients", KEY_INT, AT(arrivals.clients), "clients", "1", IN(1, 10000000), NULL,
     "closed: population; open: number of client ids for per-client metrics"},
    {"arrivals", "think", KEY_DIST, AT(arrivals.think), "", "exp(1s)", ANY, NULL,
     "closed: think time between a call's end and the client's next call"},

    {"retry", "preset", KEY_STRING, AT(retry_src.preset), "", "", ANY, NULL,
     "a client library's defaults for every retry key (retrysim presets lists them; docs/clients.md); "
     "keys written in the file override it"},
    {"retry", "grpc_service_config", KEY_STRING, AT(retry_src.grpc_service_config), "path", "", ANY, NULL,
     "a gRPC service config (JSON) whose retryPolicy or hedgingPolicy and retryThrottling set the retry keys; "
     "relative to the experiment file"},
    {"retry", "grpc_method", KEY_STRING, AT(retry_src.grpc_method), "", "", ANY, NULL,
     "service/method whose methodConfig applies (gRPC's matching: method, service, default)"},
    {"retry", "envoy_retry_policy", KEY_STRING, AT(retry_src.envoy_retry_policy), "path", "", ANY, NULL,
     "an Envoy route retry_policy (JSON or YAML) that sets the retry keys; relative to the experiment file"},
    {"retry", "max_attempts", KEY_INT, AT(retry.max_attempts), "attempts", "3", KEY_F_UNLIMITED | KEY_R_LO | KEY_R_HI,
     1, 1000, NULL, "attempts per call, the first one included; unlimited = until success, a deadline or a model ends it"},
    {"retry", "attempt_timeout", KEY_DURATION, AT(retry.attempt_timeout), "", "1s", ANY, NULL,
     "timeout of each attempt; 0 = none"},
    {"retry", "deadline", KEY_DURATION, AT(retry.deadline), "", "0", ANY, NULL,
     "the caller's overall deadline from the call's start; 0 = none"},
    {"retry", "ignore_deadline", KEY_BOOL, AT(retry.ignore_deadline), "", "false", ANY, NULL,
     "retries go on after the caller gave up (orphan work)"},
    {"retry", "backoff", KEY_ENUM, AT(retry.backoff), "", "exponential", ANY, backoffs,
     "delay schedule: base, base * n, base * multiplier^(n-1), or exponential with mean base"},
    {"retry", "base", KEY_DURATION, AT(retry.base), "", "100ms", ANY, NULL,
     "constant delay, linear step, first exponential delay, or memoryless mean"},
    {"retry", "multiplier", KEY_DOUBLE, AT(retry.multiplier), "", "2", GT(0), NULL,
     "exponential growth per retry; must be >= 1 with backoff = exponential"},
    {"retry", "cap", KEY_DURATION, AT(retry.cap), "", "20s", ANY, NULL,
     "upper bound of every backoff delay; 0 = none"},
    {"retry", "jitter", KEY_ENUM, AT(retry.jitter), "", "full", ANY, jitters,
     "randomisation of the delay (docs/retry-policies.md: Brooker 2015; proportional, upward, additive; Polly v8's)"},
    {"retry", "cap_schedule_only", KEY_BOOL, AT(retry.cap_schedule_only), "", "false", ANY, NULL,
     "true: cap bounds the schedule before jitter, so a jittered delay may exceed it (gRPC, cenkalti/backoff)"},
    {"retry", "jitter_fraction", KEY_DOUBLE, AT(retry.jitter_fraction), "fraction", "0.2", IN(0, 1), NULL,
     "proportional and upward jitter's f"},
    {"retry", "jitter_max", KEY_DURATION, AT(retry.jitter_max), "", "1s", ANY, NULL,
     "additive jitter's upper end: delay + U(0, jitter_max)"},
    {"retry", "granularity", KEY_DURATION, AT(retry.granularity), "", "0", ANY, NULL,
     "backoff delays are cut down to a whole multiple of it (Envoy: 1ms); 0 = exact"},
    {"retry", "throttle_base", KEY_DURATION, AT(retry.throttle_base), "", "0", ANY, NULL,
     "base of the backoff schedule after a 429 (AWS SDKs' throttling errors); 0 = base"},
    {"retry", "retry_on", KEY_RETRY_ON, AT(retry.retry_on), "", "429, 503, timeout, connection", ANY, NULL,
     "outcomes that are retried (others end the call)"},
    {"retry", "retry_on_with_retry_after", KEY_RETRY_ON, AT(retry.retry_on_ra), "", "none", ANY, NULL,
     "outcomes retried only when the response carries a Retry-After (urllib3: 413, 429, 503)"},
    {"retry", "retry_after", KEY_ENUM, AT(retry.retry_after), "", "honour", ANY, retry_after_modes,
     "Retry-After header: ignore it, wait exactly it, wait max(it, own backoff), or own backoff + it"},
    {"retry", "retry_after_cap", KEY_DURATION, AT(retry.retry_after_cap), "", "60s", ANY, NULL,
     "upper bound of a Retry-After wait; 0 = none"},
    {"retry", "nonreplayable", KEY_DOUBLE, AT(retry.nonreplayable), "fraction", "0", IN(0, 1), NULL,
     "fraction of calls whose retries fail at the client (request body already consumed)"},

    {"server", "workers", KEY_INT, AT(server.workers), "workers", "10", IN(1, 1000000), NULL,
     "requests served concurrently"},
    {"server", "queue", KEY_QUEUE, AT(server.queue), "requests", "100", GE(0), NULL,
     "FIFO waiting room; unlimited = no bound"},
    {"server", "queue_full_status", KEY_STATUS, AT(server.queue_full_status), "", "503", ANY,
     queue_full_statuses, "status sent when the waiting room is full"},
    {"server", "service", KEY_DIST, AT(server.service), "", "exp(10ms)", ANY, NULL,
     "service time of one request"},
    {"server", "load_per_inflight", KEY_DURATION, AT(server.load_ns), "", "0", ANY, NULL,
     "added to a service time per request in flight at its start; 0 = off"},
    {"server", "error_500", KEY_DOUBLE, AT(server.error_500), "fraction", "0", IN(0, 1), NULL,
     "fraction of served requests answered 500"},
    {"server", "error_502", KEY_DOUBLE, AT(server.error_502), "fraction", "0", IN(0, 1), NULL,
     "fraction answered 502"},
    {"server", "error_drop", KEY_DOUBLE, AT(server.error_drop), "fraction", "0", IN(0, 1), NULL,
     "fraction whose connection is dropped; error_500 + error_502 + error_drop <= 1"},
    {"server", "drop_expired", KEY_BOOL, AT(server.drop_expired), "", "false", ANY, NULL,
     "discard a queued request whose client already gave up instead of serving it"},
    {"server", "deadline_propagation", KEY_BOOL, AT(server.deadline_propagation), "", "false", ANY, NULL,
     "requests carry the earlier of the caller's deadline and the attempt's timeout; the server "
     "discards a request whose deadline has passed when service would start"},
    {"server", "outages", KEY_OUTAGES, AT(server), "", "none", ANY, NULL,
     "start-end kind [fraction], ..., e.g. 30s-60s reject, 100s-110s capacity 0.2, 5s-6s drop"},
    {"server", "queue_order", KEY_ENUM, AT(server.queue_order), "", "fifo", ANY, queue_orders,
     "which waiting request a free worker takes: the oldest (fifo) or the newest (lifo); a full queue still "
     "rejects the arriving request"},
    {"server", "retry_after_mode", KEY_ENUM, AT(server.ra_mode), "", "constant", ANY, server_ra_modes,
     "Retry-After of the server's 503s (queue full, shed, outage): constant (retry_after) or queue: "
     "max(1, queue length) x mean service / free workers, capped (the limiter keeps its own)"},
    {"server", "retry_after", KEY_DURATION, AT(server.retry_after), "", "0", ANY, NULL,
     "constant mode: Retry-After of the server's 503s; 0 = none"},
    {"server", "retry_after_cap", KEY_DURATION, AT(server.retry_after_cap), "", "10s", ANY, NULL,
     "queue mode: upper bound of the computed Retry-After; 0 = none"},

    {"limiter", "kind", KEY_ENUM, AT(limiter.kind), "", "none", ANY, limiter_kinds,
     "rate limiter in front of the server"},
    {"limiter", "rate", KEY_DOUBLE, AT(limiter.rate), "requests/s", "1000", GT(0), NULL,
     "sustained rate"},
    {"limiter", "burst", KEY_DOUBLE, AT(limiter.burst), "requests", "100", GE(0), NULL,
     "token bucket: capacity, >= 1; nginx: burst, a whole number"},
    {"limiter", "nodelay", KEY_BOOL, AT(limiter.nodelay), "", "false", ANY, NULL,
     "nginx: admit burst requests at once instead of delaying them"},
    {"limiter", "status", KEY_STATUS, AT(limiter.reject_status), "", "429", ANY, reject_statuses,
     "status of a rejection"},
    {"limiter", "retry_after", KEY_DURATION, AT(limiter.retry_after), "", "0", ANY, NULL,
     "Retry-After sent with a rejection; 0 = none"},

    {"network", "request", KEY_DIST, AT(network.request), "", "const(1ms)", ANY, NULL,
     "one-way delay client -> server"},
    {"network", "response", KEY_DIST, AT(network.response), "", "const(1ms)", ANY, NULL,
     "one-way delay server -> client"},
    {"network", "response_loss", KEY_DOUBLE, AT(network.response_loss), "fraction", "0", IN(0, 1), NULL,
     "probability that a served request's response is lost (work done; the client times out)"},

    /* [idempotency]: duplicate executions, the idempotency-key store (models/idem.h) */

    /* [connections]: per-client connection pools, keep-alive idle timeouts (models/conn.h) */

    /* [gmp]: the Go runtime on the client (models/gmp.h) */

    {"output", "db", KEY_STRING, AT(output.db), "path", "results/retrysim.db", NONEMPTY, NULL,
     "SQLite results database"},
    {"output", "experiment", KEY_STRING, AT(output.experiment), "", "", ANY, NULL,
     "experiment name recorded with the run; default: the config file's name without .ini"},
    {"output", "keep", KEY_ENUM, AT(output.keep), "", "first", ANY, output_keeps,
     "per-bucket series and histograms recorded: first = of each sweep point's first replication (and of "
     "every retrysim run), all = of every run, scalars = of none; scalars are always recorded"},
};
#define NCORE_KEYS (sizeof core_keys / sizeof core_keys[0])

/* The whole table, built once: the core's rows, each model's (their
 * offsets made absolute), then [output]'s. */
#define MAX_KEYS 1024
#define MAX_SECTIONS 64
static krow_t keys[MAX_KEYS];
static size_t nkeys;
static const char *sections[MAX_SECTIONS];
static size_t nsections;
static int table_overflow;

static void add_section(const char *name)
{
    for (size_t i = 0; i < nsections; i++)
        if (!strcmp(sections[i], name))
            return;
    if (nsections == MAX_SECTIONS) {
        table_overflow = 1;
        return;
    }
    sections[nsections++] = name;
}

static void add_key(const krow_t *k)
{
    if (nkeys == MAX_KEYS) {
        table_overflow = 1;
        return;
    }
    keys[nkeys++] = *k;
}

static void table_init(void)
{
    if (nkeys)
        return;
    model_registry_init();
    for (size_t i = 0; i < NCORE_SECTIONS; i++)
        add_section(core_sections[i]);
    for (size_t i = 0; i < NCORE_KEYS; i++)
        if (strcmp(core_keys[i].section, "output"))
            add_key(&core_keys[i]);
    for (int m = 0; m < model_count(); m++) {
        const model_desc_t *d = model_at(m);
        if (!d->section)
            continue;
        add_section(d->section);
        for (const key_row_t *r = d->keys; r && r->name; r++) {
            krow_t k = {d->section, r->name, r->type, d->info->cfg_off + r->off, r->size, r->unit, r->def,
                        r->flags, r->lo, r->hi, r->names, r->help};
            add_key(&k);
        }
    }
    add_section("output");
    for (size_t i = 0; i < NCORE_KEYS; i++)
        if (!strcmp(core_keys[i].section, "output"))
            add_key(&core_keys[i]);
}

#define NKEYS nkeys
#define NSECTIONS nsections

/* ------------------------------------------------------------------ */
/* Small helpers                                                        */
/* ------------------------------------------------------------------ */

int cfg_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

char *cfg_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* [s, *e) without leading and trailing blanks. */
static const char *trim(const char *s, const char **e)
{
    while (s < *e && isspace((unsigned char)*s))
        s++;
    while (*e > s && isspace((unsigned char)(*e)[-1]))
        (*e)--;
    return s;
}

/* Optimal string alignment distance (Levenshtein plus adjacent swaps), for
 * "did you mean"; names longer than 63 characters are never close. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The closest of names (within distance 2), or NULL. */
static const char *closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    int bestd = 3;
    for (size_t i = 0; i < n; i++) {
        int dd = edit_distance(word, names[i]);
        if (dd < bestd)
            bestd = dd, best = names[i];
    }
    return best;
}

const char *cfg_closest(const char *word, const char *const *names, size_t n)
{
    return closest(word, names, n);
}

static const char *closest_ename(const char *word, const key_name_t *names)
{
    const char *list[64];
    size_t n = 0;
    for (; names[n].name && n < 64; n++)
        list[n] = names[n].name;
    return closest(word, list, n);
}

/* "a, b, c" from a NULL-terminated key_name_t list. */
static void join_enames(const key_name_t *names, const char *sep, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; names[i].name; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i ? sep : "", names[i].name);
        if (w < 0 || (size_t)w >= len - at)
            return;
        at += (size_t)w;
    }
}

/* Shortest text that strtod reads back as exactly x. Whole numbers print
 * without an exponent ("1000", not "1e+03"). */
static void fmt_double(double x, char *buf, size_t len)
{
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, len, "%.0f", x);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, len, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

static const char *skip_blanks(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static int is_none(const char *v)
{
    return strcmp(v, "none") == 0 || *v == 0;
}

/* ------------------------------------------------------------------ */
/* Value parsers: each writes the message part of an error to m         */
/* ------------------------------------------------------------------ */

static int parse_double(const char *v, double *out, char *m, size_t ml)
{
    if (!*v)
        return cfg_seterr(m, ml, "missing value (expected a number)");
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v)
        return cfg_seterr(m, ml, "'%s' is not a number", v);
    if (*end)
        return cfg_seterr(m, ml, "'%s' is not a number: unexpected '%s' after %.*s", v, skip_blanks(end), (int)(end - v),
                      v);
    if (!isfinite(x))
        return cfg_seterr(m, ml, "'%s' is not a finite number", v);
    *out = x;
    return 0;
}

/* Signed integer, base 10, the whole text. */
static int parse_ll(const char *v, long long *out, char *m, size_t ml)
{
    if (!*v)
        return cfg_seterr(m, ml, "missing value (expected an integer)");
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v)
        return cfg_seterr(m, ml, "'%s' is not an integer", v);
    if (*end)
        return cfg_seterr(m, ml, "'%s' is not an integer: unexpected '%s' after %.*s", v, skip_blanks(end),
                      (int)(end - v), v);
    if (errno == ERANGE)
        return cfg_seterr(m, ml, "'%s' is out of range", v);
    *out = x;
    return 0;
}

/* Unsigned integer: as parse_ll but without a sign, since strtoull would
 * silently wrap "-1" to the largest value. */
static int parse_ull(const char *v, unsigned long long *out, char *m, size_t ml)
{
    if (!*v)
        return cfg_seterr(m, ml, "missing value (expected an integer)");
    if (*v == '-')
        return cfg_seterr(m, ml, "%s is below the minimum 0", v);
    if (!isdigit((unsigned char)*v) && *v != '+')
        return cfg_seterr(m, ml, "'%s' is not an integer", v);
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v)
        return cfg_seterr(m, ml, "'%s' is not an integer", v);
    if (*end)
        return cfg_seterr(m, ml, "'%s' is not an integer: unexpected '%s' after %.*s", v, skip_blanks(end),
                      (int)(end - v), v);
    if (errno == ERANGE)
        return cfg_seterr(m, ml, "'%s' is out of range", v);
    *out = x;
    return 0;
}

/* A bound as text: durations with their unit. */
static void fmt_bound(const krow_t *k, double b, char *buf, size_t len)
{
    simtime_t t = (simtime_t)b;
    if (k->type != KEY_DURATION)
        fmt_double(b, buf, len);
    else if (t > 0 && t % SIMTIME_HOUR == 0) /* "1h" reads better than simtime_format's "3600s" */
        snprintf(buf, len, "%" PRId64 "h", t / SIMTIME_HOUR);
    else if (t > 0 && t % SIMTIME_MIN == 0)
        snprintf(buf, len, "%" PRId64 "m", t / SIMTIME_MIN);
    else
        simtime_format(t, buf, len);
}

/* Check x (shown to the user as `shown`) against the row's range. */
static int check_range(const krow_t *k, double x, const char *shown, char *m, size_t ml)
{
    char b[48];
    if ((k->flags & KEY_R_LO) && ((k->flags & KEY_R_LOX) ? !(x > k->lo) : !(x >= k->lo))) {
        fmt_bound(k, k->lo, b, sizeof b);
        if (k->flags & KEY_R_LOX)
            return cfg_seterr(m, ml, "%s must be greater than %s", shown, b);
        return cfg_seterr(m, ml, "%s is below the minimum %s", shown, b);
    }
    if ((k->flags & KEY_R_HI) && ((k->flags & KEY_R_HIX) ? !(x < k->hi) : !(x <= k->hi))) {
        fmt_bound(k, k->hi, b, sizeof b);
        if (k->flags & KEY_R_HIX)
            return cfg_seterr(m, ml, "%s must be less than %s", shown, b);
        return cfg_seterr(m, ml, "%s is above the maximum %s", shown, b);
    }
    return 0;
}

static int parse_enum(const krow_t *k, const char *v, int *out, char *m, size_t ml)
{
    for (int i = 0; k->names[i].name; i++)
        if (strcmp(v, k->names[i].name) == 0) {
            *out = k->names[i].value;
            return 0;
        }
    char list[256];
    join_enames(k->names, ", ", list, sizeof list);
    const char *near = closest_ename(v, k->names);
    if (near)
        return cfg_seterr(m, ml, "'%s' is not one of: %s (did you mean %s?)", v, list, near);
    return cfg_seterr(m, ml, "'%s' is not one of: %s", v, list);
}

static int parse_bool(const char *v, int *out, char *m, size_t ml)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return cfg_seterr(m, ml, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", v);
}

static int parse_generator(const char *v, char *out, size_t size, char *m, size_t ml)
{
    const char *names[128];
    size_t n = 0;
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++) {
        if (strcmp((*t)->name, v) == 0) {
            if (strlen(v) >= size)
                return cfg_seterr(m, ml, "'%s' is longer than %zu characters", v, size - 1);
            memcpy(out, v, strlen(v) + 1);
            return 0;
        }
        if (n < 128)
            names[n++] = (*t)->name;
    }
    const char *near = closest(v, names, n);
    return cfg_seterr(m, ml, "'%s' is not a GSL generator%s%s%s (e.g. mt19937, ranlxd2, taus2)", v,
                  near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
}

/* Copy the next comma-separated item of *p, trimmed, into buf and step past
 * its comma. Returns 1 with an item, 0 at the end of the list, -1 when the
 * item does not fit in buf. */
static int next_item(const char **p, char *buf, size_t len)
{
    const char *s = *p;
    if (!s)
        return 0;
    const char *c = strchr(s, ',');
    const char *e = c ? c : s + strlen(s);
    *p = c ? c + 1 : NULL;
    s = trim(s, &e);
    if ((size_t)(e - s) >= len)
        return -1;
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = 0;
    return 1;
}

static int parse_retry_on(const char *v, unsigned *out, char *m, size_t ml)
{
    static const char *const hint = "(429, 500, 502, 503, 504, timeout, connection, 409; or all, none)";
    if (strcmp(v, "none") == 0) {
        *out = 0;
        return 0;
    }
    unsigned all = 0;
    for (int i = 0; outcome_names[i].name; i++)
        all |= POLICY_RETRY_BIT(outcome_names[i].value);
    if (strcmp(v, "all") == 0) {
        *out = all;
        return 0;
    }
    if (!*v)
        return cfg_seterr(m, ml, "missing value %s", hint);
    unsigned bits = 0;
    char item[64];
    const char *p = v;
    int r;
    while ((r = next_item(&p, item, sizeof item)) != 0) {
        int i = 0;
        if (r > 0)
            for (; outcome_names[i].name && strcmp(outcome_names[i].name, item) != 0; i++)
                ;
        if (r < 0 || !*item)
            return cfg_seterr(m, ml, "'%s': empty or overlong item in the list %s", v, hint);
        if (!outcome_names[i].name) {
            if (!strcmp(item, "all") || !strcmp(item, "none"))
                return cfg_seterr(m, ml, "'%s': %s cannot be combined with other outcomes", v, item);
            return cfg_seterr(m, ml, "'%s': '%s' is not a retryable outcome %s", v, item, hint);
        }
        bits |= POLICY_RETRY_BIT(outcome_names[i].value);
    }
    *out = bits;
    return 0;
}

static int parse_schedule(const char *v, arrivals_cfg_t *a, char *m, size_t ml)
{
    arrivals_step_t steps[ARRIVALS_MAX_STEPS];
    int n = 0;
    memset(steps, 0, sizeof steps);
    if (!is_none(v)) {
        char item[128], e2[160];
        const char *p = v;
        int r;
        while ((r = next_item(&p, item, sizeof item)) != 0) {
            if (r < 0 || !*item)
                return cfg_seterr(m, ml, "empty or overlong step in '%s' (steps are time:rate separated by commas)", v);
            if (n == ARRIVALS_MAX_STEPS)
                return cfg_seterr(m, ml, "more than %d steps", ARRIVALS_MAX_STEPS);
            char *colon = strchr(item, ':');
            if (!colon)
                return cfg_seterr(m, ml, "step '%s' is not time:rate (e.g. 60s:2000)", item);
            /* item is trimmed, so only the blanks around ':' remain */
            const char *te = colon, *ts = trim(item, &te);
            char tbuf[sizeof item]; /* the whole time: a cut one could read as another ("000...05s" as 0) */
            snprintf(tbuf, sizeof tbuf, "%.*s", (int)(te - ts), ts);
            const char *rs = colon + 1;
            while (isspace((unsigned char)*rs))
                rs++;
            if (simtime_parse(tbuf, &steps[n].t, e2, sizeof e2) < 0)
                return cfg_seterr(m, ml, "step %d: %s", n + 1, e2);
            if (parse_double(rs, &steps[n].rate, e2, sizeof e2) < 0)
                return cfg_seterr(m, ml, "step %d (%s): rate %s", n + 1, tbuf, e2);
            if (steps[n].rate < 0)
                return cfg_seterr(m, ml, "step %d (%s): rate %s is below the minimum 0", n + 1, tbuf, rs);
            if (n == 0 && steps[0].t != 0)
                return cfg_seterr(m, ml, "the first step must start at 0s, not %s", tbuf);
            if (n > 0 && steps[n].t <= steps[n - 1].t)
                return cfg_seterr(m, ml, "step %d at %s does not come after the step before it", n + 1, tbuf);
            n++;
        }
    }
    memcpy(a->steps, steps, sizeof steps);
    a->nsteps = n;
    return 0;
}

/* One outage "start-end kind [fraction]". */
static int parse_outage(const char *item, outage_t *o, char *m, size_t ml)
{
    char e2[160], tok[4][64];
    const char *dash = strchr(item, '-');
    if (!dash)
        return cfg_seterr(m, ml, "outage '%s' is not start-end kind [fraction] (e.g. 30s-60s reject)", item);
    const char *se = dash, *ss = trim(item, &se);
    if ((size_t)(se - ss) >= sizeof tok[0]) /* cut, "000...05s" would read as 0 */
        return cfg_seterr(m, ml, "outage '%s': start: too long", item);
    snprintf(tok[0], sizeof tok[0], "%.*s", (int)(se - ss), ss);
    if (simtime_parse(tok[0], &o->start, e2, sizeof e2) < 0)
        return cfg_seterr(m, ml, "outage '%s': start: %s", item, e2);
    /* The rest is whitespace-separated: end, kind and an optional fraction. */
    int nt = 1;
    for (const char *p = dash + 1;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *b = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (nt == 4 || (size_t)(p - b) >= sizeof tok[0])
            return cfg_seterr(m, ml, "outage '%s' is not start-end kind [fraction]", item);
        snprintf(tok[nt++], sizeof tok[0], "%.*s", (int)(p - b), b);
    }
    if (nt < 3)
        return cfg_seterr(m, ml, "outage '%s' is not start-end kind [fraction] (kinds: reject, drop, capacity)", item);
    if (simtime_parse(tok[1], &o->end, e2, sizeof e2) < 0)
        return cfg_seterr(m, ml, "outage '%s': end: %s", item, e2);
    if (o->end <= o->start)
        return cfg_seterr(m, ml, "outage '%s': start must be before end", item);
    int i = 0;
    for (; outage_kinds[i].name && strcmp(outage_kinds[i].name, tok[2]) != 0; i++)
        ;
    if (!outage_kinds[i].name)
        return cfg_seterr(m, ml, "outage '%s': '%s' is not one of: reject, drop, capacity", item, tok[2]);
    o->kind = (outage_kind_t)outage_kinds[i].value;
    o->fraction = 0;
    if (o->kind == OUTAGE_CAPACITY) {
        if (nt != 4)
            return cfg_seterr(m, ml, "outage '%s': capacity needs the fraction of workers left, in [0, 1]", item);
        if (parse_double(tok[3], &o->fraction, e2, sizeof e2) < 0)
            return cfg_seterr(m, ml, "outage '%s': %s", item, e2);
        if (o->fraction < 0 || o->fraction > 1)
            return cfg_seterr(m, ml, "outage '%s': fraction %s is outside [0, 1]", item, tok[3]);
    } else if (nt != 3) {
        return cfg_seterr(m, ml, "outage '%s': %s takes no fraction", item, tok[2]);
    }
    return 0;
}

static int parse_outages(const char *v, server_cfg_t *s, char *m, size_t ml)
{
    outage_t out[SERVER_MAX_OUTAGES];
    int n = 0;
    memset(out, 0, sizeof out);
    if (!is_none(v)) {
        char item[160];
        const char *p = v;
        int r;
        while ((r = next_item(&p, item, sizeof item)) != 0) {
            if (r < 0 || !*item)
                return cfg_seterr(m, ml, "empty or overlong outage in '%s' (outages are separated by commas)", v);
            if (n == SERVER_MAX_OUTAGES)
                return cfg_seterr(m, ml, "more than %d outages", SERVER_MAX_OUTAGES);
            if (parse_outage(item, &out[n], m, ml) < 0)
                return -1;
            n++;
        }
    }
    memcpy(s->outages, out, sizeof out);
    s->noutages = n;
    return 0;
}

/* A list row's element as a row of its own (at element 0); returns the
 * element count, 0 if k is not a list. */
static int list_elem(const krow_t *k, krow_t *e)
{
    *e = *k;
    switch (k->type) {
    case KEY_INT_LIST: e->type = KEY_INT, e->size = sizeof(int); break;
    case KEY_BOOL_LIST: e->type = KEY_BOOL, e->size = sizeof(int); break;
    case KEY_DURATION_LIST: e->type = KEY_DURATION, e->size = sizeof(simtime_t); break;
    default: return 0;
    }
    return (int)(k->size / e->size);
}

static int parse_value(const krow_t *k, const char *v, run_cfg_t *c, char *m, size_t ml);

/* "a, b, c" into the row's array; the last item fills the rest. */
static int parse_list(const krow_t *k, const char *v, run_cfg_t *c, char *m, size_t ml)
{
    krow_t e;
    int n = list_elem(k, &e), i = 0, r;
    char item[64], e2[256];
    const char *p = v;
    while ((r = next_item(&p, item, sizeof item)) != 0) {
        if (r < 0 || !*item)
            return cfg_seterr(m, ml, "'%s': empty or overlong item in the list", v);
        if (i == n)
            return cfg_seterr(m, ml, "'%s': more than %d items", v, n);
        if (parse_value(&e, item, c, e2, sizeof e2) < 0)
            return cfg_seterr(m, ml, "item %d: %s", i + 1, e2);
        e.off += e.size;
        i++;
    }
    if (i == 0)
        return cfg_seterr(m, ml, "missing value");
    for (char *f = (char *)c + k->off; i < n; i++)
        memcpy(f + (size_t)i * e.size, f + (size_t)(i - 1) * e.size, e.size);
    return 0;
}

static int append(char *buf, size_t len, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int format_value(const krow_t *k, const run_cfg_t *c, char *buf, size_t len);

/* The array as items, the repeated tail written once, so a list read from
 * "3" is written back as "3". */
static int format_list(const krow_t *k, const run_cfg_t *c, char *buf, size_t len)
{
    krow_t e;
    int n = list_elem(k, &e);
    const char *f = (const char *)c + k->off;
    int last = n - 1;
    while (last > 0 && memcmp(f + (size_t)last * e.size, f + (size_t)(last - 1) * e.size, e.size) == 0)
        last--;
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i <= last; i++, e.off += e.size) {
        char one[64];
        if (format_value(&e, c, one, sizeof one) < 0 || append(buf, len, &at, "%s%s", i ? ", " : "", one) < 0)
            return -1;
    }
    return 0;
}

/* Parse v into the row's field of c. On error m holds the message. */
static int parse_value(const krow_t *k, const char *v, run_cfg_t *c, char *m, size_t ml)
{
    void *f = (char *)c + k->off;
    char e2[256];
    if (strstr(v, "${"))
        return cfg_seterr(m, ml, "'%s' holds an unexpanded ${...} (sweeps are expanded by the experiment layer)", v);
    switch (k->type) {
    case KEY_INT_LIST:
    case KEY_DURATION_LIST:
    case KEY_BOOL_LIST: return parse_list(k, v, c, m, ml);
    case KEY_DURATION: {
        simtime_t t = 0;
        if (k->size != sizeof t)
            break;
        if (simtime_parse(v, &t, e2, sizeof e2) < 0)
            return cfg_seterr(m, ml, "%s", e2);
        if (check_range(k, (double)t, v, m, ml) < 0)
            return -1;
        memcpy(f, &t, sizeof t);
        return 0;
    }
    case KEY_DOUBLE: {
        double x = 0;
        if (k->size != sizeof x)
            break;
        if (parse_double(v, &x, m, ml) < 0 || check_range(k, x, v, m, ml) < 0)
            return -1;
        memcpy(f, &x, sizeof x);
        return 0;
    }
    case KEY_INT:
    case KEY_QUEUE: {
        long long x = 0;
        if (k->type == KEY_QUEUE && strcmp(v, "unlimited") == 0) {
            x = SERVER_QUEUE_UNLIMITED;
        } else if ((k->flags & KEY_F_UNLIMITED) && strcmp(v, "unlimited") == 0) {
            x = k->size == sizeof(int) ? INT_MAX : INT64_MAX;
        } else {
            if (parse_ll(v, &x, m, ml) < 0 || check_range(k, (double)x, v, m, ml) < 0)
                return -1;
        }
        if (k->size == sizeof(int)) {
            if (x < INT_MIN || x > INT_MAX)
                return cfg_seterr(m, ml, "'%s' is out of range", v);
            int i = (int)x;
            memcpy(f, &i, sizeof i);
            return 0;
        }
        if (k->size == sizeof(int64_t)) {
            int64_t i = (int64_t)x;
            memcpy(f, &i, sizeof i);
            return 0;
        }
        break;
    }
    case KEY_UINT: {
        unsigned long long x = 0;
        if (parse_ull(v, &x, m, ml) < 0 || check_range(k, (double)x, v, m, ml) < 0)
            return -1;
        if (k->size == sizeof(uint32_t)) {
            if (x > UINT32_MAX)
                return cfg_seterr(m, ml, "'%s' is out of range", v);
            uint32_t u = (uint32_t)x;
            memcpy(f, &u, sizeof u);
            return 0;
        }
        if (k->size == sizeof(uint64_t)) {
            uint64_t u = (uint64_t)x;
            memcpy(f, &u, sizeof u);
            return 0;
        }
        break;
    }
    case KEY_BOOL: {
        int b = 0;
        if (k->size != sizeof b)
            break;
        if (parse_bool(v, &b, m, ml) < 0)
            return -1;
        memcpy(f, &b, sizeof b);
        return 0;
    }
    case KEY_ENUM:
    case KEY_STATUS: {
        int e = 0; /* enums are int-sized here (checked by size) and hold small non-negative values */
        if (k->size != sizeof e)
            break;
        if (parse_enum(k, v, &e, m, ml) < 0)
            return -1;
        memcpy(f, &e, sizeof e);
        return 0;
    }
    case KEY_STRING: {
        size_t n = strlen(v);
        if ((k->flags & KEY_F_NONEMPTY) && n == 0)
            return cfg_seterr(m, ml, "must not be empty");
        if (n >= k->size)
            return cfg_seterr(m, ml, "'%.40s...' is longer than %zu characters", v, k->size - 1);
        memcpy(f, v, n + 1);
        return 0;
    }
    case KEY_GENERATOR:
        return parse_generator(v, f, k->size, m, ml);
    case KEY_DIST: {
        dist_t d = {0};
        if (k->size != sizeof d)
            break;
        if (dist_parse(v, &d, e2, sizeof e2) < 0)
            return cfg_seterr(m, ml, "%s", e2);
        memcpy(f, &d, sizeof d);
        return 0;
    }
    case KEY_RETRY_ON: {
        unsigned bits = 0;
        if (k->size != sizeof bits)
            break;
        if (parse_retry_on(v, &bits, m, ml) < 0)
            return -1;
        memcpy(f, &bits, sizeof bits);
        return 0;
    }
    case KEY_SCHEDULE:
        if (k->size != sizeof(arrivals_cfg_t))
            break;
        return parse_schedule(v, f, m, ml);
    case KEY_OUTAGES:
        if (k->size != sizeof(server_cfg_t))
            break;
        return parse_outages(v, f, m, ml);
    }
    return cfg_seterr(m, ml, "internal error: the key table's type does not match the field");
}

/* ------------------------------------------------------------------ */
/* Formatting values back to text                                       */
/* ------------------------------------------------------------------ */

static const char *ename_of(const key_name_t *names, int v)
{
    for (int i = 0; names[i].name; i++)
        if (names[i].value == v)
            return names[i].name;
    return NULL;
}

/* Append to buf at *at; returns -1 when it does not fit. */
static int append(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *at, len - *at, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= len - *at)
        return -1;
    *at += (size_t)w;
    return 0;
}

/* The row's value in c as text that parse_value reads back to the same
 * value. Returns -1 if it does not fit in buf or cannot be represented. */
static int format_value(const krow_t *k, const run_cfg_t *c, char *buf, size_t len)
{
    const void *f = (const char *)c + k->off;
    size_t at = 0;
    buf[0] = 0;
    switch (k->type) {
    case KEY_INT_LIST:
    case KEY_DURATION_LIST:
    case KEY_BOOL_LIST: return format_list(k, c, buf, len);
    case KEY_DURATION: {
        simtime_t t;
        memcpy(&t, f, sizeof t);
        simtime_format(t, buf, len);
        return 0;
    }
    case KEY_DOUBLE: {
        double x;
        memcpy(&x, f, sizeof x);
        fmt_double(x, buf, len);
        return 0;
    }
    case KEY_INT:
    case KEY_QUEUE:
        if (k->size == sizeof(int)) {
            int i;
            memcpy(&i, f, sizeof i);
            if ((k->type == KEY_QUEUE && i == SERVER_QUEUE_UNLIMITED) || ((k->flags & KEY_F_UNLIMITED) && i == INT_MAX))
                return append(buf, len, &at, "unlimited");
            return append(buf, len, &at, "%d", i);
        } else {
            int64_t i;
            memcpy(&i, f, sizeof i);
            if ((k->flags & KEY_F_UNLIMITED) && i == INT64_MAX)
                return append(buf, len, &at, "unlimited");
            return append(buf, len, &at, "%" PRId64, i);
        }
    case KEY_UINT:
        if (k->size == sizeof(uint32_t)) {
            uint32_t u;
            memcpy(&u, f, sizeof u);
            return append(buf, len, &at, "%" PRIu32, u);
        } else {
            uint64_t u;
            memcpy(&u, f, sizeof u);
            return append(buf, len, &at, "%" PRIu64, u);
        }
    case KEY_BOOL: {
        int b;
        memcpy(&b, f, sizeof b);
        return append(buf, len, &at, "%s", b ? "true" : "false");
    }
    case KEY_ENUM:
    case KEY_STATUS: {
        int e;
        memcpy(&e, f, sizeof e);
        const char *name = ename_of(k->names, e);
        if (!name)
            return -1; /* not a value of the enum: cannot be written back */
        return append(buf, len, &at, "%s", name);
    }
    case KEY_STRING:
    case KEY_GENERATOR:
        return append(buf, len, &at, "%.*s", (int)strnlen(f, k->size), (const char *)f);
    case KEY_DIST: {
        dist_t d;
        memcpy(&d, f, sizeof d);
        dist_format(&d, buf, len);
        return 0;
    }
    case KEY_RETRY_ON: {
        unsigned bits;
        memcpy(&bits, f, sizeof bits);
        if (!bits)
            return append(buf, len, &at, "none");
        for (int i = 0; outcome_names[i].name; i++)
            if (bits & POLICY_RETRY_BIT(outcome_names[i].value))
                if (append(buf, len, &at, "%s%s", at ? ", " : "", outcome_names[i].name) < 0)
                    return -1;
        return 0;
    }
    case KEY_SCHEDULE: {
        const arrivals_cfg_t *a = f;
        if (a->nsteps <= 0)
            return append(buf, len, &at, "none");
        for (int i = 0; i < a->nsteps && i < ARRIVALS_MAX_STEPS; i++) {
            char t[32], r[32];
            simtime_format(a->steps[i].t, t, sizeof t);
            fmt_double(a->steps[i].rate, r, sizeof r);
            if (append(buf, len, &at, "%s%s:%s", i ? ", " : "", t, r) < 0)
                return -1;
        }
        return 0;
    }
    case KEY_OUTAGES: {
        const server_cfg_t *s = f;
        if (s->noutages <= 0)
            return append(buf, len, &at, "none");
        for (int i = 0; i < s->noutages && i < SERVER_MAX_OUTAGES; i++) {
            const outage_t *o = &s->outages[i];
            char a[32], b[32], fr[32];
            const char *kind = ename_of(outage_kinds, (int)o->kind);
            simtime_format(o->start, a, sizeof a);
            simtime_format(o->end, b, sizeof b);
            fmt_double(o->fraction, fr, sizeof fr);
            if (append(buf, len, &at, "%s%s-%s %s%s%s", i ? ", " : "", a, b, kind ? kind : "?",
                       o->kind == OUTAGE_CAPACITY ? " " : "", o->kind == OUTAGE_CAPACITY ? fr : "") < 0)
                return -1;
        }
        return 0;
    }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

/* Feeds inih one line per call and remembers where that line is. */
typedef struct {
    const char *p, *end;   /* the unread rest of the text */
    int line;              /* number of the line last handed to inih */
    const char *cur;       /* its start in the text */
    size_t cur_len;        /* its length without the newline */
    int long_line;         /* first line longer than inih's buffer; 0 if none */
    int long_max;          /* that buffer's limit in characters */
    int bracket_line;      /* last line whose first non-blank character is '[' */
    int bracket_before;    /* the one before it */
} reader_t;

typedef struct {
    cfg_doc_t *d;
    reader_t r;
    int err_line;          /* line of the first error the handler found; 0 if none */
    char msg[512];         /* that error, complete */
    int last;              /* index of the entry the previous handler call touched; -1 */
} load_t;

static char *reader(char *str, int num, void *stream)
{
    reader_t *r = stream;
    if (r->p >= r->end || num < 3)
        return NULL;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    const char *eol = nl ? nl : r->end;
    size_t n = (size_t)(eol - r->p);
    size_t room = (size_t)num - 2; /* room for "\n\0" as fgets would leave */
    r->line++;
    r->cur = r->p;
    r->cur_len = n;
    if (n > room) {
        if (!r->long_line) {
            r->long_line = r->line;
            r->long_max = (int)room;
        }
        n = room;
    }
    memcpy(str, r->p, n);
    str[n] = '\n';
    str[n + 1] = 0;
    r->p = nl ? nl + 1 : r->end;

    const char *q = r->cur, *qe = r->cur + r->cur_len;
    if (r->line == 1 && qe - q >= 3 && !memcmp(q, "\xEF\xBB\xBF", 3))
        q += 3; /* UTF-8 byte order mark, which inih skips too */
    while (q < qe && (*q == ' ' || *q == '\t'))
        q++;
    if (q < qe && *q == '[') {
        r->bracket_before = r->bracket_line;
        r->bracket_line = r->line;
    }
    return str;
}

static int doc_reserve(cfg_doc_t *d)
{
    if (d->n < d->cap)
        return 0;
    int cap = d->cap ? 2 * d->cap : 32;
    cfg_entry_t *e = realloc(d->entries, (size_t)cap * sizeof *e);
    if (!e)
        return -1;
    d->entries = e;
    d->cap = cap;
    return 0;
}

static int doc_find_index(const cfg_doc_t *d, const char *section, const char *key)
{
    for (int i = d->n - 1; i >= 0; i--)
        if (!strcmp(d->entries[i].section, section) && !strcmp(d->entries[i].key, key))
            return i;
    return -1;
}

static int doc_add(cfg_doc_t *d, const char *section, const char *key, const char *value, const char *file,
                   int line, int section_line)
{
    if (doc_reserve(d) < 0)
        return -1;
    cfg_entry_t *e = &d->entries[d->n];
    e->section = strdup(section);
    e->key = strdup(key);
    e->value = strdup(value);
    if (!e->section || !e->key || !e->value) {
        free(e->section), free(e->key), free(e->value);
        return -1;
    }
    e->file = file;
    e->line = line;
    e->section_line = section_line;
    d->n++;
    return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    load_t *L = user;
    cfg_doc_t *d = L->d;
    if (L->err_line)
        return 1; /* only the first error is reported; inih goes on to the end */
    int line = L->r.line;
    const char *file = d->path;
    int indented = L->r.cur_len > 0 && (L->r.cur[0] == ' ' || L->r.cur[0] == '\t');

    /* inih calls us again with the same name for an indented line that
     * follows a key (a continuation), unless a [section] header came in
     * between. Such a line is never a key or a header, even if it looks like
     * one: say so rather than let "  burst = 3" become part of a value. */
    int header = L->r.bracket_line == line ? L->r.bracket_before : L->r.bracket_line;
    if (indented && L->last >= 0) {
        cfg_entry_t *prev = &d->entries[L->last];
        if (!strcmp(prev->section, section) && !strcmp(prev->key, name) && header < prev->line) {
            /* inih (r55) leaves inline comments in continuation lines: cut
             * at a ';' that starts the text or follows a blank, as it does
             * for the first line. */
            size_t b = strlen(value);
            for (size_t i = 0; i < b; i++)
                if (value[i] == ';' && (i == 0 || isspace((unsigned char)value[i - 1]))) {
                    b = i;
                    break;
                }
            while (b > 0 && isspace((unsigned char)value[b - 1]))
                b--;
            if (memchr(value, '=', b) || value[0] == '[') {
                L->err_line = line;
                snprintf(L->msg, sizeof L->msg,
                         "%s:%d: [%s] %s: this indented line is read as a continuation of the value on line %d; "
                         "remove its indentation",
                         file, line, section, name, prev->line);
                return 1;
            }
            if (b == 0)
                return 1;
            size_t a = strlen(prev->value);
            char *nv = realloc(prev->value, a + b + 2);
            if (!nv)
                goto oom;
            nv[a] = ' ';
            memcpy(nv + a + 1, value, b);
            nv[a + 1 + b] = 0;
            prev->value = nv;
            return 1;
        }
    }

    int dup = doc_find_index(d, section, name);
    if (dup >= 0) {
        L->err_line = line;
        snprintf(L->msg, sizeof L->msg, "%s:%d: [%s] %s: duplicate key (first set on line %d)", file, line,
                 section, name, d->entries[dup].line);
        return 1;
    }
    /* The header of this section: the nearest '[' line above the section's
     * first key (the same as the previous entry's within a section). */
    int section_line = 0;
    if (*section) {
        if (L->last >= 0 && !strcmp(d->entries[L->last].section, section) &&
            L->r.bracket_line <= d->entries[L->last].line)
            section_line = d->entries[L->last].section_line;
        else
            section_line = L->r.bracket_line;
    }
    if (doc_add(d, section, name, value, file, line, section_line) < 0)
        goto oom;
    L->last = d->n - 1;
    return 1;
oom:
    L->err_line = line;
    snprintf(L->msg, sizeof L->msg, "%s:%d: out of memory", file, line);
    return 1;
}

/* Copy of line `line` (1-based) of the text, shortened for a message. */
static void line_text(const cfg_doc_t *d, int line, char *buf, size_t len)
{
    const char *p = d->text, *end = d->text + d->text_len;
    for (int i = 1; i < line && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *e = nl ? nl : end;
    p = trim(p, &e);
    int n = (int)(e - p);
    snprintf(buf, len, "%.*s%s", n > 60 ? 60 : n, p, n > 60 ? "..." : "");
}

/* Parse d->text into entries; d->path and d->text are set. */
static int doc_parse(cfg_doc_t *d, char *err, size_t errlen)
{
    if (memchr(d->text, 0, d->text_len))
        return cfg_seterr(err, errlen, "%s: contains a NUL byte; not a text file", d->path);
    load_t L;
    memset(&L, 0, sizeof L);
    L.d = d;
    L.last = -1;
    L.r.p = d->text;
    L.r.end = d->text + d->text_len;
    int rc = ini_parse_stream(reader, &L.r, handler, &L);
    if (rc < 0)
        return cfg_seterr(err, errlen, "%s: the INI parser failed (%d)", d->path, rc);
    /* Report the earliest of: a syntax error (inih), an over-long line, a
     * handler error (duplicate key, bad continuation). */
    int first = 0;
    if (rc > 0)
        first = rc;
    if (L.r.long_line && (!first || L.r.long_line <= first))
        first = L.r.long_line;
    if (L.err_line && (!first || L.err_line < first))
        first = L.err_line;
    if (!first)
        return 0;
    if (first == L.r.long_line)
        return cfg_seterr(err, errlen,
                      "%s:%d: line longer than %d characters; split a long list over indented continuation lines",
                      d->path, first, L.r.long_max);
    if (first == L.err_line)
        return cfg_seterr(err, errlen, "%s", L.msg);
    char txt[80];
    line_text(d, first, txt, sizeof txt);
    return cfg_seterr(err, errlen, "%s:%d: syntax error: expected 'key = value' or '[section]', not '%s'", d->path,
                  first, txt);
}

void cfg_doc_free(cfg_doc_t *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n; i++) {
        free(d->entries[i].section);
        free(d->entries[i].key);
        free(d->entries[i].value);
    }
    free(d->entries);
    free(d->path);
    free(d->text);
    memset(d, 0, sizeof *d);
}

int cfg_doc_take_section(cfg_doc_t *d, const char *section, cfg_doc_t *out)
{
    int n = 0, kept = 0;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < d->n; i++)
        n += strcmp(d->entries[i].section, section) == 0;
    if (n == 0)
        return 0;
    out->entries = calloc((size_t)n, sizeof *out->entries);
    out->path = d->path ? cfg_strndup(d->path, strlen(d->path)) : NULL;
    if (!out->entries || (d->path && !out->path)) {
        cfg_doc_free(out);
        return -1;
    }
    out->cap = n;
    for (int i = 0; i < d->n; i++) {
        cfg_entry_t e = d->entries[i];
        if (strcmp(e.section, section) == 0) {
            if (e.file == d->path)
                e.file = out->path; /* the entry's file name lives in its document */
            out->entries[out->n++] = e;
        } else {
            d->entries[kept++] = e;
        }
    }
    d->n = kept;
    return n;
}

/* Take ownership of text (len bytes plus a terminating NUL) and parse it. */
static int doc_load_text(cfg_doc_t *d, const char *name, int from_file, char *text, size_t len, char *err,
                         size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->text = text;
    d->text_len = len;
    d->from_file = from_file;
    d->path = strdup(name ? name : "(string)");
    if (!d->path) {
        cfg_doc_free(d);
        return cfg_seterr(err, errlen, "%s: out of memory", name ? name : "(string)");
    }
    if (doc_parse(d, err, errlen) < 0) {
        cfg_doc_free(d);
        return -1;
    }
    return 0;
}

int cfg_doc_load(cfg_doc_t *d, const char *path, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "rb");
    if (!f)
        return cfg_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    int nul = 0, big = 0;
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        nul = memchr(buf + n, 0, got) != NULL;
        n += got;
        big = n > CFG_MAX_FILE_BYTES;
        if (n < cap || nul || big)
            break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int rerr = ferror(f) ? errno : 0;
    fclose(f);
    if (!buf)
        return cfg_seterr(err, errlen, "%s: out of memory", path);
    if (rerr) {
        free(buf);
        return cfg_seterr(err, errlen, "%s: cannot read: %s", path, strerror(rerr));
    }
    if (nul || big) {
        free(buf);
        if (nul)
            return cfg_seterr(err, errlen, "%s: contains a NUL byte; not a text file", path);
        return cfg_seterr(err, errlen, "%s: larger than %zu MiB; not a configuration file", path,
                          CFG_MAX_FILE_BYTES >> 20);
    }
    buf[n] = 0;
    return doc_load_text(d, path, 1, buf, n, err, errlen);
}

int cfg_doc_load_string(cfg_doc_t *d, const char *name, const char *text, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    size_t n = text ? strlen(text) : 0;
    char *copy = cfg_strndup(text ? text : "", n);
    if (!copy)
        return cfg_seterr(err, errlen, "%s: out of memory", name ? name : "(string)");
    return doc_load_text(d, name, 0, copy, n, err, errlen);
}

int cfg_doc_set(cfg_doc_t *d, const char *assignment, char *err, size_t errlen)
{
    static const char *const usage = "expected section.key=value, e.g. retry.base=200ms";
    const char *eq = assignment ? strchr(assignment, '=') : NULL;
    if (!eq)
        return cfg_seterr(err, errlen, "--set '%s': %s", assignment ? assignment : "", usage);
    const char *ke = eq, *ks = trim(assignment, &ke);
    const char *dot = memchr(ks, '.', (size_t)(ke - ks));
    if (!dot || dot == ks || dot + 1 >= ke)
        return cfg_seterr(err, errlen, "--set '%s': %s", assignment, usage);
    const char *ve = eq + 1 + strlen(eq + 1), *vs = trim(eq + 1, &ve);
    char *section = cfg_strndup(ks, (size_t)(dot - ks));
    char *key = cfg_strndup(dot + 1, (size_t)(ke - dot - 1));
    char *value = cfg_strndup(vs, (size_t)(ve - vs));
    int rc = 0;
    if (!section || !key || !value) {
        rc = cfg_seterr(err, errlen, "--set '%s': out of memory", assignment);
    } else {
        for (const char *q = key; *q && rc == 0; q++)
            if (isspace((unsigned char)*q))
                rc = cfg_seterr(err, errlen, "--set '%s': %s", assignment, usage);
        if (rc == 0) {
            int i = doc_find_index(d, section, key);
            if (i >= 0) {
                cfg_entry_t *e = &d->entries[i];
                free(e->value);
                e->value = value;
                value = NULL;
                e->file = CFG_SET_FILE;
                e->line = 0;
                e->section_line = 0;
            } else if (doc_add(d, section, key, value, CFG_SET_FILE, 0, 0) < 0) {
                rc = cfg_seterr(err, errlen, "--set '%s': out of memory", assignment);
            }
        }
    }
    free(section);
    free(key);
    free(value);
    return rc;
}

const cfg_entry_t *cfg_doc_find(const cfg_doc_t *d, const char *section, const char *key)
{
    int i = doc_find_index(d, section, key);
    return i >= 0 ? &d->entries[i] : NULL;
}

/* ------------------------------------------------------------------ */
/* Apply                                                                */
/* ------------------------------------------------------------------ */

static const krow_t *find_key(const char *section, const char *name)
{
    table_init();
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

static int section_known(const char *s)
{
    table_init();
    for (size_t i = 0; i < NSECTIONS; i++)
        if (!strcmp(sections[i], s))
            return 1;
    return 0;
}

static void section_list(char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t i = 0; i < NSECTIONS; i++)
        if (append(buf, len, &at, "%s%s", i ? ", " : "", sections[i]) < 0)
            return;
}

static const char *doc_name(const cfg_doc_t *d)
{
    return d->path ? d->path : "config";
}

/* "FILE:LINE" of an entry, or "--set". */
static void where(const cfg_entry_t *e, char *buf, size_t len)
{
    if (e->line > 0)
        snprintf(buf, len, "%s:%d", e->file, e->line);
    else
        snprintf(buf, len, "%s", e->file);
}

/* An error about [section] key, located at entry e, or "(default)" when
 * the key's value was not set by the document (e == NULL). */
static int fail_at(const cfg_doc_t *d, const cfg_entry_t *e, const char *section, const char *key, const char *msg,
                   char *err, size_t errlen)
{
    if (!e)
        return cfg_seterr(err, errlen, "%s: [%s] %s (default): %s", doc_name(d), section, key, msg);
    char loc[300];
    where(e, loc, sizeof loc);
    return cfg_seterr(err, errlen, "%s: [%s] %s: %s", loc, section, key, msg);
}

static int unknown_key(const cfg_entry_t *e, char *err, size_t errlen)
{
    const char *names[MAX_KEYS];
    size_t n = 0;
    char list[512], loc[300];
    size_t at = 0;
    list[0] = 0;
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].section, e->section)) {
            names[n++] = keys[i].name;
            append(list, sizeof list, &at, "%s%s", at ? ", " : "", keys[i].name);
        }
    where(e, loc, sizeof loc);
    const char *near = closest(e->key, names, n);
    if (near)
        return cfg_seterr(err, errlen, "%s: [%s] %s: unknown key; did you mean %s?", loc, e->section, e->key, near);
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].name, e->key))
            return cfg_seterr(err, errlen, "%s: [%s] %s: unknown key; %s is a key of [%s]", loc, e->section, e->key,
                          e->key, keys[i].section);
    return cfg_seterr(err, errlen, "%s: [%s] %s: unknown key (keys of [%s]: %s)", loc, e->section, e->key, e->section,
                  list);
}

static int unknown_section(const cfg_entry_t *e, char *err, size_t errlen)
{
    char list[256], loc[300];
    section_list(list, sizeof list);
    if (e->line > 0)
        snprintf(loc, sizeof loc, "%s:%d", e->file, e->section_line > 0 ? e->section_line : e->line);
    else
        snprintf(loc, sizeof loc, "%s", e->file);
    const char *near = closest(e->section, sections, NSECTIONS);
    if (near)
        return cfg_seterr(err, errlen, "%s: unknown section [%s]; did you mean [%s]? (sections: %s)", loc, e->section,
                      near, list);
    return cfg_seterr(err, errlen, "%s: unknown section [%s] (sections: %s)", loc, e->section, list);
}

/* The run's horizon: duration + drain must be a time of the simulator's
 * clock (int64 ns), and its series ((duration + drain) / bucket buckets of
 * every counter, metrics_nseries() of them) must fit in STATS_SERIES_MAX_CELLS, which
 * stats_series_init refuses beyond. Blames the longer of the two. */
static int check_horizon(const cfg_doc_t *d, const run_cfg_t *c, char *err, size_t errlen)
{
    const run_params_t *r = &c->run;
    const char *key = r->drain > r->duration ? "drain" : "duration";
    const cfg_entry_t *e = cfg_doc_find(d, "run", key);
    char m[320], a[32], b[32], w[32];
    simtime_format(r->duration, a, sizeof a);
    simtime_format(r->drain, b, sizeof b);
    if (r->duration < 0 || r->drain < 0 || r->bucket <= 0)
        return 0; /* the single-key ranges refuse these */
    if (r->duration > INT64_MAX - r->drain) {
        snprintf(m, sizeof m, "duration + drain = %s + %s is beyond the simulator's clock (292 years)", a, b);
        return fail_at(d, e, "run", key, m, err, errlen);
    }
    int64_t horizon = r->duration + r->drain;
    int64_t buckets = horizon / r->bucket + (horizon % r->bucket != 0);
    int64_t most = STATS_SERIES_MAX_CELLS / metrics_nseries();
    if (buckets > most) {
        char h[32];
        simtime_format(horizon, h, sizeof h);
        simtime_format(r->bucket, w, sizeof w);
        snprintf(m, sizeof m,
                 "duration + drain = %s is %" PRId64 " buckets of %s; the series hold at most %" PRId64
                 " (shorten the run or widen run.bucket)",
                 h, buckets, w, most);
        return fail_at(d, e, "run", key, m, err, errlen);
    }
    return 0;
}

/* Cross-key checks that must point at one precise key. */
static int check_combinations(const cfg_doc_t *d, const run_cfg_t *c, char *err, size_t errlen)
{
    char m[256];
    if (check_horizon(d, c, err, errlen) < 0)
        return -1;
    if (c->retry_src.grpc_method[0] && !c->retry_src.grpc_service_config[0])
        return fail_at(d, cfg_doc_find(d, "retry", "grpc_method"), "retry", "grpc_method",
                       "names a method of a gRPC service config: set grpc_service_config too", err, errlen);
    const server_cfg_t *s = &c->server;
    double sum = s->error_500 + s->error_502 + s->error_drop;
    if (sum > 1 + 1e-9) {
        /* Blame the one of the three set last in the document. */
        static const char *const fr[] = {"error_500", "error_502", "error_drop"};
        const cfg_entry_t *blame = NULL;
        const char *bk = "error_drop";
        int bi = -1;
        for (int i = 0; i < 3; i++) {
            int j = doc_find_index(d, "server", fr[i]);
            if (j > bi)
                bi = j, bk = fr[i];
        }
        blame = bi >= 0 ? &d->entries[bi] : NULL;
        snprintf(m, sizeof m, "error_500 + error_502 + error_drop = %g is above 1", sum);
        return fail_at(d, blame, "server", bk, m, err, errlen);
    }

    const limiter_cfg_t *l = &c->limiter;
    const cfg_entry_t *burst = cfg_doc_find(d, "limiter", "burst");
    char bt[32];
    fmt_double(l->burst, bt, sizeof bt);
    if (l->kind == LIMITER_TOKEN_BUCKET && l->burst < 1) {
        snprintf(m, sizeof m, "%s is below the minimum 1 for kind = token_bucket (the bucket holds whole tokens)", bt);
        return fail_at(d, burst, "limiter", "burst", m, err, errlen);
    }
    if (l->kind == LIMITER_NGINX && l->burst != floor(l->burst)) {
        snprintf(m, sizeof m, "%s is not a whole number, as kind = nginx needs", bt);
        return fail_at(d, burst, "limiter", "burst", m, err, errlen);
    }

    const arrivals_cfg_t *a = &c->arrivals;
    const cfg_entry_t *kind = cfg_doc_find(d, "arrivals", "kind");
    if (a->kind == ARR_SCHEDULE) {
        const cfg_entry_t *sch = cfg_doc_find(d, "arrivals", "schedule");
        if (!sch)
            return fail_at(d, kind, "arrivals", "schedule",
                           "missing: required when kind = schedule (e.g. schedule = 0s:800, 60s:2000, 90s:800)",
                           err, errlen);
        if (a->nsteps < 1)
            return fail_at(d, sch, "arrivals", "schedule", "needs at least one time:rate step when kind = schedule",
                           err, errlen);
    }
    if (a->kind == ARR_TRACE && !a->trace_path[0]) {
        const cfg_entry_t *tr = cfg_doc_find(d, "arrivals", "trace");
        return fail_at(d, tr ? tr : kind, "arrivals", "trace",
                       tr ? "must name a file when kind = trace" : "missing: required when kind = trace (a file path)",
                       err, errlen);
    }
    return 0;
}

/* The experiment name a file implies: its base name without ".ini". */
static int default_experiment(const cfg_doc_t *d, run_cfg_t *c, char *err, size_t errlen)
{
    if (!d->from_file || !d->path)
        return 0;
    const char *b = strrchr(d->path, '/');
    b = b ? b + 1 : d->path;
    size_t n = strlen(b);
    if (n > 4 && !strcmp(b + n - 4, ".ini"))
        n -= 4;
    if (n >= sizeof c->output.experiment)
        return cfg_seterr(err, errlen, "%s: the file name is too long for an experiment name (%zu characters at most); "
                      "set [output] experiment",
                      d->path, sizeof c->output.experiment - 1);
    memcpy(c->output.experiment, b, n);
    c->output.experiment[n] = 0;
    return 0;
}

int cfg_defaults(run_cfg_t *c, char *err, size_t errlen)
{
    /* Zero first so that padding and unused array slots are deterministic
     * (run records and memcmp-based comparisons). */
    memset(c, 0, sizeof *c);
    table_init();
    if (table_overflow)
        return cfg_seterr(err, errlen, "internal error: more than %d keys or %d sections", MAX_KEYS, MAX_SECTIONS);
    if (model_cfg_bytes() > sizeof c->ext)
        return cfg_seterr(err, errlen, "internal error: the models' configurations take %zu bytes, more than "
                                       "run_cfg_t.ext holds (%zu)",
                          model_cfg_bytes(), sizeof c->ext);
    char m[256];
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].def && parse_value(&keys[i], keys[i].def, c, m, sizeof m) < 0)
            return cfg_seterr(err, errlen, "internal error: [%s] %s: the default '%s': %s", keys[i].section,
                              keys[i].name, keys[i].def, m);
    return 0;
}

static const cfg_expander_t *expander_of(const cfg_entry_t *e)
{
    for (const cfg_expander_t *x = cfg_expanders; x->section; x++)
        if (!strcmp(x->section, e->section) && !strcmp(x->key, e->key))
            return x;
    return NULL;
}

/* Apply one expansion's entries. They name their origin ("preset grpc",
 * "svc.json: methodConfig[0]...") besides the key that expanded. */
static int apply_xlist(const cfg_entry_t *e, const cfg_xlist_t *l, run_cfg_t *out, char *err,
                       size_t errlen)
{
    char m[512], loc[300];
    for (int i = 0; i < l->n; i++) {
        const cfg_xentry_t *x = &l->e[i];
        const krow_t *k = find_key(x->section, x->key);
        where(e, loc, sizeof loc);
        if (!k)
            return cfg_seterr(err, errlen, "%s: [%s] %s: %s sets [%s] %s, which is not a key (internal error)", loc,
                              e->section, e->key, x->origin, x->section, x->key);
        if (parse_value(k, x->value, out, m, sizeof m) < 0)
            return cfg_seterr(err, errlen, "%s: [%s] %s: %s: [%s] %s = %s: %s", loc, e->section, e->key, x->origin,
                              x->section, x->key, x->value, m);
    }
    return 0;
}

/* Keys that stand for other keys (expand.h) are applied first, so every
 * key the document writes itself overrides what they supply. */
static int apply_expansions(const cfg_doc_t *d, run_cfg_t *out, char *err, size_t errlen)
{
    const cfg_entry_t *seen[8] = {0}; /* the expanding entry used, per section met */
    int nseen = 0;
    for (int i = 0; i < d->n; i++) {
        const cfg_entry_t *e = &d->entries[i];
        const cfg_expander_t *x = expander_of(e);
        if (!x || !*e->value) /* an empty value sets nothing (a run's parameters write it so) */
            continue;
        for (int j = 0; j < nseen; j++)
            if (!strcmp(seen[j]->section, e->section) && strcmp(seen[j]->key, e->key)) {
                char loc[300];
                where(e, loc, sizeof loc);
                return cfg_seterr(err, errlen, "%s: [%s] %s: [%s] %s is set too; each supplies the whole policy, "
                                               "set one of them",
                                  loc, e->section, e->key, seen[j]->section, seen[j]->key);
            }
        if (nseen < (int)(sizeof seen / sizeof seen[0]))
            seen[nseen++] = e;
        cfg_xlist_t l = {0};
        char m[512];
        int rc = x->fn(d, e, &l, m, sizeof m);
        if (rc < 0) {
            cfg_xlist_free(&l);
            return fail_at(d, e, e->section, e->key, m, err, errlen);
        }
        rc = apply_xlist(e, &l, out, err, errlen);
        cfg_xlist_free(&l);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int cfg_apply(const cfg_doc_t *d, run_cfg_t *out, char *err, size_t errlen)
{
    if (cfg_defaults(out, err, errlen) < 0)
        return -1;
    if (default_experiment(d, out, err, errlen) < 0)
        return -1;
    if (apply_expansions(d, out, err, errlen) < 0)
        return -1;
    char m[512];
    for (int i = 0; i < d->n; i++) {
        const cfg_entry_t *e = &d->entries[i];
        if (!*e->section) {
            char loc[300], list[256];
            where(e, loc, sizeof loc);
            section_list(list, sizeof list);
            return cfg_seterr(err, errlen, "%s: %s: key outside any section; put it under one of [%s]", loc, e->key,
                          list);
        }
        if (!section_known(e->section))
            return unknown_section(e, err, errlen);
        const krow_t *k = find_key(e->section, e->key);
        if (!k)
            return unknown_key(e, err, errlen);
        if (parse_value(k, e->value, out, m, sizeof m) < 0)
            return fail_at(d, e, e->section, e->key, m, err, errlen);
    }
    if (check_combinations(d, out, err, errlen) < 0)
        return -1;

    const char *blame = NULL;
    if (run_validate(out, &blame, m, sizeof m) < 0) {
        const char *dot = blame ? strchr(blame, '.') : NULL;
        if (!dot)
            return cfg_seterr(err, errlen, "%s: %s", doc_name(d), m);
        char section[32];
        snprintf(section, sizeof section, "%.*s", (int)(dot - blame), blame);
        return fail_at(d, cfg_doc_find(d, section, dot + 1), section, dot + 1, m, err, errlen);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Resolved parameters                                                  */
/* ------------------------------------------------------------------ */

/* Enough for the longest value: 64 schedule steps or 16 outages. */
#define VALUE_MAX 4096

int cfg_params(const run_cfg_t *c, rec_param_t **out, int *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    table_init();
    rec_param_t *p = calloc(NKEYS, sizeof *p);
    char *v = malloc(VALUE_MAX);
    if (!p || !v) {
        free(p);
        free(v);
        return cfg_seterr(err, errlen, "out of memory");
    }
    int k = 0;
    for (; k < (int)NKEYS; k++) {
        const krow_t *r = &keys[k];
        if (format_value(r, c, v, VALUE_MAX) < 0) {
            cfg_seterr(err, errlen, "[%s] %s: the value cannot be written as text", r->section, r->name);
            break;
        }
        /* key and value share one allocation: "section.key\0value\0" */
        size_t ls = strlen(r->section), lk = strlen(r->name), lv = strlen(v);
        char *s = malloc(ls + 1 + lk + 1 + lv + 1);
        if (!s) {
            cfg_seterr(err, errlen, "out of memory");
            break;
        }
        memcpy(s, r->section, ls);
        s[ls] = '.';
        memcpy(s + ls + 1, r->name, lk + 1);
        memcpy(s + ls + 1 + lk + 1, v, lv + 1);
        p[k].key = s;
        p[k].value = s + ls + 1 + lk + 1;
    }
    free(v);
    if (k < (int)NKEYS) {
        cfg_params_free(p, k);
        return -1;
    }
    *out = p;
    *n = k;
    return 0;
}

void cfg_params_free(rec_param_t *p, int n)
{
    if (!p)
        return;
    for (int i = 0; i < n; i++)
        free((char *)p[i].key); /* the value lives in the same block */
    free(p);
}

/* ------------------------------------------------------------------ */
/* Reference                                                            */
/* ------------------------------------------------------------------ */

static const char *type_name(key_type_t t)
{
    switch (t) {
    case KEY_DURATION: return "duration";
    case KEY_DOUBLE: return "number";
    case KEY_INT:
    case KEY_UINT: return "integer";
    case KEY_BOOL: return "bool";
    case KEY_ENUM: return "enum";
    case KEY_STATUS: return "status";
    case KEY_STRING: return "string";
    case KEY_GENERATOR: return "generator";
    case KEY_DIST: return "distribution";
    case KEY_QUEUE: return "integer";
    case KEY_RETRY_ON: return "outcome list";
    case KEY_SCHEDULE: return "schedule";
    case KEY_OUTAGES: return "outage list";
    case KEY_INT_LIST: return "integer list";
    case KEY_DURATION_LIST: return "duration list";
    case KEY_BOOL_LIST: return "bool list";
    }
    return "?";
}

static void range_text(const krow_t *k, char *buf, size_t len)
{
    char a[48], b[48], list[256];
    size_t at = 0;
    buf[0] = 0;
    krow_t e;
    if (list_elem(k, &e)) {
        /* each item's range, then the list's shape */
        range_text(&e, list, sizeof list);
        snprintf(buf, len, "each %s; item i for tier i, the last repeats", list);
        return;
    }
    switch (k->type) {
    case KEY_ENUM:
    case KEY_STATUS:
        join_enames(k->names, ", ", list, sizeof list);
        snprintf(buf, len, "%s", list);
        return;
    case KEY_BOOL:
        snprintf(buf, len, "true, false");
        return;
    case KEY_GENERATOR:
        snprintf(buf, len, "a GSL generator name");
        return;
    case KEY_DIST:
        snprintf(buf, len, "const(d), exp(mean), lognormal(mean, cv), normal(mean, sd), uniform(lo, hi)");
        return;
    case KEY_RETRY_ON:
        join_enames(outcome_names, ", ", list, sizeof list);
        snprintf(buf, len, "%s; all; none", list);
        return;
    case KEY_SCHEDULE:
        snprintf(buf, len, "time:rate, ...; first at 0s, ascending, at most %d steps", ARRIVALS_MAX_STEPS);
        return;
    case KEY_OUTAGES:
        snprintf(buf, len, "start-end reject, start-end drop, start-end capacity f; at most %d", SERVER_MAX_OUTAGES);
        return;
    case KEY_STRING:
        snprintf(buf, len, "%s%zu characters at most", (k->flags & KEY_F_NONEMPTY) ? "non-empty, " : "", k->size - 1);
        return;
    case KEY_DURATION:
    case KEY_DOUBLE:
    case KEY_INT:
    case KEY_UINT:
    case KEY_QUEUE:
    case KEY_INT_LIST:
    case KEY_DURATION_LIST:
    case KEY_BOOL_LIST:
        break;
    }
    fmt_bound(k, k->lo, a, sizeof a);
    fmt_bound(k, k->hi, b, sizeof b);
    int whole = k->type == KEY_INT || k->type == KEY_UINT || k->type == KEY_QUEUE;
    unsigned lo = k->flags & (KEY_R_LO | KEY_R_LOX), hi = k->flags & (KEY_R_HI | KEY_R_HIX);
    if (lo && hi && (whole || k->type == KEY_DURATION) && !(k->flags & (KEY_R_LOX | KEY_R_HIX)))
        append(buf, len, &at, "%s .. %s", a, b);
    else if (lo && hi)
        append(buf, len, &at, "%s%s, %s%s", (k->flags & KEY_R_LOX) ? "(" : "[", a, b, (k->flags & KEY_R_HIX) ? ")" : "]");
    else if (lo)
        append(buf, len, &at, "%s %s", (k->flags & KEY_R_LOX) ? ">" : ">=", a);
    else if (hi)
        append(buf, len, &at, "%s %s", (k->flags & KEY_R_HIX) ? "<" : "<=", b);
    else if (k->type == KEY_DURATION || k->type == KEY_UINT)
        append(buf, len, &at, ">= 0");
    else
        append(buf, len, &at, "any");
    if (k->type == KEY_QUEUE || (k->flags & KEY_F_UNLIMITED))
        append(buf, len, &at, ", or unlimited");
}

static const char *default_text(const krow_t *k)
{
    if (!k->def)
        return "(none)";
    return *k->def ? k->def : "(empty)";
}

/* A Markdown table cell: '|' escaped, so enum lists cannot break the table. */
static void md_cell(FILE *f, const char *s, int code)
{
    int tick = code && *s;
    fputs(tick ? " `" : " ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputs(tick ? "` |" : " |", f);
}

void cfg_print_reference(FILE *f, int markdown)
{
    table_init();
    char range[512];
    for (size_t s = 0; s < NSECTIONS; s++) {
        if (markdown)
            fprintf(f, "%s### [%s]\n\n| key | type | unit | default | range | description |\n"
                       "|---|---|---|---|---|---|\n",
                    s ? "\n" : "", sections[s]);
        else
            fprintf(f, "%s[%s]\n", s ? "\n" : "", sections[s]);
        for (size_t i = 0; i < NKEYS; i++) {
            const krow_t *k = &keys[i];
            if (strcmp(k->section, sections[s]) != 0)
                continue;
            range_text(k, range, sizeof range);
            if (markdown) {
                fputc('|', f);
                md_cell(f, k->name, 1);
                md_cell(f, type_name(k->type), 0);
                md_cell(f, k->unit, 0);
                md_cell(f, default_text(k), k->def && *k->def);
                md_cell(f, range, 0);
                md_cell(f, k->help, 0);
                fputc('\n', f);
            } else {
                fprintf(f, "  %-19s %-12s %-10s default %s\n", k->name, type_name(k->type), k->unit,
                        default_text(k));
                fprintf(f, "      %s\n      range: %s\n", k->help, range);
            }
        }
    }
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cfg_print_reference_json(FILE *f)
{
    table_init();
    char range[512];
    fputs("[", f);
    for (size_t i = 0; i < NKEYS; i++) {
        const krow_t *k = &keys[i];
        range_text(k, range, sizeof range);
        fputs(i ? ",\n {\"section\": " : "\n {\"section\": ", f);
        json_string(f, k->section);
        fputs(", \"key\": ", f);
        json_string(f, k->name);
        fputs(", \"type\": ", f);
        json_string(f, type_name(k->type));
        fputs(", \"unit\": ", f);
        json_string(f, k->unit);
        fputs(", \"default\": ", f);
        if (k->def)
            json_string(f, k->def);
        else
            fputs("null", f);
        fputs(", \"range\": ", f);
        json_string(f, range);
        fputs(", \"description\": ", f);
        json_string(f, k->help);
        fputs("}", f);
    }
    fputs("\n]\n", f);
}

void cfg_print_template(FILE *f)
{
    table_init();
    for (size_t s = 0; s < NSECTIONS; s++) {
        fprintf(f, "%s[%s]\n", s ? "\n" : "", sections[s]);
        for (size_t i = 0; i < NKEYS; i++) {
            const krow_t *k = &keys[i];
            if (strcmp(k->section, sections[s]) != 0)
                continue;
            fprintf(f, "; %s\n", k->help);
            /* An empty value would override what the key's absence means
             * (the experiment name from the file name), so leave it out. */
            if (k->def && *k->def)
                fprintf(f, "%s = %s\n", k->name, k->def);
            else
                fprintf(f, ";%s =\n", k->name);
        }
    }
}
