/*
 * pack: a finished run to bytes and back (see pack.h). Nothing here knows
 * SQLite; rec.c takes what pack_read returns.
 */
#include "pack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PACK_MAGIC 0x52534d32u /* "RSM2" */

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static int reserve(pack_buf_t *b, size_t more)
{
    if (more > SIZE_MAX / 2 - b->len)
        return -1;
    if (b->len + more <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 4096;
    while (ncap < b->len + more)
        ncap *= 2;
    unsigned char *p = realloc(b->p, ncap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = ncap;
    return 0;
}

/* Append n bytes (src may be NULL: zeros), then zeros up to a multiple of 8. */
static int put(pack_buf_t *b, const void *src, size_t n)
{
    size_t total = pad8(n);
    if (reserve(b, total) < 0)
        return -1;
    if (src)
        memcpy(b->p + b->len, src, n);
    else
        memset(b->p + b->len, 0, n);
    memset(b->p + b->len + n, 0, total - n);
    b->len += total;
    return 0;
}

static void fill_head(rec_head_t *h, int sweep_run, int point, int detail, const run_cfg_t *cfg,
                      const run_result_t *res)
{
    memset(h, 0, sizeof *h);
    h->sweep_run = sweep_run;
    h->point = point;
    h->replication = (int32_t)cfg->run.replication;
    h->failed = res->failed;
    h->seed = cfg->run.seed;
    h->events = res->events;
    h->wall_s = res->wall_s;
    h->bucket_ns = res->series.bucket_ns > 0 ? res->series.bucket_ns : cfg->run.bucket;
    h->duration_ns = cfg->run.duration;
    snprintf(h->message, sizeof h->message, "%s", res->failed ? res->message : "");
    h->has_scalars = res->has_scalars;
    h->nscalars = res->nscalars;
    h->nseries = res->series.ncounters;
    h->detail = detail;
    h->nstreams = res->rng.n > RNG_MAX_STREAMS ? RNG_MAX_STREAMS : res->rng.n;
    for (int i = 0; i < h->nstreams; i++) {
        snprintf(h->stream[i].name, sizeof h->stream[i].name, "%s", res->rng.s[i].name);
        h->stream[i].seed = res->rng.s[i].seed;
    }
    if (!detail)
        return;
    if (res->series.ncounters == metrics_nseries())
        h->nbuckets = stats_series_nbuckets(&res->series);
    for (int k = 0; k < res->nhists && k < RUN_MAX_HISTS; k++)
        if (res->hists[k].h.counts && stats_hist_count(&res->hists[k].h) > 0)
            h->nhists++;
}

static int put_hist(pack_buf_t *b, const run_hist_t *rh)
{
    const stats_hist_t *h = &rh->h;
    uint32_t ln = (uint32_t)strlen(rh->name), lu = (uint32_t)strlen(rh->unit);
    int64_t nb = 0;
    for (int i = stats_hist_next(h, 0); i >= 0; i = stats_hist_next(h, i + 1))
        nb++;
    unsigned char hdr[16];
    memcpy(hdr, &ln, 4);
    memcpy(hdr + 4, &lu, 4);
    memcpy(hdr + 8, &nb, 8);
    if (put(b, hdr, sizeof hdr) < 0 || put(b, rh->name, ln + 1) < 0 || put(b, rh->unit, lu + 1) < 0 ||
        reserve(b, (size_t)nb * sizeof(rec_bucket_t)) < 0)
        return -1;
    rec_bucket_t *out = (rec_bucket_t *)(void *)(b->p + b->len);
    for (int i = stats_hist_next(h, 0); i >= 0; i = stats_hist_next(h, i + 1), out++)
        stats_hist_bucket(h, i, &out->lower, &out->upper, &out->count);
    b->len += (size_t)nb * sizeof(rec_bucket_t);
    return 0;
}

int pack_run(pack_buf_t *b, int sweep_run, int point, int detail, const run_cfg_t *cfg, const run_result_t *res)
{
    uint32_t pre[2] = {PACK_MAGIC, (uint32_t)sizeof(rec_head_t)};
    b->len = 0;
    if (put(b, pre, sizeof pre) < 0 || reserve(b, pad8(sizeof(rec_head_t))) < 0)
        return -1;
    rec_head_t *h = (rec_head_t *)(void *)(b->p + b->len);
    fill_head(h, sweep_run, point, detail, cfg, res);
    b->len += pad8(sizeof(rec_head_t));
    int nbuckets = h->nbuckets, nseries = h->nseries;
    if (put(b, res->scalar, (size_t)res->nscalars * sizeof(double)) < 0)
        return -1;
    if (nbuckets > 0 && put(b, res->series.v, (size_t)nbuckets * (size_t)nseries * sizeof(int64_t)) < 0)
        return -1;
    if (!detail)
        return 0;
    for (int k = 0; k < res->nhists && k < RUN_MAX_HISTS; k++)
        if (res->hists[k].h.counts && stats_hist_count(&res->hists[k].h) > 0 && put_hist(b, &res->hists[k]) < 0)
            return -1;
    return 0;
}

/* A bounds-checked cursor over the message. */
typedef struct {
    const unsigned char *p;
    size_t len, at;
} cursor_t;

static const void *take(cursor_t *c, size_t n)
{
    size_t total = pad8(n);
    if (total < n || total > c->len - c->at)
        return NULL;
    const void *q = c->p + c->at;
    c->at += total;
    return q;
}

int pack_read(const unsigned char *p, size_t len, rec_run_t *out, char *err, size_t errlen)
{
    cursor_t c = {p, len, 0};
    uint32_t pre[2];
    const void *q = take(&c, sizeof pre);
    memset(out, 0, sizeof *out);
    if (!q) {
        snprintf(err, errlen, "packed run: truncated (%zu bytes)", len);
        return -1;
    }
    memcpy(pre, q, sizeof pre);
    if (pre[0] != PACK_MAGIC || pre[1] != sizeof(rec_head_t)) {
        snprintf(err, errlen, "packed run: not from this retrysim binary");
        return -1;
    }
    if (!(q = take(&c, sizeof(rec_head_t)))) {
        snprintf(err, errlen, "packed run: truncated header");
        return -1;
    }
    memcpy(&out->h, q, sizeof out->h);
    rec_head_t *h = &out->h;
    h->message[sizeof h->message - 1] = '\0';
    if (h->nbuckets < 0 || h->nhists < 0 || h->nhists > RUN_MAX_HISTS || h->nstreams < 0 ||
        h->nstreams > RNG_MAX_STREAMS || (!h->detail && (h->nbuckets || h->nhists)) ||
        (h->nscalars != metrics_nscalars() && h->nscalars != 0) || (h->nbuckets && h->nseries != metrics_nseries())) {
        snprintf(err, errlen, "packed run: bad counts");
        return -1;
    }
    if (!(out->scalar = take(&c, (size_t)h->nscalars * sizeof(double)))) {
        snprintf(err, errlen, "packed run: truncated scalars");
        return -1;
    }
    for (int i = 0; i < h->nstreams; i++)
        h->stream[i].name[sizeof h->stream[i].name - 1] = '\0';
    if (h->nbuckets > 0) {
        size_t n = (size_t)h->nbuckets * (size_t)h->nseries * sizeof(int64_t);
        if (n / (size_t)h->nseries / sizeof(int64_t) != (size_t)h->nbuckets || !(out->series = take(&c, n))) {
            snprintf(err, errlen, "packed run: truncated series");
            return -1;
        }
    }
    for (int k = 0; k < h->nhists; k++) {
        rec_hist_t *hs = &out->hist[k];
        const unsigned char *hdr = take(&c, 16);
        uint32_t ln, lu;
        int64_t nb;
        if (!hdr) {
            snprintf(err, errlen, "packed run: truncated histogram");
            return -1;
        }
        memcpy(&ln, hdr, 4);
        memcpy(&lu, hdr + 4, 4);
        memcpy(&nb, hdr + 8, 8);
        const char *name = take(&c, (size_t)ln + 1), *unit = name ? take(&c, (size_t)lu + 1) : NULL;
        if (!name || !unit || name[ln] || unit[lu] || nb < 0 || nb > INT32_MAX ||
            !(hs->b = take(&c, (size_t)nb * sizeof(rec_bucket_t)))) {
            snprintf(err, errlen, "packed run: bad histogram");
            return -1;
        }
        hs->name = name;
        hs->unit = unit;
        hs->nbuckets = (int)nb;
    }
    if (c.at != len) {
        snprintf(err, errlen, "packed run: %zu bytes left over", len - c.at);
        return -1;
    }
    return 0;
}

void pack_buf_free(pack_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
