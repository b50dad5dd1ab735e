build-heap/tests/test_gmp.o: tests/test_gmp.c models/gmp.h models/dist.h \
 sim/simtime.h sim/eng.h sim/pes.h sim/simtime.h sim/stats.h \
 models/metrics.h models/model.h models/policy.h models/run.h \
 models/arrivals.h models/limiter.h models/metrics.h models/network.h \
 sim/rng.h models/server.h tests/run_util.h config/cfg.h results/rec.h \
 models/conn.h models/idem.h models/layers.h models/model.h \
 models/protect.h models/shed.h
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
models/run.h:
models/arrivals.h:
models/limiter.h:
models/metrics.h:
models/network.h:
sim/rng.h:
models/server.h:
tests/run_util.h:
config/cfg.h:
results/rec.h:
models/conn.h:
models/idem.h:
models/layers.h:
models/model.h:
models/protect.h:
models/shed.h:
