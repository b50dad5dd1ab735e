/*
 * rng: stream seeding by hashing. SplitMix64's finaliser (Steele, Lea &
 * Flood 2014) mixes (run seed, replication, stream id) into a seed; FNV-1a
 * turns a stream name into its id.
 */
#include "rng.h"
#include "hash.h"

#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t rng_name_id(const char *name)
{
    return hash_fnv1a(HASH_FNV_OFFSET, name, strlen(name));
}

uint64_t rng_derive_seed(uint64_t run_seed, uint32_t replication, uint64_t stream_id)
{
    uint64_t s = mix64(mix64(mix64(run_seed) ^ replication) ^ stream_id);
    while ((s & 0xffffffffULL) == 0)
        s = mix64(s);
    return s;
}

int rng_set_init(rng_set_t *set, const char *generator, uint64_t run_seed,
                 uint32_t replication, char *err, size_t errlen)
{
    memset(set, 0, sizeof *set);
    gsl_set_error_handler_off();
    set->run_seed = run_seed;
    set->replication = replication;
    if (!generator || !*generator) {
        set->type = gsl_rng_mt19937;
        return 0;
    }
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
        if (strcmp((*t)->name, generator) == 0) {
            set->type = *t;
            return 0;
        }
    snprintf(err, errlen, "unknown GSL generator '%s' (try mt19937, ranlxd2, taus2)", generator);
    return -1;
}

void rng_set_free(rng_set_t *set)
{
    for (int i = 0; i < set->n; i++)
        gsl_rng_free(set->s[i].r);
    set->n = 0;
}

gsl_rng *rng_stream(rng_set_t *set, const char *name, char *err, size_t errlen)
{
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->s[i].name, name) == 0)
            return set->s[i].r;
    if (strlen(name) >= sizeof set->s[0].name) {
        snprintf(err, errlen, "random stream name '%s' too long", name);
        return NULL;
    }
    if (set->n == RNG_MAX_STREAMS) {
        snprintf(err, errlen, "too many random streams (max %d)", RNG_MAX_STREAMS);
        return NULL;
    }
    rng_stream_t *st = &set->s[set->n];
    st->r = gsl_rng_alloc(set->type);
    if (!st->r) {
        snprintf(err, errlen, "cannot allocate random stream '%s'", name);
        return NULL;
    }
    snprintf(st->name, sizeof st->name, "%s", name);
    st->id = rng_name_id(name);
    st->seed = rng_derive_seed(set->run_seed, set->replication, st->id);
    gsl_rng_set(st->r, (unsigned long)st->seed);
    set->n++;
    return st->r;
}
