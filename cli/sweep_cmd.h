/* sweep_cmd: `retrysim sweep` (every run of an experiment) and `retrysim
 * search` (the runs a search needs), farmed out to workers. */
#ifndef RETRYSIM_SWEEP_CMD_H
#define RETRYSIM_SWEEP_CMD_H

#include <stdio.h>

int sweep_cmd(int argc, char **argv);
void sweep_usage(FILE *f);
/* retrysim search: the same driver, with the search choosing the runs. */
int search_cmd(int argc, char **argv);
void search_usage(FILE *f);

#endif
