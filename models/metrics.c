/* metrics: the tables behind METRICS_SERIES and METRICS_SCALARS (see metrics.h). */
#include "metrics.h"

#include <string.h>

#include "stats.h"

#define METRICS_ROW(id, name, kind, unit, help) {name, kind, unit, help},
const metrics_def_t metrics_series[M_COUNT] = {METRICS_SERIES(METRICS_ROW)};
#undef METRICS_ROW

#define METRICS_SCALAR_ROW(id, name, unit, help) {name, unit, help},
const metrics_scalar_t metrics_scalars[S_COUNT] = {METRICS_SCALARS(METRICS_SCALAR_ROW)};
#undef METRICS_SCALAR_ROW

int metrics_scalar_find(const char *name)
{
    for (int i = 0; i < S_COUNT; i++)
        if (strcmp(metrics_scalars[i].name, name) == 0)
            return i;
    return -1;
}
