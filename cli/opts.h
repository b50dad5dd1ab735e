/*
 * opts: the command line of one retrysim command, read with getopt_long.
 * Every command declares its options once (short letters, long names) and
 * its usage text; opts_next() hands out the options one by one, answers
 * --help, and turns an unknown option, a missing value or a wrong number
 * of positional arguments into a message naming the command. GNU getopt
 * permutes, so options may come before or after the file names.
 */
#ifndef RETRYSIM_OPTS_H
#define RETRYSIM_OPTS_H

#include <getopt.h>
#include <stdio.h>

enum {
    OPTS_END = -1,   /* no more options: the positional arguments follow */
    OPTS_HELP = -2,  /* --help or -h: the usage was printed to stdout */
    OPTS_ERROR = -3  /* bad command line: the message was printed to stderr */
};

typedef struct {
    const char *name;            /* the command, e.g. "sweep" */
    const char *usage;           /* what --help prints */
    const char *shorts;          /* getopt short options, e.g. "j:r:" (h is added) */
    const struct option *longs;  /* getopt_long table, ending with a zero row (--help is added) */
    int min_args, max_args;      /* positional arguments allowed; max_args < 0: no limit */
    int optind_;                 /* the parser's position (opts_next starts it) */
} opts_cmd_t;

/* The next option of argv (argv[0] is the command's name): its code
 * (the short letter, or the long option's val), or OPTS_END, OPTS_HELP or
 * OPTS_ERROR. *arg is its value when it takes one. */
int opts_next(opts_cmd_t *c, int argc, char **argv, const char **arg);

/* After OPTS_END: the positional arguments, checked against min_args and
 * max_args (else a message and NULL). *n is their number. */
char **opts_args(opts_cmd_t *c, int argc, char **argv, int *n);

/* Says on stderr that an option's value is bad, naming the command. */
void opts_bad_value(const opts_cmd_t *c, const char *option, const char *why);

#endif
