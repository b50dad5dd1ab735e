/* inspect: `retrysim summary`, `export` and `compare`: reading a results
 * database without the sqlite3 shell (see inspect.c). Each takes the
 * arguments after its command and returns the exit status. */
#ifndef RETRYSIM_INSPECT_H
#define RETRYSIM_INSPECT_H

int inspect_summary(int argc, char **argv);
int inspect_export(int argc, char **argv);
int inspect_compare(int argc, char **argv);

#endif
