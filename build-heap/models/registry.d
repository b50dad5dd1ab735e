build-heap/models/registry.o: models/registry.c models/model.h \
 models/policy.h sim/simtime.h models/metrics.h models/run.h \
 models/arrivals.h models/dist.h models/limiter.h models/network.h \
 sim/rng.h models/server.h sim/stats.h models/models.def
models/model.h:
models/policy.h:
sim/simtime.h:
models/metrics.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
models/models.def:
