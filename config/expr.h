/*
 * expr: the small expression language of a sweep's [sweep] constraint, e.g.
 *     constraint = $timeout >= 3 * $base && ($policy != "none" || $n <= 10)
 * It is its own module so that the sweep layer (config/sweep.c) only deals
 * with ${...} iteration, and so that the language can be tested alone.
 *
 * Values are numbers (double) or strings. Literals: numbers ("2", "1e-3"),
 * durations converted to seconds through simtime_parse ("100ms" -> 0.1), and
 * strings in double or single quotes (backslash escapes the quote and
 * itself). Variables: $name or ${name}; the caller resolves names to
 * indexes at parse time, so an unknown name is a parse error.
 * Operators, loosest first: || ; && ; == != ; < <= > >= ; + - ; * / % ;
 * unary - + ! ; parentheses. Functions: min(a, ...), max(a, ...), abs(x),
 * sqrt(x), log(x) (natural), exp(x), pow(x, y).
 *
 * Rules that are choices, not C's:
 *  - Numbers compare equal when they differ by at most 1e-9 relative to the
 *    larger magnitude, so 3 * 100ms == 300ms holds although 3 * 0.1 is not
 *    0.3 in binary; <, <=, >, >= use the same tolerance (a < b only when
 *    they are not equal in that sense).
 *  - Strings are usable only with == and != (byte-wise); a string compared
 *    with a number is simply unequal to it; anything else with a string is
 *    an error.
 *  - && and || evaluate their right side only when needed, so
 *    `$mode != "off" && $rate > 2` does not need $rate to be a number when
 *    mode is off. Results of comparisons and logic are 1 or 0.
 *  - Division or % by zero, and a function or operator whose result is not
 *    a finite number (sqrt(-1), log(0), overflow), are evaluation errors
 *    rather than silent NaN or infinity.
 *
 * Limits: parentheses and unary operators nested more than 200 deep, or a
 * tree more than 1000 operators deep (a chain such as 1+1+...+1 counts),
 * are parse errors, so that no input can exhaust the C stack.
 *
 * Messages start with "at position N: " (1-based character position in the
 * expression text); the caller adds the file:line. Nothing here exits.
 */
#ifndef RETRYSIM_EXPR_H
#define RETRYSIM_EXPR_H

#include <stddef.h>

typedef enum { EXPR_NUM, EXPR_STR } expr_kind_t;

typedef struct {
    expr_kind_t kind;
    double num;      /* EXPR_NUM */
    const char *str; /* EXPR_STR: borrowed from the variable's text or the expression */
} expr_value_t;

/* A variable's text as the language sees it: a plain decimal number, else a
 * duration (in seconds), else the text itself as a string. text is
 * borrowed by out->str, so it must outlive out. */
void expr_value_from_text(const char *text, expr_value_t *out);

/* Maps the variable name name[0..len) to an index >= 0, or returns -1 when
 * there is no such variable. */
typedef int (*expr_lookup_fn)(void *ctx, const char *name, size_t len);

typedef struct expr expr_t;

/* Parse text into *out (free with expr_free). Returns 0, or -1 with
 * "at position N: message" in err and *out NULL. */
int expr_parse(const char *text, expr_lookup_fn lookup, void *ctx, expr_t **out, char *err, size_t errlen);

/* Evaluate with vars[i] the current value of variable index i. Returns 0
 * and sets *out (a string result borrows from vars or the expression), or
 * -1 with "at position N: message" in err. */
int expr_eval(const expr_t *e, const expr_value_t *vars, expr_value_t *out, char *err, size_t errlen);

void expr_free(expr_t *e);

#endif
