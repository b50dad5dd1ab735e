/*
 * retrysim: the command line. main() parses the command and decides exit
 * codes (0 ok, 1 run failed, 2 bad input); the library never exits.
 */
#include <stdio.h>
#include <string.h>

#include "pes.h"

#define RETRYSIM_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: retrysim COMMAND [ARGS]\n"
            "\n"
            "commands:\n"
            "  version    print the version and the engine design\n"
            "  help       this text\n"
            "\n"
            "retrysim is a discrete-event simulator of client retry storms.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
        printf("retrysim %s (pending event set: %s)\n", RETRYSIM_VERSION, pes_design());
        return 0;
    }
    fprintf(stderr, "retrysim: unknown command '%s' (see retrysim help)\n", argv[1]);
    return 2;
}
