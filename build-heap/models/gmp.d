build-heap/models/gmp.o: models/gmp.c models/gmp.h models/dist.h \
 sim/simtime.h sim/eng.h sim/pes.h sim/simtime.h sim/stats.h \
 models/metrics.h models/model.h models/policy.h models/world.h \
 models/limiter.h models/run.h models/arrivals.h models/network.h \
 sim/rng.h models/server.h
models/gmp.h:
models/dist.h:
sim/simtime.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
sim/stats.h:
models/metrics.h:
models/model.h:
models/policy.h:
models/world.h:
models/limiter.h:
models/run.h:
models/arrivals.h:
models/network.h:
sim/rng.h:
models/server.h:
