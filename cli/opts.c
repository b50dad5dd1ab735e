/*
 * opts: getopt_long with the conventions every retrysim command shares
 * (see opts.h): --help and -h, one message format for bad command lines,
 * and a count of positional arguments. Error messages are ours (opterr = 0)
 * so that they name the command and point at its --help.
 */
#include "opts.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LONGS 32
#define MAX_SHORTS 64

int opts_next(opts_cmd_t *c, int argc, char **argv, const char **arg)
{
    struct option longs[MAX_LONGS + 2];
    char shorts[MAX_SHORTS];
    int n = 0;
    for (; c->longs && c->longs[n].name && n < MAX_LONGS; n++)
        longs[n] = c->longs[n];
    longs[n++] = (struct option){"help", no_argument, NULL, 'h'};
    longs[n] = (struct option){NULL, 0, NULL, 0};
    /* ':' first: a missing value returns ':' rather than '?' */
    snprintf(shorts, sizeof shorts, ":%sh", c->shorts ? c->shorts : "");
    if (c->optind_ == 0) {
        optind = 0; /* GNU: start over, as if a new argv */
        c->optind_ = 1;
    }
    opterr = 0;
    int code = getopt_long(argc, argv, shorts, longs, NULL);
    *arg = optarg;
    c->optind_ = optind;
    if (code == -1)
        return OPTS_END;
    if (code == 'h') {
        fputs(c->usage, stdout);
        return OPTS_HELP;
    }
    if (code == ':' || code == '?') {
        const char *what = argv[optind - 1];
        if (code == ':')
            fprintf(stderr, "retrysim %s: %s needs a value (see retrysim %s --help)\n", c->name, what, c->name);
        else
            fprintf(stderr, "retrysim %s: unknown option '%s' (see retrysim %s --help)\n", c->name,
                    optopt && strncmp(what, "--", 2) ? (char[]){'-', (char)optopt, 0} : what, c->name);
        return OPTS_ERROR;
    }
    return code;
}

char **opts_args(opts_cmd_t *c, int argc, char **argv, int *n)
{
    *n = argc - c->optind_;
    if (*n < c->min_args || (c->max_args >= 0 && *n > c->max_args)) {
        if (*n < c->min_args) /* the usage's first line names the arguments */
            fprintf(stderr, "retrysim %s: missing arguments; %.*s\n", c->name, (int)strcspn(c->usage, "\n"),
                    c->usage);
        else
            fprintf(stderr, "retrysim %s: unexpected argument '%s' (see retrysim %s --help)\n", c->name,
                    argv[c->optind_ + c->max_args], c->name);
        return NULL;
    }
    return argv + c->optind_;
}

void opts_bad_value(const opts_cmd_t *c, const char *option, const char *why)
{
    fprintf(stderr, "retrysim %s: %s: %s\n", c->name, option, why);
}
