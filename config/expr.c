/*
 * expr: parser and evaluator of the constraint language described in
 * expr.h. A recursive-descent parser builds a tree once (so syntax errors
 * and unknown variables are found before any run, even when no combination
 * would reach them), and the tree is evaluated once per combination of a
 * sweep. Nodes live in one growable array and refer to each other by index,
 * which makes freeing trivial and keeps the tree compact.
 */
#include "expr.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simtime.h"

/* Nesting deeper than this is refused so that hostile input such as
 * "((((..." cannot overflow the C stack of the parser. */
#define EXPR_MAX_DEPTH 200
/* The evaluator recurses once per level of the tree, and a chain of
 * left-associative operators ("1+1+1+...", which continuation lines can
 * make as long as one likes) is as deep as it is long without any
 * nesting: trees higher than this are refused so that the evaluator's
 * stack stays small. */
#define EXPR_MAX_HEIGHT 1000

/* Relative tolerance of numeric comparisons (see expr.h). */
#define EXPR_REL_TOL 1e-9

typedef enum { N_NUM, N_STR, N_VAR, N_NEG, N_NOT, N_BIN, N_AND, N_OR, N_CALL } nkind_t;

typedef enum { F_MIN, F_MAX, F_ABS, F_SQRT, F_LOG, F_EXP, F_POW } fn_t;

static const struct {
    const char *name;
    fn_t fn;
    int min_args, max_args; /* max_args 0: any number */
} functions[] = {
    {"min", F_MIN, 1, 0}, {"max", F_MAX, 1, 0}, {"abs", F_ABS, 1, 1}, {"sqrt", F_SQRT, 1, 1},
    {"log", F_LOG, 1, 1}, {"exp", F_EXP, 1, 1}, {"pow", F_POW, 2, 2},
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

/* Binary operators that take two values (&& and || are separate kinds
 * because they short-circuit). */
typedef enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE } op_t;

static const char *const op_names[] = {"+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!="};

typedef struct {
    nkind_t kind;
    int pos;       /* 1-based position of the token, for messages */
    op_t op;       /* N_BIN */
    double num;    /* N_NUM */
    char *str;     /* N_STR: the unescaped literal; N_VAR: the name */
    int var;       /* N_VAR: index from the lookup */
    int a, b;      /* operands: node indexes; -1 if unused */
    int height;    /* levels of the subtree below and including this node */
    fn_t fn;       /* N_CALL */
    int *args;     /* N_CALL: node indexes */
    int nargs;
} node_t;

struct expr {
    node_t *nodes;
    int n, cap;
    int root;
};

typedef struct {
    const char *s; /* the whole expression */
    size_t i;      /* read position */
    expr_lookup_fn lookup;
    void *ctx;
    expr_t *e;
    int depth;
    char *err;
    size_t errlen;
} parser_t;

static int errf(char *err, size_t errlen, int pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int errf(char *err, size_t errlen, int pos, const char *fmt, ...)
{
    if (err && errlen) {
        int k = snprintf(err, errlen, "at position %d: ", pos);
        if (k >= 0 && (size_t)k < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ */
/* Values from text                                                     */
/* ------------------------------------------------------------------ */

/* A plain decimal number: optional sign, digits with an optional point,
 * optional exponent, nothing else. Stricter than strtod, which would also
 * take "inf", "nan" and hexadecimal: those stay strings here. */
static int is_plain_number(const char *s)
{
    const char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++, digits++;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    while (isspace((unsigned char)*p))
        p++;
    return *p == 0;
}

void expr_value_from_text(const char *text, expr_value_t *out)
{
    out->kind = EXPR_STR;
    out->num = 0;
    out->str = text;
    if (is_plain_number(text)) {
        double x = strtod(text, NULL);
        if (isfinite(x)) {
            out->kind = EXPR_NUM;
            out->num = x;
        }
        return;
    }
    simtime_t ns;
    if (simtime_parse(text, &ns, NULL, 0) == 0) {
        out->kind = EXPR_NUM;
        out->num = simtime_to_sec(ns);
    }
}

/* ------------------------------------------------------------------ */
/* Parser                                                               */
/* ------------------------------------------------------------------ */

static int new_node(parser_t *P, nkind_t kind, int pos)
{
    expr_t *e = P->e;
    if (e->n == e->cap) {
        int cap = e->cap ? 2 * e->cap : 16;
        node_t *nn = realloc(e->nodes, (size_t)cap * sizeof *nn);
        if (!nn)
            return errf(P->err, P->errlen, pos, "out of memory");
        e->nodes = nn;
        e->cap = cap;
    }
    node_t *n = &e->nodes[e->n];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->pos = pos;
    n->a = n->b = -1;
    n->height = 1;
    return e->n++;
}

/* Node k's height from its operands, once they are set; k, or -1 when the
 * tree gets higher than EXPR_MAX_HEIGHT. */
static int set_height(parser_t *P, int k)
{
    node_t *nodes = P->e->nodes, *n = &nodes[k];
    int h = 0;
    if (n->a >= 0 && nodes[n->a].height > h)
        h = nodes[n->a].height;
    if (n->b >= 0 && nodes[n->b].height > h)
        h = nodes[n->b].height;
    for (int i = 0; i < n->nargs; i++)
        if (nodes[n->args[i]].height > h)
            h = nodes[n->args[i]].height;
    n->height = h + 1;
    if (n->height > EXPR_MAX_HEIGHT)
        return errf(P->err, P->errlen, n->pos, "the expression is too deep (more than %d levels of operators)",
                    EXPR_MAX_HEIGHT);
    return k;
}

static void skip_space(parser_t *P)
{
    while (isspace((unsigned char)P->s[P->i]))
        P->i++;
}

static int pos_of(const parser_t *P)
{
    return (int)P->i + 1;
}

/* After skipping blanks: does the text continue with tok? Consumes it if so. */
static int accept(parser_t *P, const char *tok)
{
    skip_space(P);
    size_t n = strlen(tok);
    if (strncmp(P->s + P->i, tok, n) != 0)
        return 0;
    P->i += n;
    return 1;
}

/* A short description of what is at the read position, for messages. */
static void near_text(const parser_t *P, char *buf, size_t len)
{
    const char *p = P->s + P->i;
    if (!*p)
        snprintf(buf, len, "the end");
    else
        snprintf(buf, len, "'%.12s%s'", p, strlen(p) > 12 ? "..." : "");
}

static int expected(parser_t *P, const char *what)
{
    skip_space(P);
    /* The usual typos get a direct answer instead of "expected ...". */
    const char *p = P->s + P->i;
    if (p[0] == '=' && p[1] != '=')
        return errf(P->err, P->errlen, pos_of(P), "use == to compare");
    if ((p[0] == '&' || p[0] == '|') && p[1] != p[0])
        return errf(P->err, P->errlen, pos_of(P), "use %c%c for logical %s", p[0], p[0], p[0] == '&' ? "and" : "or");
    char near[32];
    near_text(P, near, sizeof near);
    return errf(P->err, P->errlen, pos_of(P), "expected %s, found %s", what, near);
}

static int parse_or(parser_t *P);

static int is_ident_start(int c)
{
    return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
    return isalnum(c) || c == '_';
}

static int parse_number(parser_t *P)
{
    int pos = pos_of(P);
    size_t start = P->i;
    const char *s = P->s;
    while (isdigit((unsigned char)s[P->i]))
        P->i++;
    if (s[P->i] == '.') {
        P->i++;
        while (isdigit((unsigned char)s[P->i]))
            P->i++;
    }
    /* An exponent only when digits follow; otherwise the 'e' would start a
     * unit name (none of ours does, so this gives a clear unit error). */
    size_t j = P->i;
    if (s[j] == 'e' || s[j] == 'E') {
        j++;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            P->i = j;
        }
    }
    size_t num_end = P->i;
    while (isalpha((unsigned char)s[P->i]))
        P->i++;
    char tok[64];
    size_t len = P->i - start;
    if (len >= sizeof tok)
        return errf(P->err, P->errlen, pos, "number too long");
    memcpy(tok, s + start, len);
    tok[len] = 0;
    double x;
    if (P->i == num_end) {
        x = strtod(tok, NULL);
        if (!isfinite(x))
            return errf(P->err, P->errlen, pos, "number %s out of range", tok);
    } else {
        simtime_t ns;
        char m[128];
        if (simtime_parse(tok, &ns, m, sizeof m) < 0)
            return errf(P->err, P->errlen, pos, "%s", m);
        x = simtime_to_sec(ns);
    }
    int k = new_node(P, N_NUM, pos);
    if (k >= 0)
        P->e->nodes[k].num = x;
    return k;
}

static int parse_string(parser_t *P)
{
    int pos = pos_of(P);
    char q = P->s[P->i++];
    size_t cap = strlen(P->s + P->i) + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return errf(P->err, P->errlen, pos, "out of memory");
    for (;;) {
        char c = P->s[P->i];
        if (!c) {
            free(buf);
            return errf(P->err, P->errlen, pos, "unterminated string (missing %c)", q);
        }
        P->i++;
        if (c == q)
            break;
        if (c == '\\' && (P->s[P->i] == q || P->s[P->i] == '\\'))
            c = P->s[P->i++];
        buf[n++] = c;
    }
    buf[n] = 0;
    int k = new_node(P, N_STR, pos);
    if (k < 0) {
        free(buf);
        return -1;
    }
    P->e->nodes[k].str = buf;
    return k;
}

static int parse_variable(parser_t *P)
{
    int pos = pos_of(P);
    P->i++; /* '$' */
    int braced = P->s[P->i] == '{';
    if (braced)
        P->i++;
    size_t start = P->i;
    if (!is_ident_start((unsigned char)P->s[P->i]))
        return errf(P->err, P->errlen, pos, "expected a variable name after '$'");
    while (is_ident_char((unsigned char)P->s[P->i]))
        P->i++;
    size_t len = P->i - start;
    if (braced) {
        if (P->s[P->i] != '}')
            return errf(P->err, P->errlen, pos, "expected '}' after ${%.*s", (int)len, P->s + start);
        P->i++;
    }
    int v = P->lookup ? P->lookup(P->ctx, P->s + start, len) : -1;
    if (v < 0)
        return errf(P->err, P->errlen, pos, "unknown variable $%.*s (only named iteration variables ${name=...} "
                    "can be used)", (int)len, P->s + start);
    char *name = malloc(len + 1);
    if (!name)
        return errf(P->err, P->errlen, pos, "out of memory");
    memcpy(name, P->s + start, len);
    name[len] = 0;
    int k = new_node(P, N_VAR, pos);
    if (k < 0) {
        free(name);
        return -1;
    }
    P->e->nodes[k].var = v;
    P->e->nodes[k].str = name;
    return k;
}

static int parse_call(parser_t *P)
{
    int pos = pos_of(P);
    size_t start = P->i;
    while (is_ident_char((unsigned char)P->s[P->i]))
        P->i++;
    size_t len = P->i - start;
    const char *name = P->s + start;
    size_t f = 0;
    while (f < NFUNCTIONS && !(strlen(functions[f].name) == len && !strncmp(functions[f].name, name, len)))
        f++;
    skip_space(P);
    if (f == NFUNCTIONS || P->s[P->i] != '(') {
        if (f == NFUNCTIONS && P->s[P->i] == '(')
            return errf(P->err, P->errlen, pos,
                        "unknown function %.*s (there are min, max, abs, sqrt, log, exp, pow)", (int)len, name);
        return errf(P->err, P->errlen, pos,
                    "unexpected name '%.*s': write a variable as $%.*s and a string in quotes", (int)len, name,
                    (int)len, name);
    }
    P->i++; /* '(' */
    int *args = NULL, nargs = 0, cap = 0;
    skip_space(P);
    if (P->s[P->i] != ')') {
        do {
            int a = parse_or(P);
            if (a < 0) {
                free(args);
                return -1;
            }
            if (nargs == cap) {
                cap = cap ? 2 * cap : 4;
                int *na = realloc(args, (size_t)cap * sizeof *na);
                if (!na) {
                    free(args);
                    return errf(P->err, P->errlen, pos, "out of memory");
                }
                args = na;
            }
            args[nargs++] = a;
        } while (accept(P, ","));
    }
    if (!accept(P, ")")) {
        free(args);
        return expected(P, "',' or ')'");
    }
    if (nargs < functions[f].min_args || (functions[f].max_args && nargs > functions[f].max_args)) {
        free(args);
        if (functions[f].max_args == functions[f].min_args)
            return errf(P->err, P->errlen, pos, "%s takes %d argument%s, not %d", functions[f].name,
                        functions[f].min_args, functions[f].min_args == 1 ? "" : "s", nargs);
        return errf(P->err, P->errlen, pos, "%s takes at least %d argument, not %d", functions[f].name,
                    functions[f].min_args, nargs);
    }
    int k = new_node(P, N_CALL, pos);
    if (k < 0) {
        free(args);
        return -1;
    }
    P->e->nodes[k].fn = functions[f].fn;
    P->e->nodes[k].args = args;
    P->e->nodes[k].nargs = nargs;
    return set_height(P, k);
}

static int parse_primary(parser_t *P)
{
    skip_space(P);
    unsigned char c = (unsigned char)P->s[P->i];
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)P->s[P->i + 1])))
        return parse_number(P);
    if (c == '"' || c == '\'')
        return parse_string(P);
    if (c == '$')
        return parse_variable(P);
    if (is_ident_start(c))
        return parse_call(P);
    if (c == '(') {
        P->i++;
        int k = parse_or(P);
        if (k < 0)
            return -1;
        if (!accept(P, ")"))
            return expected(P, "')'");
        return k;
    }
    return expected(P, "a number, duration, $variable, string, function or '('");
}

static int parse_unary(parser_t *P)
{
    if (++P->depth > EXPR_MAX_DEPTH)
        return errf(P->err, P->errlen, pos_of(P), "nested too deeply (more than %d levels)", EXPR_MAX_DEPTH);
    skip_space(P);
    int pos = pos_of(P);
    char c = P->s[P->i];
    int k;
    /* "!=" cannot start an operand, so a '!' here is always logical not. */
    if (c == '-' || c == '!') {
        P->i++;
        int a = parse_unary(P);
        if (a < 0)
            return -1;
        k = new_node(P, c == '-' ? N_NEG : N_NOT, pos);
        if (k >= 0) {
            P->e->nodes[k].a = a;
            k = set_height(P, k);
        }
    } else if (c == '+') {
        P->i++;
        k = parse_unary(P);
    } else {
        k = parse_primary(P);
    }
    P->depth--;
    return k;
}

/* One level of left-associative binary operators. ops lists the tokens of
 * this level, longest first where one is a prefix of another. */
typedef struct {
    const char *tok;
    op_t op;
} optok_t;

static int parse_level(parser_t *P, int level);

static const optok_t level_eq[] = {{"==", OP_EQ}, {"!=", OP_NE}, {NULL, 0}};
static const optok_t level_rel[] = {{"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}, {NULL, 0}};
static const optok_t level_add[] = {{"+", OP_ADD}, {"-", OP_SUB}, {NULL, 0}};
static const optok_t level_mul[] = {{"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD}, {NULL, 0}};
static const optok_t *const levels[] = {level_eq, level_rel, level_add, level_mul};
#define NLEVELS 4

static int parse_level(parser_t *P, int level)
{
    if (level == NLEVELS)
        return parse_unary(P);
    int a = parse_level(P, level + 1);
    while (a >= 0) {
        skip_space(P);
        int pos = pos_of(P);
        const optok_t *t = levels[level];
        while (t->tok && strncmp(P->s + P->i, t->tok, strlen(t->tok)) != 0)
            t++;
        if (!t->tok)
            break;
        P->i += strlen(t->tok);
        int b = parse_level(P, level + 1);
        if (b < 0)
            return -1;
        int k = new_node(P, N_BIN, pos);
        if (k < 0)
            return -1;
        P->e->nodes[k].op = t->op;
        P->e->nodes[k].a = a;
        P->e->nodes[k].b = b;
        a = set_height(P, k);
    }
    return a;
}

static int parse_and(parser_t *P)
{
    int a = parse_level(P, 0);
    while (a >= 0) {
        skip_space(P);
        int pos = pos_of(P);
        if (!accept(P, "&&"))
            break;
        int b = parse_level(P, 0);
        if (b < 0)
            return -1;
        int k = new_node(P, N_AND, pos);
        if (k < 0)
            return -1;
        P->e->nodes[k].a = a;
        P->e->nodes[k].b = b;
        a = set_height(P, k);
    }
    return a;
}

static int parse_or(parser_t *P)
{
    if (++P->depth > EXPR_MAX_DEPTH)
        return errf(P->err, P->errlen, pos_of(P), "nested too deeply (more than %d levels)", EXPR_MAX_DEPTH);
    int a = parse_and(P);
    while (a >= 0) {
        skip_space(P);
        int pos = pos_of(P);
        if (!accept(P, "||"))
            break;
        int b = parse_and(P);
        if (b < 0)
            return -1;
        int k = new_node(P, N_OR, pos);
        if (k < 0)
            return -1;
        P->e->nodes[k].a = a;
        P->e->nodes[k].b = b;
        a = set_height(P, k);
    }
    P->depth--;
    return a;
}

void expr_free(expr_t *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->n; i++) {
        free(e->nodes[i].str);
        free(e->nodes[i].args);
    }
    free(e->nodes);
    free(e);
}

int expr_parse(const char *text, expr_lookup_fn lookup, void *ctx, expr_t **out, char *err, size_t errlen)
{
    *out = NULL;
    expr_t *e = calloc(1, sizeof *e);
    if (!e)
        return errf(err, errlen, 1, "out of memory");
    parser_t P = {.s = text ? text : "", .lookup = lookup, .ctx = ctx, .e = e, .err = err, .errlen = errlen};
    skip_space(&P);
    if (!P.s[P.i]) {
        expr_free(e);
        return errf(err, errlen, 1, "empty expression");
    }
    e->root = parse_or(&P);
    if (e->root >= 0) {
        skip_space(&P);
        if (P.s[P.i])
            e->root = expected(&P, "an operator or the end");
    }
    if (e->root < 0) {
        expr_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Evaluation                                                           */
/* ------------------------------------------------------------------ */

typedef struct {
    const expr_t *e;
    const expr_value_t *vars;
    char *err;
    size_t errlen;
} eval_t;

/* -1, 0, 1 with the relative tolerance of expr.h. */
static int num_cmp(double a, double b)
{
    if (a == b || fabs(a - b) <= EXPR_REL_TOL * fmax(fabs(a), fabs(b)))
        return 0;
    return a < b ? -1 : 1;
}

static int eval_node(const eval_t *E, int k, expr_value_t *out);

/* Evaluate node k and insist on a number; `what` says what needs it. */
static int eval_num(const eval_t *E, int k, const char *what, int at, double *out)
{
    expr_value_t v;
    if (eval_node(E, k, &v) < 0)
        return -1;
    if (v.kind != EXPR_NUM) {
        const node_t *n = &E->e->nodes[k];
        if (n->kind == N_VAR)
            return errf(E->err, E->errlen, at, "%s needs a number, but $%s is the string '%s'", what, n->str,
                        v.str);
        return errf(E->err, E->errlen, at, "%s needs a number, not the string '%s'", what, v.str);
    }
    *out = v.num;
    return 0;
}

static int finite_or_fail(const eval_t *E, int pos, const char *what, double x, double *out)
{
    if (!isfinite(x))
        return errf(E->err, E->errlen, pos, "%s: the result is not a finite number", what);
    *out = x;
    return 0;
}

static int eval_call(const eval_t *E, const node_t *n, double *out)
{
    static const char *const names[] = {"min", "max", "abs", "sqrt", "log", "exp", "pow"};
    const char *name = names[n->fn];
    double x[2] = {0, 0};
    if (n->fn == F_MIN || n->fn == F_MAX) {
        double r = 0;
        for (int i = 0; i < n->nargs; i++) {
            double a;
            if (eval_num(E, n->args[i], name, n->pos, &a) < 0)
                return -1;
            if (i == 0 || (n->fn == F_MIN ? a < r : a > r))
                r = a;
        }
        *out = r;
        return 0;
    }
    for (int i = 0; i < n->nargs; i++)
        if (eval_num(E, n->args[i], name, n->pos, &x[i]) < 0)
            return -1;
    double r = 0;
    switch (n->fn) {
    case F_ABS: r = fabs(x[0]); break;
    case F_SQRT: r = x[0] < 0 ? (double)NAN : sqrt(x[0]); break;
    case F_LOG: r = x[0] <= 0 ? (double)NAN : log(x[0]); break;
    case F_EXP: r = exp(x[0]); break;
    case F_POW: r = pow(x[0], x[1]); break;
    case F_MIN:
    case F_MAX: break; /* handled above */
    }
    return finite_or_fail(E, n->pos, name, r, out);
}

static int eval_bin(const eval_t *E, const node_t *n, expr_value_t *out)
{
    out->kind = EXPR_NUM;
    out->str = NULL;
    const char *name = op_names[n->op];
    if (n->op == OP_EQ || n->op == OP_NE) {
        expr_value_t a, b;
        if (eval_node(E, n->a, &a) < 0 || eval_node(E, n->b, &b) < 0)
            return -1;
        int eq;
        if (a.kind == EXPR_NUM && b.kind == EXPR_NUM)
            eq = num_cmp(a.num, b.num) == 0;
        else if (a.kind == EXPR_STR && b.kind == EXPR_STR)
            eq = strcmp(a.str, b.str) == 0;
        else
            eq = 0;
        out->num = (n->op == OP_EQ) == eq;
        return 0;
    }
    double a, b;
    if (eval_num(E, n->a, name, n->pos, &a) < 0 || eval_num(E, n->b, name, n->pos, &b) < 0)
        return -1;
    double r = 0;
    switch (n->op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_MUL: r = a * b; break;
    case OP_DIV:
    case OP_MOD:
        if (b == 0)
            return errf(E->err, E->errlen, n->pos, "%s by zero", n->op == OP_DIV ? "division" : "remainder");
        r = n->op == OP_DIV ? a / b : fmod(a, b);
        break;
    case OP_LT: r = num_cmp(a, b) < 0; break;
    case OP_LE: r = num_cmp(a, b) <= 0; break;
    case OP_GT: r = num_cmp(a, b) > 0; break;
    case OP_GE: r = num_cmp(a, b) >= 0; break;
    case OP_EQ:
    case OP_NE: break; /* handled above */
    }
    return finite_or_fail(E, n->pos, name, r, &out->num);
}

static int eval_node(const eval_t *E, int k, expr_value_t *out)
{
    const node_t *n = &E->e->nodes[k];
    out->kind = EXPR_NUM;
    out->str = NULL;
    out->num = 0;
    double a, b;
    switch (n->kind) {
    case N_NUM:
        out->num = n->num;
        return 0;
    case N_STR:
        out->kind = EXPR_STR;
        out->str = n->str;
        return 0;
    case N_VAR:
        *out = E->vars[n->var];
        return 0;
    case N_NEG:
        if (eval_num(E, n->a, "unary -", n->pos, &a) < 0)
            return -1;
        out->num = -a;
        return 0;
    case N_NOT:
        if (eval_num(E, n->a, "!", n->pos, &a) < 0)
            return -1;
        out->num = a == 0;
        return 0;
    case N_AND:
    case N_OR: {
        const char *name = n->kind == N_AND ? "&&" : "||";
        if (eval_num(E, n->a, name, n->pos, &a) < 0)
            return -1;
        if ((n->kind == N_AND) == (a == 0)) { /* decided by the left side */
            out->num = a != 0;
            return 0;
        }
        if (eval_num(E, n->b, name, n->pos, &b) < 0)
            return -1;
        out->num = b != 0;
        return 0;
    }
    case N_BIN:
        return eval_bin(E, n, out);
    case N_CALL:
        return eval_call(E, n, &out->num);
    }
    return errf(E->err, E->errlen, n->pos, "internal error: unknown node");
}

int expr_eval(const expr_t *e, const expr_value_t *vars, expr_value_t *out, char *err, size_t errlen)
{
    eval_t E = {.e = e, .vars = vars, .err = err, .errlen = errlen};
    return eval_node(&E, e->root, out);
}
