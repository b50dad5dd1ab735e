/*
 * metrics: the core's declarations (metrics.h) joined with every model's
 * (model.h) into one list of series columns and one of scalars, in the
 * order the registry gives their ids: the core's first, then each model's
 * in the order of models.def.
 */
#include "metrics.h"

#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define METRICS_ROW(id, name, kind, unit, help, flags) {name, kind, unit, help, flags},
static const metrics_def_t core_series[M_CORE_COUNT] = {METRICS_SERIES(METRICS_ROW)};
#undef METRICS_ROW

#define METRICS_SCALAR_ROW(id, name, unit, help) {name, unit, help},
static const metrics_scalar_t core_scalars[S_CORE_COUNT] = {METRICS_SCALARS_CORE(METRICS_SCALAR_ROW)};
#undef METRICS_SCALAR_ROW

/* The whole list, flattened once (the registry is fixed at build time):
 * pointers to every declaration and its owner, and the names alone. */
typedef struct {
    int nseries, nscalars;
    const metrics_def_t **series;
    const metrics_scalar_t **scalars;
    const char **series_owner, **scalar_owner;
    const char **series_names, **scalar_names;
} table_t;

static table_t tab;

static void build(void)
{
    if (tab.series)
        return;
    int nse = M_CORE_COUNT, nsc = S_CORE_COUNT;
    for (int i = 0; i < model_count(); i++) {
        nse += model_at(i)->nseries;
        nsc += model_at(i)->nscalars;
    }
    /* allocated once for the life of the process; a failure leaves the
     * core's declarations only, which every caller can still use */
    const metrics_def_t **se = malloc((size_t)nse * sizeof *se);
    const metrics_scalar_t **sc = malloc((size_t)nsc * sizeof *sc);
    const char **seo = malloc((size_t)nse * sizeof *seo), **sco = malloc((size_t)nsc * sizeof *sco);
    const char **sen = malloc((size_t)nse * sizeof *sen), **scn = malloc((size_t)nsc * sizeof *scn);
    if (!se || !sc || !seo || !sco || !sen || !scn) {
        free(se), free(sc), free(seo), free(sco), free(sen), free(scn);
        return;
    }
    for (int i = 0; i < M_CORE_COUNT; i++)
        se[i] = &core_series[i], seo[i] = "core";
    for (int i = 0; i < S_CORE_COUNT; i++)
        sc[i] = &core_scalars[i], sco[i] = "core";
    for (int m = 0; m < model_count(); m++) {
        const model_desc_t *d = model_at(m);
        for (int k = 0; k < d->nseries; k++)
            se[d->info->series0 + k] = &d->series[k], seo[d->info->series0 + k] = d->name;
        for (int k = 0; k < d->nscalars; k++)
            sc[d->info->scalar0 + k] = &d->scalars[k], sco[d->info->scalar0 + k] = d->name;
    }
    for (int i = 0; i < nse; i++)
        sen[i] = se[i]->name;
    for (int i = 0; i < nsc; i++)
        scn[i] = sc[i]->name;
    tab = (table_t){nse, nsc, se, sc, seo, sco, sen, scn};
}

int metrics_nseries(void)
{
    build();
    return tab.series ? tab.nseries : M_CORE_COUNT;
}

int metrics_nscalars(void)
{
    build();
    return tab.series ? tab.nscalars : S_CORE_COUNT;
}

const metrics_def_t *metrics_series_def(int id)
{
    build();
    if (id >= 0 && id < M_CORE_COUNT)
        return &core_series[id];
    return tab.series && id >= 0 && id < tab.nseries ? tab.series[id] : NULL;
}

const metrics_scalar_t *metrics_scalar_def(int id)
{
    build();
    if (id >= 0 && id < S_CORE_COUNT)
        return &core_scalars[id];
    return tab.series && id >= 0 && id < tab.nscalars ? tab.scalars[id] : NULL;
}

const char *metrics_series_owner(int id)
{
    build();
    return tab.series && id >= 0 && id < tab.nseries ? tab.series_owner[id] : "core";
}

const char *metrics_scalar_owner(int id)
{
    build();
    return tab.series && id >= 0 && id < tab.nscalars ? tab.scalar_owner[id] : "core";
}

const char *const *metrics_series_names(void)
{
    build();
    return tab.series_names;
}

const char *const *metrics_scalar_names(void)
{
    build();
    return tab.scalar_names;
}

int metrics_scalar_find(const char *name)
{
    for (int i = 0, n = metrics_nscalars(); i < n; i++)
        if (strcmp(metrics_scalar_def(i)->name, name) == 0)
            return i;
    return -1;
}

int metrics_series_find(const char *name)
{
    for (int i = 0, n = metrics_nseries(); i < n; i++)
        if (strcmp(metrics_series_def(i)->name, name) == 0)
            return i;
    return -1;
}
