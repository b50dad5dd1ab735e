/*
 * hash: 64-bit FNV-1a (Fowler, Noll, Vo), the one non-cryptographic hash the
 * project uses: stream names to stream ids (rng), event traces for
 * determinism checks (eng), experiment texts for sweep resume (cli/exec).
 */
#ifndef RETRYSIM_HASH_H
#define RETRYSIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV_OFFSET 1469598103934665603ULL

/* Continue hash h over n bytes at p; start from HASH_FNV_OFFSET. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

#endif
