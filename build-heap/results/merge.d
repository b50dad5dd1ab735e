build-heap/results/merge.o: results/merge.c results/rec.h \
 models/metrics.h models/model.h models/policy.h sim/simtime.h sim/rng.h \
 models/run.h models/arrivals.h models/dist.h models/limiter.h \
 models/metrics.h models/network.h models/server.h sim/stats.h \
 results/dbx.h
results/rec.h:
models/metrics.h:
models/model.h:
models/policy.h:
sim/simtime.h:
sim/rng.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/metrics.h:
models/network.h:
models/server.h:
sim/stats.h:
results/dbx.h:
