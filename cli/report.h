/* report: `retrysim report DB -o DIR`, static HTML pages of a results
 * database (see report.c). Returns the exit status. */
#ifndef RETRYSIM_REPORT_H
#define RETRYSIM_REPORT_H

int report_cmd(int argc, char **argv);

#endif
