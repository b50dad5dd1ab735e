build-heap/tests/test_shed.o: tests/test_shed.c models/metrics.h \
 models/model.h models/policy.h sim/simtime.h models/run.h \
 models/arrivals.h models/dist.h models/limiter.h models/metrics.h \
 models/network.h sim/rng.h models/server.h sim/stats.h models/shed.h \
 tests/run_util.h config/cfg.h results/rec.h models/conn.h models/gmp.h \
 sim/eng.h sim/pes.h sim/simtime.h models/idem.h models/layers.h \
 models/model.h models/protect.h
models/metrics.h:
models/model.h:
models/policy.h:
sim/simtime.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/metrics.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
models/shed.h:
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
