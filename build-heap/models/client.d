build-heap/models/client.o: models/client.c models/dist.h sim/simtime.h \
 models/world.h sim/eng.h sim/pes.h sim/simtime.h models/limiter.h \
 models/metrics.h models/model.h models/policy.h models/run.h \
 models/arrivals.h models/network.h sim/rng.h models/server.h sim/stats.h
models/dist.h:
sim/simtime.h:
models/world.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/limiter.h:
models/metrics.h:
models/model.h:
models/policy.h:
models/run.h:
models/arrivals.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
