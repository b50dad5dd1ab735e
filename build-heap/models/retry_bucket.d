build-heap/models/retry_bucket.o: models/retry_bucket.c models/world.h \
 sim/eng.h sim/pes.h sim/simtime.h models/limiter.h sim/simtime.h \
 models/metrics.h models/model.h models/policy.h models/run.h \
 models/arrivals.h models/dist.h models/network.h sim/rng.h \
 models/server.h sim/stats.h
models/world.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/limiter.h:
sim/simtime.h:
models/metrics.h:
models/model.h:
models/policy.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
