build-heap/models/quota.o: models/quota.c models/protect_hooks.h \
 models/protect.h models/policy.h sim/simtime.h models/world.h sim/eng.h \
 sim/pes.h sim/simtime.h models/limiter.h models/metrics.h models/model.h \
 models/run.h models/arrivals.h models/dist.h models/network.h sim/rng.h \
 models/server.h sim/stats.h
models/protect_hooks.h:
models/protect.h:
models/policy.h:
sim/simtime.h:
models/world.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/limiter.h:
models/metrics.h:
models/model.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
