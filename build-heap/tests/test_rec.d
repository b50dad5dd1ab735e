build-heap/tests/test_rec.o: tests/test_rec.c models/metrics.h \
 models/model.h models/policy.h sim/simtime.h results/pack.h \
 results/rec.h sim/rng.h models/run.h models/arrivals.h models/dist.h \
 models/limiter.h models/metrics.h models/network.h models/server.h \
 sim/stats.h results/rec.h build-heap/gen/schema_sql.h
models/metrics.h:
models/model.h:
models/policy.h:
sim/simtime.h:
results/pack.h:
results/rec.h:
sim/rng.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/metrics.h:
models/network.h:
models/server.h:
sim/stats.h:
results/rec.h:
build-heap/gen/schema_sql.h:
