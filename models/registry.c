/*
 * registry: the table of optional models (models.def) and what each owns
 * in a run: where its configuration sits in run_cfg_t.ext and the ids of
 * its series and scalars after the core's. Everything is fixed by the order
 * of models.def, so every process of a sweep (workers, MPI ranks) computes
 * the same layout.
 */
#include "model.h"

#include <stdalign.h>
#include <string.h>

#include "metrics.h"
#include "run.h"

#define MODEL(name) extern const model_desc_t model_##name;
#include "models.def"
#undef MODEL

static const model_desc_t *const models[] = {
#define MODEL(name) &model_##name,
#include "models.def"
#undef MODEL
};
#define NMODELS ((int)(sizeof models / sizeof models[0]))

static int done;
static size_t cfg_bytes;

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

void model_registry_init(void)
{
    if (done)
        return;
    size_t cfg = 0;
    int series = M_CORE_COUNT, scalars = S_CORE_COUNT;
    for (int i = 0; i < NMODELS; i++) {
        model_info_t *in = models[i]->info;
        in->index = i;
        cfg = align_up(cfg, alignof(max_align_t));
        in->cfg_off = offsetof(run_cfg_t, ext) + cfg;
        cfg += models[i]->cfg_size;
        in->series0 = series;
        series += models[i]->nseries;
        in->scalar0 = scalars;
        scalars += models[i]->nscalars;
    }
    cfg_bytes = cfg;
    done = 1;
}

int model_count(void)
{
    return NMODELS;
}

const model_desc_t *model_at(int i)
{
    model_registry_init();
    return i >= 0 && i < NMODELS ? models[i] : NULL;
}

const model_desc_t *model_find(const char *name)
{
    for (int i = 0; i < NMODELS; i++)
        if (!strcmp(models[i]->name, name))
            return model_at(i);
    return NULL;
}

const void *model_cfg_const(const run_cfg_t *c, const char *name)
{
    const model_desc_t *d = model_find(name);
    return d ? (const char *)c + d->info->cfg_off : NULL;
}

void *model_cfg(run_cfg_t *c, const char *name)
{
    const model_desc_t *d = model_find(name);
    return d ? (char *)c + d->info->cfg_off : NULL;
}

int model_enabled(const run_cfg_t *c, const char *name)
{
    const model_desc_t *d = model_find(name);
    return d && d->enabled((const char *)c + d->info->cfg_off, c);
}

size_t model_cfg_bytes(void)
{
    model_registry_init();
    return cfg_bytes;
}
