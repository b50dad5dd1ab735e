/* metrics: the table behind METRICS_SERIES (see metrics.h). */
#include "metrics.h"

#include "stats.h"

#define METRICS_ROW(id, name, kind, unit, help) {name, kind, unit, help},
const metrics_def_t metrics_series[M_COUNT] = {METRICS_SERIES(METRICS_ROW)};
#undef METRICS_ROW
