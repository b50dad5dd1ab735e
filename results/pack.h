/*
 * pack: a finished run as bytes. A sweep's worker processes simulate, the
 * parent alone writes SQLite (results/rec.h); between them a run travels
 * as one packed message through a pipe (and, in an MPI sweep, as one
 * message to rank 0). The format is the binary's own (native byte order,
 * rec_head_t as laid out by this compiler): sender and receiver are the
 * same executable. A magic number and the header size guard against
 * anything else.
 *
 * Layout, every section starting at a multiple of 8 bytes:
 *   u32 magic, u32 sizeof(rec_head_t), rec_head_t
 *   scalars: nscalars doubles
 *   series: nbuckets x nseries int64 (detail only)
 *   per histogram (detail only): u32 name length, u32 unit length,
 *     i64 buckets, name NUL-padded, unit NUL-padded, buckets x rec_bucket_t
 */
#ifndef RETRYSIM_PACK_H
#define RETRYSIM_PACK_H

#include <stddef.h>

#include "rec.h"
#include "run.h"

typedef struct {
    unsigned char *p;   /* bytes, malloc'ed (so 8-byte aligned) */
    size_t len, cap;    /* used, allocated */
} pack_buf_t;

/* The run as the recorder stores it, into b (replacing its contents).
 * sweep_run: number in its sweep, -1 for a `retrysim run`; detail: record
 * series and histograms. Returns 0, or -1 when out of memory. */
int pack_run(pack_buf_t *b, int sweep_run, int point, int detail, const run_cfg_t *cfg, const run_result_t *res);

/* Read a packed run: out's pointers point into p (8-byte aligned, as a
 * malloc'ed buffer is), which must outlive out. Every length is checked
 * against len. Returns 0, or -1 with a message. */
int pack_read(const unsigned char *p, size_t len, rec_run_t *out, char *err, size_t errlen);

void pack_buf_free(pack_buf_t *b);

#endif
