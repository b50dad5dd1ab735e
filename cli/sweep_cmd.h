/* sweep_cmd: `retrysim sweep`, every run of an experiment in worker processes. */
#ifndef RETRYSIM_SWEEP_CMD_H
#define RETRYSIM_SWEEP_CMD_H

#include <stdio.h>

int sweep_cmd(int argc, char **argv);
void sweep_usage(FILE *f);

#endif
