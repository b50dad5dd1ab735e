/*
 * clientconf: a gRPC service config or an Envoy route retry_policy as
 * retrysim keys (see clientconf.h). JSON is read with jansson; YAML with
 * libyaml, converted to the same JSON tree, so one mapping serves both.
 *
 * Sources of the rules:
 *   - gRPC: gRFC A6 "gRPC Retry Design" (grpc/proposal, A6-client-retries.md)
 *     and grpc-go v1.83.1 service_config.go: methodConfig entries with
 *     name [{service, method}], retryPolicy (maxAttempts > 1, clamped to 5;
 *     initialBackoff, maxBackoff > 0; backoffMultiplier > 0;
 *     retryableStatusCodes non-empty) or hedgingPolicy (maxAttempts,
 *     hedgingDelay, nonFatalStatusCodes), timeout; retryThrottling
 *     (maxTokens in (0, 1000], tokenRatio > 0). Durations are JSON strings
 *     of seconds with an "s" ("0.1s"). A method's config: the entry naming
 *     service and method, else the one naming the service alone, else the
 *     default (an empty name). The backoff is min(initial x multiplier^m,
 *     max) x U[0.8, 1.2) (docs/clients.md, section 4).
 *   - Envoy v1.37.0 api/envoy/config/route/v3/route_components.proto
 *     (RetryPolicy) and source/common/router/retry_state_impl.cc: retry_on
 *     tokens, num_retries (default 1), per_try_timeout, retry_back_off
 *     (base_interval, max_interval default 10 x base), whole-ms full jitter,
 *     rate_limited_retry_back_off (reset_headers, max_interval default
 *     300 s), retriable_status_codes; the route's timeout (default 15 s)
 *     and the cluster's circuit breaker (3 retries outstanding) apply too.
 *
 * retrysim's outcomes stand for gRPC status codes as grpc-go maps HTTP
 * statuses (internal/transport/http_util.go): 429, 502, 503, 504 and a
 * refused connection are UNAVAILABLE; a 429 from a gRPC limiter is also
 * RESOURCE_EXHAUSTED; an attempt timed out is DEADLINE_EXCEEDED; 500 is
 * INTERNAL or UNKNOWN; a 409 conflict is ABORTED. Codes retrysim's server
 * never answers (NOT_FOUND, ...) are valid and select no outcome.
 */
#include "clientconf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <yaml.h>

#define FILE_MAX (1 << 20) /* bytes: a client config is a few KB */
#define DEPTH_MAX 64       /* YAML nesting */

/* ---- reading ------------------------------------------------------------- */

int clientconf_resolve(const char *docfile, const char *value, char *out, size_t n)
{
    const char *slash = docfile ? strrchr(docfile, '/') : NULL;
    int len;
    if (value[0] == '/' || !slash)
        len = snprintf(out, n, "%s", value);
    else
        len = snprintf(out, n, "%.*s/%s", (int)(slash - docfile), docfile, value);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return NULL;
    }
    if (st.st_size > FILE_MAX) {
        snprintf(err, errlen, "%s: %lld bytes, more than a client config file may have (%d)", path,
                 (long long)st.st_size, FILE_MAX);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc((size_t)st.st_size + 1) : NULL;
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    if (f)
        fclose(f);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        snprintf(err, errlen, "%s: cannot read it", path);
        return NULL;
    }
    buf[got] = 0;
    *len = got;
    return buf;
}

/* ---- YAML to a JSON tree ------------------------------------------------- */

/* A plain (unquoted) YAML scalar as JSON: integers, reals, booleans and
 * null by YAML 1.2's core schema; anything else a string. */
static json_t *plain_scalar(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*end == 0 && errno == 0 && (isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+'))
        return json_integer(i);
    double d = strtod(s, &end);
    if (*end == 0 && isfinite(d) && (isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '+' || s[0] == '.'))
        return json_real(d);
    return json_string(s); /* NULL for text that is not UTF-8 */
}

typedef struct {
    yaml_parser_t p;
    const char *name;
    char *err;
    size_t errlen;
} yread_t;

static int yfail(yread_t *y, const yaml_event_t *ev, const char *what)
{
    snprintf(y->err, y->errlen, "%s:%lu: %s", y->name, ev ? (unsigned long)ev->start_mark.line + 1 : 0UL, what);
    return -1;
}

static json_t *ynode(yread_t *y, yaml_event_t *ev, int depth);

/* The next event into *ev; -1 with the parser's message. */
static int ynext(yread_t *y, yaml_event_t *ev)
{
    if (yaml_parser_parse(&y->p, ev))
        return 0;
    snprintf(y->err, y->errlen, "%s:%lu: YAML: %s", y->name, (unsigned long)y->p.problem_mark.line + 1,
             y->p.problem ? y->p.problem : "syntax error");
    return -1;
}

static json_t *ycontainer(yread_t *y, int mapping, int depth)
{
    json_t *c = mapping ? json_object() : json_array();
    for (;;) {
        yaml_event_t ev;
        if (ynext(y, &ev) < 0)
            goto fail;
        if (ev.type == (mapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
            yaml_event_delete(&ev);
            return c;
        }
        if (!mapping) {
            json_t *v = ynode(y, &ev, depth + 1);
            yaml_event_delete(&ev);
            if (!v || json_array_append_new(c, v) < 0)
                goto fail;
            continue;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            yfail(y, &ev, "a mapping key must be a plain name");
            yaml_event_delete(&ev);
            goto fail;
        }
        char *key = strdup((const char *)ev.data.scalar.value);
        int dup = key && json_object_get(c, key) != NULL;
        if (dup)
            yfail(y, &ev, "a key appears twice in one mapping");
        yaml_event_delete(&ev);
        if (!key || dup || ynext(y, &ev) < 0) {
            free(key);
            goto fail;
        }
        json_t *v = ynode(y, &ev, depth + 1);
        yaml_event_delete(&ev);
        int rc = v ? json_object_set_new(c, key, v) : -1;
        free(key);
        if (rc < 0)
            goto fail;
    }
fail:
    json_decref(c);
    return NULL;
}

static json_t *ynode(yread_t *y, yaml_event_t *ev, int depth)
{
    if (depth > DEPTH_MAX) {
        yfail(y, ev, "nested too deeply");
        return NULL;
    }
    switch (ev->type) {
    case YAML_SCALAR_EVENT: {
        const char *s = (const char *)ev->data.scalar.value;
        if (strlen(s) != ev->data.scalar.length) {
            yfail(y, ev, "a NUL byte in a value");
            return NULL;
        }
        json_t *j = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? plain_scalar(s) : json_string(s);
        if (!j)
            yfail(y, ev, "a value that is not UTF-8 text");
        return j;
    }
    case YAML_SEQUENCE_START_EVENT:
        return ycontainer(y, 0, depth);
    case YAML_MAPPING_START_EVENT:
        return ycontainer(y, 1, depth);
    case YAML_ALIAS_EVENT:
        yfail(y, ev, "YAML aliases (*name) are not supported");
        return NULL;
    default:
        yfail(y, ev, "unexpected YAML content");
        return NULL;
    }
}

static json_t *yaml_tree(const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    yread_t y = {.name = name, .err = err, .errlen = errlen};
    err[0] = 0;
    if (!yaml_parser_initialize(&y.p)) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, len);
    json_t *root = NULL;
    yaml_event_t ev;
    int state = 0; /* 0: before the document's node, 1: after it */
    for (;;) {
        if (ynext(&y, &ev) < 0)
            break;
        yaml_event_type_t t = ev.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            if (!root)
                snprintf(err, errlen, "%s: empty", name);
            yaml_parser_delete(&y.p);
            return root;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT || t == YAML_DOCUMENT_END_EVENT) {
            if (t == YAML_DOCUMENT_START_EVENT && root) {
                yfail(&y, &ev, "more than one YAML document");
                yaml_event_delete(&ev);
                break;
            }
            yaml_event_delete(&ev);
            continue;
        }
        if (state == 1) {
            yfail(&y, &ev, "unexpected YAML content");
            yaml_event_delete(&ev);
            break;
        }
        root = ynode(&y, &ev, 0);
        yaml_event_delete(&ev);
        if (!root)
            break;
        state = 1;
    }
    json_decref(root);
    yaml_parser_delete(&y.p);
    if (!err[0]) /* every message-less failure is an allocation */
        snprintf(err, errlen, "%s: out of memory", name);
    return NULL;
}

int clientconf_parse(const char *name, const char *text, size_t len, int yaml, clientconf_tree_t **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    if (memchr(text, 0, len)) {
        snprintf(err, errlen, "%s: a NUL byte in the file", name);
        return -1;
    }
    json_t *root;
    if (yaml) {
        root = yaml_tree(name, text, len, err, errlen);
    } else {
        json_error_t je;
        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!root)
            snprintf(err, errlen, "%s:%d: JSON: %s", name, je.line, je.text);
    }
    if (!root)
        return -1;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: the file must hold an object (a mapping)", name);
        json_decref(root);
        return -1;
    }
    *out = root;
    return 0;
}

void clientconf_free(clientconf_tree_t *t) { json_decref(t); }

/* ---- the mapping's helpers ------------------------------------------------- */

typedef struct {
    const char *name;  /* the file, for messages */
    cfg_xlist_t *out;
    char *err;
    size_t errlen;
} map_t;

static int fail(map_t *m, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(map_t *m, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(m->err, m->errlen, "%s: %s: %s", m->name, path, msg);
    return -1;
}

static int set(map_t *m, const char *path, const char *section, const char *key, const char *value)
{
    char origin[600];
    snprintf(origin, sizeof origin, "%s: %s", m->name, path);
    if (cfg_xlist_add(m->out, section, key, value, origin) < 0) {
        snprintf(m->err, m->errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Refuse any member of obj not in the NULL-terminated list allowed. */
static int only(map_t *m, const char *path, json_t *obj, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, k);
        if (!ok) {
            char p[512];
            snprintf(p, sizeof p, "%s%s%s", path, *path ? "." : "", k);
            return fail(m, p, "retrysim does not model this field (it is not ignored: remove it, or model it)");
        }
    }
    return 0;
}

static void join(char *buf, size_t n, const char *path, const char *field)
{
    snprintf(buf, n, "%s%s%s", path, *path ? "." : "", field);
}

/* A protobuf JSON duration ("0.1s", up to 9 decimals, >= 0) at obj.field
 * into text retrysim parses; -1 if absent (with required, an error). */
static int duration(map_t *m, const char *path, json_t *obj, const char *field, int required, char *out, size_t n)
{
    char p[512];
    join(p, sizeof p, path, field);
    json_t *v = json_object_get(obj, field);
    if (!v) {
        if (required)
            return fail(m, p, "missing (a duration such as \"0.1s\")");
        return 1;
    }
    const char *s = json_string_value(v);
    size_t len = s ? strlen(s) : 0;
    size_t i = 0, dot = 0, digits = 0, decimals = 0;
    for (; s && i + 1 < len; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
        } else if (isdigit((unsigned char)s[i])) {
            digits++;
            decimals += dot;
        } else {
            break;
        }
    }
    if (!s || len < 2 || s[len - 1] != 's' || i + 1 != len || !digits || decimals > 9 || len > 40)
        return fail(m, p, "'%s' is not a duration: seconds with an s, e.g. \"0.1s\" or \"2s\"",
                    s ? s : json_is_number(v) ? "(a number)" : "(not a string)");
    snprintf(out, n, "%s", s);
    return 0;
}

/* A positive integer at obj.field; 1 if absent and not required. */
static int integer(map_t *m, const char *path, json_t *obj, const char *field, int required, long long lo, long long hi,
                   long long *out)
{
    char p[512];
    join(p, sizeof p, path, field);
    json_t *v = json_object_get(obj, field);
    if (!v) {
        if (required)
            return fail(m, p, "missing");
        return 1;
    }
    /* protobuf JSON also writes 64-bit integers as strings */
    long long x;
    char *end = NULL;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_string(v) && *json_string_value(v)) {
        errno = 0;
        x = strtoll(json_string_value(v), &end, 10);
        if (*end || errno)
            return fail(m, p, "'%s' is not an integer", json_string_value(v));
    } else {
        return fail(m, p, "not an integer");
    }
    if (x < lo || x > hi)
        return fail(m, p, "%lld is out of range [%lld, %lld]", x, lo, hi);
    *out = x;
    return 0;
}

static int number(map_t *m, const char *path, json_t *obj, const char *field, double *out)
{
    char p[512];
    join(p, sizeof p, path, field);
    json_t *v = json_object_get(obj, field);
    if (!v)
        return fail(m, p, "missing");
    if (!json_is_number(v))
        return fail(m, p, "not a number");
    *out = json_number_value(v);
    return 0;
}

/* ---- outcomes ------------------------------------------------------------ */

/* retrysim's outcomes that a gRPC status code stands for (see the top). */
typedef struct {
    const char *name;
    int code;
    const char *outcomes; /* comma list, "" = retrysim never produces it */
} grpc_code_t;

static const grpc_code_t grpc_codes[] = {
    {"OK", 0, ""},
    {"CANCELLED", 1, ""},
    {"UNKNOWN", 2, "500"},
    {"INVALID_ARGUMENT", 3, ""},
    {"DEADLINE_EXCEEDED", 4, "timeout"},
    {"NOT_FOUND", 5, ""},
    {"ALREADY_EXISTS", 6, ""},
    {"PERMISSION_DENIED", 7, ""},
    {"RESOURCE_EXHAUSTED", 8, "429"},
    {"FAILED_PRECONDITION", 9, ""},
    {"ABORTED", 10, "409"},
    {"OUT_OF_RANGE", 11, ""},
    {"UNIMPLEMENTED", 12, ""},
    {"INTERNAL", 13, "500"},
    {"UNAVAILABLE", 14, "429, 502, 503, 504, connection"},
    {"DATA_LOSS", 15, ""},
    {"UNAUTHENTICATED", 16, ""},
};
#define NCODES (sizeof grpc_codes / sizeof grpc_codes[0])

/* Add each item of the comma list src to the set dst (a comma list). */
static void add_outcomes(char *dst, size_t n, const char *src)
{
    char buf[64];
    const char *p = src;
    while (*p) {
        size_t k = strcspn(p, ",");
        snprintf(buf, sizeof buf, "%.*s", (int)k, p);
        char *b = buf;
        while (*b == ' ')
            b++;
        int have = 0;
        for (const char *q = dst; *q && !have;) {
            size_t j = strcspn(q, ",");
            const char *r = q;
            while (*r == ' ')
                r++, j--;
            have = strlen(b) == j && !strncmp(r, b, j);
            q = r + j + (r[j] == ',');
        }
        if (*b && !have)
            snprintf(dst + strlen(dst), n - strlen(dst), "%s%s", *dst ? ", " : "", b);
        p += k + (p[k] == ',');
    }
}

/* A list of gRPC status codes (names in any case, or numbers) at path as
 * retrysim's outcomes; an empty result is "none". */
static int grpc_outcomes(map_t *m, const char *path, json_t *arr, int nonempty, char *out, size_t n)
{
    if (!json_is_array(arr) || (nonempty && json_array_size(arr) == 0))
        return fail(m, path, nonempty ? "must be a non-empty list of status codes" : "must be a list of status codes");
    out[0] = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        const grpc_code_t *c = NULL;
        for (size_t k = 0; k < NCODES && !c; k++) {
            if (json_is_integer(v) ? json_integer_value(v) == grpc_codes[k].code
                                   : json_is_string(v) && !strcasecmp(json_string_value(v), grpc_codes[k].name))
                c = &grpc_codes[k];
        }
        if (!c) {
            char p[512];
            snprintf(p, sizeof p, "%s[%zu]", path, i);
            return fail(m, p, "not a gRPC status code (a name such as \"UNAVAILABLE\" or a number 0..16)");
        }
        add_outcomes(out, n, c->outcomes);
    }
    if (!out[0])
        snprintf(out, n, "none");
    return 0;
}

/* ---- gRPC service config ---------------------------------------------------- */

/* The [retry] keys a client file sets first, to "nothing" (as presets do). */
static int reset_retry(map_t *m)
{
    static const char *const keys[][2] = {
        {"attempt_timeout", "0"}, {"deadline", "0"}, {"ignore_deadline", "false"}, {"backoff", "exponential"},
        {"multiplier", "2"}, {"cap", "0"}, {"cap_schedule_only", "false"}, {"jitter", "none"},
        {"jitter_fraction", "0.2"}, {"granularity", "0"}, {"throttle_base", "0"},
        {"retry_on_with_retry_after", "none"}, {"retry_after", "ignore"}, {"retry_after_cap", "0"}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (set(m, "(defaults of a client file)", "retry", keys[i][0], keys[i][1]) < 0)
            return -1;
    return 0;
}

/* How well entry i's names match method "service/method" (or NULL: the
 * default): 3 exact, 2 service, 1 default entry, 0 none; -1 bad names. */
static int match(map_t *m, json_t *mc, size_t i, const char *method)
{
    char path[64];
    snprintf(path, sizeof path, "methodConfig[%zu].name", i);
    json_t *names = json_object_get(mc, "name");
    if (!names)
        return 0;
    if (!json_is_array(names))
        return fail(m, path, "must be a list of {service, method}");
    int best = 0;
    size_t k;
    json_t *nm;
    json_array_foreach(names, k, nm) {
        char p[96];
        snprintf(p, sizeof p, "%s[%zu]", path, k);
        static const char *const allowed[] = {"service", "method", NULL};
        if (!json_is_object(nm))
            return fail(m, p, "must be an object {service, method}");
        if (only(m, p, nm, allowed) < 0)
            return -1;
        const char *svc = json_string_value(json_object_get(nm, "service"));
        const char *meth = json_string_value(json_object_get(nm, "method"));
        if ((json_object_get(nm, "service") && !svc) || (json_object_get(nm, "method") && !meth))
            return fail(m, p, "service and method must be strings");
        if ((!svc || !*svc) && meth && *meth)
            return fail(m, p, "a method without a service");
        int score = 0;
        if (!svc || !*svc) {
            score = 1;
        } else if (method) {
            size_t sl = strlen(svc);
            const char *slash = strchr(method, '/');
            size_t ml = slash ? (size_t)(slash - method) : strlen(method);
            if (ml == sl && !strncmp(method, svc, sl))
                score = (!meth || !*meth) ? 2 : (slash && !strcmp(slash + 1, meth)) ? 3 : 0;
        }
        best = score > best ? score : best;
    }
    return best;
}

static int grpc_retry_policy(map_t *m, const char *path, json_t *rp)
{
    static const char *const allowed[] = {"maxAttempts", "initialBackoff", "maxBackoff", "backoffMultiplier",
                                          "retryableStatusCodes", NULL};
    if (!json_is_object(rp))
        return fail(m, path, "must be an object");
    if (only(m, path, rp, allowed) < 0)
        return -1;
    long long n;
    double mult;
    char init[48], max[48], p[512], codes[256], v[32];
    if (integer(m, path, rp, "maxAttempts", 1, 2, 1LL << 31, &n) < 0 ||
        duration(m, path, rp, "initialBackoff", 1, init, sizeof init) < 0 ||
        duration(m, path, rp, "maxBackoff", 1, max, sizeof max) < 0 ||
        number(m, path, rp, "backoffMultiplier", &mult) < 0)
        return -1;
    join(p, sizeof p, path, "backoffMultiplier");
    if (!(mult > 0))
        return fail(m, p, "must be above 0");
    if (strtod(init, NULL) <= 0 || strtod(max, NULL) <= 0) {
        join(p, sizeof p, path, strtod(init, NULL) <= 0 ? "initialBackoff" : "maxBackoff");
        return fail(m, p, "must be above 0");
    }
    join(p, sizeof p, path, "retryableStatusCodes");
    if (!json_object_get(rp, "retryableStatusCodes"))
        return fail(m, p, "missing");
    if (grpc_outcomes(m, p, json_object_get(rp, "retryableStatusCodes"), 1, codes, sizeof codes) < 0)
        return -1;
    /* grpc-go clamps maxAttempts to 5 (defaultMaxCallAttempts) */
    snprintf(v, sizeof v, "%lld", n > 5 ? 5 : n);
    char mv[32];
    snprintf(mv, sizeof mv, "%.17g", mult);
    char ap[512], ip[512], xp[512], mp[512];
    join(ap, sizeof ap, path, "maxAttempts");
    join(ip, sizeof ip, path, "initialBackoff");
    join(xp, sizeof xp, path, "maxBackoff");
    join(mp, sizeof mp, path, "backoffMultiplier");
    return set(m, ap, "retry", "max_attempts", v) < 0 || set(m, ip, "retry", "base", init) < 0 ||
                   set(m, xp, "retry", "cap", max) < 0 || set(m, mp, "retry", "multiplier", mv) < 0 ||
                   set(m, path, "retry", "cap_schedule_only", "true") < 0 ||
                   set(m, path, "retry", "jitter", "proportional") < 0 ||
                   set(m, path, "retry", "jitter_fraction", "0.2") < 0 || set(m, p, "retry", "retry_on", codes) < 0
               ? -1
               : 0;
}

static int grpc_hedging_policy(map_t *m, const char *path, json_t *hp)
{
    static const char *const allowed[] = {"maxAttempts", "hedgingDelay", "nonFatalStatusCodes", NULL};
    if (!json_is_object(hp))
        return fail(m, path, "must be an object");
    if (only(m, path, hp, allowed) < 0)
        return -1;
    long long n;
    char delay[48] = "0", p[512], codes[256] = "none", v[32];
    if (integer(m, path, hp, "maxAttempts", 1, 2, 1LL << 31, &n) < 0 ||
        duration(m, path, hp, "hedgingDelay", 0, delay, sizeof delay) < 0)
        return -1;
    join(p, sizeof p, path, "nonFatalStatusCodes");
    json_t *nf = json_object_get(hp, "nonFatalStatusCodes");
    if (nf && grpc_outcomes(m, p, nf, 0, codes, sizeof codes) < 0)
        return -1;
    snprintf(v, sizeof v, "%lld", n > 5 ? 5 : n);
    char ap[512], dp[512];
    join(ap, sizeof ap, path, "maxAttempts");
    join(dp, sizeof dp, path, "hedgingDelay");
    return set(m, path, "retry", "max_attempts", "1") < 0 || set(m, path, "retry", "retry_on", "none") < 0 ||
                   set(m, path, "hedging", "enabled", "true") < 0 || set(m, path, "hedging", "mode", "grpc") < 0 ||
                   set(m, ap, "hedging", "max_copies", v) < 0 || set(m, dp, "hedging", "delay", delay) < 0 ||
                   set(m, p, "hedging", "non_fatal", codes) < 0
               ? -1
               : 0;
}

static int grpc_throttling(map_t *m, json_t *rt)
{
    static const char *const allowed[] = {"maxTokens", "tokenRatio", NULL};
    const char *path = "retryThrottling";
    if (!json_is_object(rt))
        return fail(m, path, "must be an object");
    if (only(m, path, rt, allowed) < 0)
        return -1;
    double max, ratio;
    if (number(m, path, rt, "maxTokens", &max) < 0 || number(m, path, rt, "tokenRatio", &ratio) < 0)
        return -1;
    if (!(max > 0 && max <= 1000))
        return fail(m, "retryThrottling.maxTokens", "%g is out of range (0, 1000]", max);
    if (!(ratio > 0))
        return fail(m, "retryThrottling.tokenRatio", "must be above 0");
    char a[32], b[32];
    snprintf(a, sizeof a, "%.17g", max);
    snprintf(b, sizeof b, "%.17g", ratio);
    return set(m, path, "retry_quota", "kind", "grpc") < 0 || set(m, path, "retry_quota", "scope", "client") < 0 ||
                   set(m, "retryThrottling.maxTokens", "retry_quota", "max_tokens", a) < 0 ||
                   set(m, "retryThrottling.tokenRatio", "retry_quota", "token_ratio", b) < 0
               ? -1
               : 0;
}

int clientconf_grpc_map(const char *name, clientconf_tree_t *root, const char *method, cfg_xlist_t *out, char *err,
                        size_t errlen)
{
    map_t m = {name, out, err, errlen};
    static const char *const top[] = {"methodConfig", "retryThrottling", NULL};
    if (only(&m, "", root, top) < 0)
        return -1;
    json_t *mcs = json_object_get(root, "methodConfig");
    if (!mcs || !json_is_array(mcs) || json_array_size(mcs) == 0)
        return fail(&m, "methodConfig", "missing or empty: no method has a retry or hedging policy");
    /* the method's entry: the best match, which must be unique */
    long best = -1;
    int best_score = 0, ties = 0;
    for (size_t i = 0; i < json_array_size(mcs); i++) {
        char p[64];
        snprintf(p, sizeof p, "methodConfig[%zu]", i);
        json_t *mc = json_array_get(mcs, i);
        if (!json_is_object(mc))
            return fail(&m, p, "must be an object");
        int s = match(&m, mc, i, method);
        if (s < 0)
            return -1;
        if (s > best_score) {
            best = (long)i;
            best_score = s;
            ties = 0;
        } else if (s == best_score && s > 0) {
            ties++;
        }
    }
    if (best < 0 && !method && json_array_size(mcs) == 1)
        best = 0; /* one entry and no method named: that one */
    if (best < 0)
        return fail(&m, "methodConfig", method ? "no entry names %s, its service, or the default (an empty name)"
                                                : "several entries: set [retry] grpc_method = service/method%s",
                    method ? method : "");
    if (ties)
        return fail(&m, "methodConfig", "%d entries match %s equally", ties + 1, method ? method : "the default");
    char path[64];
    snprintf(path, sizeof path, "methodConfig[%ld]", best);
    json_t *mc = json_array_get(mcs, (size_t)best);
    static const char *const allowed[] = {"name", "retryPolicy", "hedgingPolicy", "timeout", NULL};
    if (only(&m, path, mc, allowed) < 0 || reset_retry(&m) < 0)
        return -1;
    json_t *rp = json_object_get(mc, "retryPolicy"), *hp = json_object_get(mc, "hedgingPolicy");
    char p[96], timeout[48];
    if (rp && hp)
        return fail(&m, path, "has both retryPolicy and hedgingPolicy (gRPC refuses that)");
    int rc = 0;
    if (rp) {
        snprintf(p, sizeof p, "%s.retryPolicy", path);
        rc = grpc_retry_policy(&m, p, rp);
    } else if (hp) {
        snprintf(p, sizeof p, "%s.hedgingPolicy", path);
        rc = grpc_hedging_policy(&m, p, hp);
    } else {
        rc = set(&m, path, "retry", "max_attempts", "1");
    }
    if (rc < 0)
        return -1;
    rc = duration(&m, path, mc, "timeout", 0, timeout, sizeof timeout);
    if (rc < 0)
        return -1;
    snprintf(p, sizeof p, "%s.timeout", path);
    if (rc == 0 && set(&m, p, "retry", "deadline", timeout) < 0)
        return -1;
    json_t *rt = json_object_get(root, "retryThrottling");
    if (rt)
        return grpc_throttling(&m, rt);
    return set(&m, "(no retryThrottling)", "retry_quota", "kind", "none");
}

/* ---- Envoy route retry_policy ------------------------------------------------ */

/* retry_on tokens (retry_state_impl.cc) as retrysim outcomes; with
 * retriable-status-codes the listed codes are added by the caller. */
typedef struct {
    const char *token, *outcomes;
} envoy_token_t;

static const envoy_token_t envoy_tokens[] = {
    {"5xx", "500, 502, 503, 504, timeout, connection"},
    {"gateway-error", "502, 503, 504, timeout, connection"},
    {"reset", "timeout, connection"},
    {"reset-before-request", "connection"},
    {"connect-failure", "connection"},
    {"refused-stream", "connection"},
    {"retriable-4xx", "409"},
    {"retriable-status-codes", ""},
    {"envoy-ratelimited", ""}, /* x-envoy-ratelimited: retrysim's server never sets it */
    {"http3-post-connect-failure", ""},
    {"cancelled", ""},
    {"deadline-exceeded", "timeout"},
    {"internal", "500"},
    {"resource-exhausted", "429"},
    {"unavailable", "429, 502, 503, 504, connection"},
};

static int envoy_retry_on(map_t *m, json_t *pol, char *out, size_t n, int *status_codes)
{
    json_t *v = json_object_get(pol, "retry_on");
    out[0] = 0;
    *status_codes = 0;
    if (!v)
        return fail(m, "retry_on", "missing (Envoy retries nothing without it)");
    if (!json_is_string(v))
        return fail(m, "retry_on", "must be a string of comma-separated conditions");
    const char *p = json_string_value(v);
    while (*p) {
        size_t k = strcspn(p, ",");
        char tok[64];
        const char *s = p;
        while (s < p + k && isspace((unsigned char)*s))
            s++;
        size_t len = (size_t)(p + k - s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        snprintf(tok, sizeof tok, "%.*s", (int)len, s);
        const envoy_token_t *t = NULL;
        for (size_t i = 0; i < sizeof envoy_tokens / sizeof envoy_tokens[0] && !t; i++)
            if (!strcmp(envoy_tokens[i].token, tok))
                t = &envoy_tokens[i];
        if (!t)
            return fail(m, "retry_on", "'%s' is not a retry condition retrysim models (5xx, gateway-error, reset, "
                                       "connect-failure, retriable-4xx, refused-stream, retriable-status-codes, ...)",
                        tok);
        *status_codes |= !strcmp(tok, "retriable-status-codes");
        add_outcomes(out, n, t->outcomes);
        p += k + (p[k] == ',');
    }
    return 0;
}

static int envoy_status_codes(map_t *m, json_t *pol, int wanted, char *out, size_t n)
{
    json_t *v = json_object_get(pol, "retriable_status_codes");
    if (!v)
        return wanted ? fail(m, "retriable_status_codes", "missing, while retry_on names retriable-status-codes") : 0;
    if (!json_is_array(v))
        return fail(m, "retriable_status_codes", "must be a list of HTTP status codes");
    size_t i;
    json_t *c;
    json_array_foreach(v, i, c) {
        char p[64];
        snprintf(p, sizeof p, "retriable_status_codes[%zu]", i);
        if (!json_is_integer(c) || json_integer_value(c) < 100 || json_integer_value(c) > 599)
            return fail(m, p, "not an HTTP status code");
        static const int producible[] = {409, 429, 500, 502, 503, 504};
        for (size_t k = 0; k < sizeof producible / sizeof producible[0]; k++)
            if (json_integer_value(c) == producible[k] && wanted) {
                char s[8];
                snprintf(s, sizeof s, "%d", producible[k]);
                add_outcomes(out, n, s);
            }
    }
    return 0;
}

static int envoy_back_off(map_t *m, json_t *pol, char *base, char *cap, size_t n)
{
    json_t *b = json_object_get(pol, "retry_back_off");
    snprintf(base, n, "25ms");
    snprintf(cap, n, "250ms");
    if (!b)
        return 0;
    static const char *const allowed[] = {"base_interval", "max_interval", NULL};
    if (!json_is_object(b))
        return fail(m, "retry_back_off", "must be an object");
    if (only(m, "retry_back_off", b, allowed) < 0 ||
        duration(m, "retry_back_off", b, "base_interval", 1, base, n) < 0)
        return -1;
    double bs = strtod(base, NULL);
    if (!(bs >= 0.001))
        return fail(m, "retry_back_off.base_interval", "must be at least 1 ms (Envoy's validation)");
    int rc = duration(m, "retry_back_off", b, "max_interval", 0, cap, n);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        snprintf(cap, n, "%.9gs", 10 * bs); /* Envoy: 10 x base_interval */
        return 0;
    }
    if (strtod(cap, NULL) < bs)
        return fail(m, "retry_back_off.max_interval", "is below base_interval");
    return 0;
}

/* rate_limited_retry_back_off: Envoy waits [I, 1.5 I) for a header value I
 * up to max_interval (larger values are discarded); retrysim honours the
 * server's Retry-After (its only rate-limit header) up to max_interval. */
static int envoy_rate_limited(map_t *m, json_t *pol)
{
    json_t *r = json_object_get(pol, "rate_limited_retry_back_off");
    if (!r)
        return 0;
    static const char *const allowed[] = {"reset_headers", "max_interval", NULL};
    const char *path = "rate_limited_retry_back_off";
    if (!json_is_object(r))
        return fail(m, path, "must be an object");
    if (only(m, path, r, allowed) < 0)
        return -1;
    json_t *hs = json_object_get(r, "reset_headers");
    if (!json_is_array(hs) || json_array_size(hs) == 0)
        return fail(m, "rate_limited_retry_back_off.reset_headers", "must be a non-empty list of {name, format}");
    size_t i;
    json_t *h;
    json_array_foreach(hs, i, h) {
        char p[96];
        snprintf(p, sizeof p, "rate_limited_retry_back_off.reset_headers[%zu]", i);
        static const char *const hk[] = {"name", "format", NULL};
        if (!json_is_object(h))
            return fail(m, p, "must be an object {name, format}");
        if (only(m, p, h, hk) < 0)
            return -1;
        const char *nm = json_string_value(json_object_get(h, "name"));
        const char *fm = json_string_value(json_object_get(h, "format"));
        if (!nm || !*nm)
            return fail(m, p, "name: missing");
        if (fm && strcmp(fm, "SECONDS") && strcmp(fm, "UNIX_TIMESTAMP"))
            return fail(m, p, "format: '%s' is not SECONDS or UNIX_TIMESTAMP", fm);
    }
    char max[48] = "300s";
    if (duration(m, path, r, "max_interval", 0, max, sizeof max) < 0)
        return -1;
    return set(m, path, "retry", "retry_after", "honour") < 0 ||
                   set(m, path, "retry", "retry_after_cap", max) < 0
               ? -1
               : 0;
}

int clientconf_envoy_map(const char *name, clientconf_tree_t *root, cfg_xlist_t *out, char *err, size_t errlen)
{
    map_t m = {name, out, err, errlen};
    /* a file may hold the policy itself or {retry_policy: {...}} */
    json_t *pol = root;
    if (json_object_size(root) == 1 && json_object_get(root, "retry_policy")) {
        pol = json_object_get(root, "retry_policy");
        if (!json_is_object(pol))
            return fail(&m, "retry_policy", "must be an object");
    }
    static const char *const allowed[] = {"retry_on",          "num_retries",           "per_try_timeout",
                                          "retry_back_off",    "rate_limited_retry_back_off",
                                          "retriable_status_codes", NULL};
    if (only(&m, "", pol, allowed) < 0 || reset_retry(&m) < 0)
        return -1;
    char on[256], base[48], cap[48], tmo[48], v[32];
    int codes;
    long long retries = 1;
    if (envoy_retry_on(&m, pol, on, sizeof on, &codes) < 0 || envoy_status_codes(&m, pol, codes, on, sizeof on) < 0 ||
        integer(&m, "", pol, "num_retries", 0, 0, 1000000, &retries) < 0 ||
        envoy_back_off(&m, pol, base, cap, sizeof base) < 0)
        return -1;
    int rc = duration(&m, "", pol, "per_try_timeout", 0, tmo, sizeof tmo);
    if (rc < 0)
        return -1;
    if (rc == 0 && set(&m, "per_try_timeout", "retry", "attempt_timeout", tmo) < 0)
        return -1;
    snprintf(v, sizeof v, "%lld", retries + 1 > 1000 ? 1000 : retries + 1);
    if (set(&m, "num_retries", "retry", "max_attempts", v) < 0 ||
        set(&m, "retry_on", "retry", "retry_on", on[0] ? on : "none") < 0 ||
        set(&m, "retry_back_off.base_interval", "retry", "base", base) < 0 ||
        set(&m, "retry_back_off.max_interval", "retry", "cap", cap) < 0 ||
        set(&m, "retry_back_off", "retry", "jitter", "full") < 0 ||
        set(&m, "retry_back_off", "retry", "granularity", "1ms") < 0 ||
        set(&m, "(the route's default timeout)", "retry", "deadline", "15s") < 0 ||
        set(&m, "(the cluster's default circuit breaker)", "retry_concurrency", "enabled", "true") < 0 ||
        set(&m, "(the cluster's default circuit breaker)", "retry_concurrency", "scope", "shared") < 0 ||
        set(&m, "(the cluster's default circuit breaker)", "retry_concurrency", "max_retries", "3") < 0 ||
        set(&m, "(the cluster's default circuit breaker)", "retry_concurrency", "budget_percent", "0") < 0)
        return -1;
    return envoy_rate_limited(&m, pol);
}

/* ---- the expanders ----------------------------------------------------------- */

static int is_yaml(const char *path, const char *text)
{
    size_t n = strlen(path);
    if (n > 5 && !strcmp(path + n - 5, ".json"))
        return 0;
    if ((n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml")))
        return 1;
    while (isspace((unsigned char)*text))
        text++;
    return *text != '{';
}

static clientconf_tree_t *load(const cfg_entry_t *e, int allow_yaml, char *path, size_t pn, char *err,
                               size_t errlen)
{
    const char *docfile = e->file && e->line > 0 ? e->file : NULL;
    if (clientconf_resolve(docfile, e->value, path, pn) < 0) {
        snprintf(err, errlen, "the path is too long");
        return NULL;
    }
    size_t len;
    char *text = read_file(path, &len, err, errlen);
    if (!text)
        return NULL;
    clientconf_tree_t *t;
    int rc = clientconf_parse(path, text, len, allow_yaml && is_yaml(path, text), &t, err, errlen);
    free(text);
    return rc < 0 ? NULL : t;
}

int clientconf_grpc_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen)
{
    char path[1024];
    clientconf_tree_t *t = load(e, 0, path, sizeof path, err, errlen);
    if (!t)
        return -1;
    const cfg_entry_t *me = cfg_doc_find(doc, "retry", "grpc_method");
    const char *method = me && *me->value ? me->value : NULL;
    int rc = clientconf_grpc_map(path, t, method, out, err, errlen);
    clientconf_free(t);
    return rc;
}

int clientconf_envoy_expand(const cfg_doc_t *doc, const cfg_entry_t *e, cfg_xlist_t *out, char *err, size_t errlen)
{
    (void)doc;
    char path[1024];
    clientconf_tree_t *t = load(e, 1, path, sizeof path, err, errlen);
    if (!t)
        return -1;
    int rc = clientconf_envoy_map(path, t, out, err, errlen);
    clientconf_free(t);
    return rc;
}
