build-heap/tests/test_models.o: tests/test_models.c models/arrivals.h \
 models/dist.h sim/simtime.h models/dist.h models/metrics.h \
 models/model.h models/policy.h models/run.h models/arrivals.h \
 models/limiter.h models/metrics.h models/network.h sim/rng.h \
 models/server.h sim/stats.h tests/run_util.h config/cfg.h results/rec.h \
 models/conn.h models/gmp.h sim/eng.h sim/pes.h sim/simtime.h \
 models/idem.h models/layers.h models/model.h models/protect.h \
 models/shed.h
models/arrivals.h:
models/dist.h:
sim/simtime.h:
models/dist.h:
models/metrics.h:
models/model.h:
models/policy.h:
models/run.h:
models/arrivals.h:
models/limiter.h:
models/metrics.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
tests/run_util.h:
config/cfg.h:
results/rec.h:
models/conn.h:
models/gmp.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/idem.h:
models/layers.h:
models/model.h:
models/protect.h:
models/shed.h:
