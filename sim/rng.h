/*
 * rng: named GSL random streams for one run.
 *
 * Every purpose that draws random numbers (arrivals, service times, jitter,
 * network delay, ...) gets its own gsl_rng, seeded from a hash of
 * (run seed, replication, stream id) where the id is a hash of the stream's
 * name. Consequences:
 *   - common random numbers: two configurations run with the same seed and
 *     replication see the same draws for the same purpose, whatever else
 *     differs between them;
 *   - opening another stream never shifts the draws of an existing one;
 *   - results never depend on creation order, thread count or sweep order.
 * The generator name and every stream's seed are kept for the run record.
 */
#ifndef RETRYSIM_RNG_H
#define RETRYSIM_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#define RNG_MAX_STREAMS 64

typedef struct {
    char name[32];    /* purpose, e.g. "server.service" */
    uint64_t id;      /* hash of name */
    uint64_t seed;    /* seed given to gsl_rng_set, never 0 */
    gsl_rng *r;
} rng_stream_t;

typedef struct {
    const gsl_rng_type *type; /* generator, default gsl_rng_mt19937 */
    uint64_t run_seed;        /* the run's base seed */
    uint32_t replication;     /* replication index, 0.. */
    int n;                    /* streams opened */
    rng_stream_t s[RNG_MAX_STREAMS];
} rng_set_t;

/* Generator by GSL name ("mt19937", "ranlxd2", ...); NULL name = mt19937.
 * Returns -1 with a message for an unknown name. */
int rng_set_init(rng_set_t *set, const char *generator, uint64_t run_seed,
                 uint32_t replication, char *err, size_t errlen);
void rng_set_free(rng_set_t *set);

/* The stream for a purpose, opened on first use; NULL (with message) if the
 * name is too long, the table is full or GSL cannot allocate. */
gsl_rng *rng_stream(rng_set_t *set, const char *name, char *err, size_t errlen);

/* Pure seed derivation, exposed for tests and records: never returns a value
 * whose low 32 bits are 0 (GSL treats seed 0 as "use the default seed", and
 * 32-bit generators use only the low half). */
uint64_t rng_derive_seed(uint64_t run_seed, uint32_t replication, uint64_t stream_id);
uint64_t rng_name_id(const char *name);

#endif
