build-heap/tests/test_idem.o: tests/test_idem.c models/idem.h \
 sim/simtime.h models/run.h models/arrivals.h models/dist.h \
 models/limiter.h models/metrics.h models/model.h models/policy.h \
 models/network.h sim/rng.h models/server.h sim/stats.h tests/run_util.h \
 config/cfg.h results/rec.h models/metrics.h models/conn.h models/gmp.h \
 sim/eng.h sim/pes.h sim/simtime.h models/layers.h models/model.h \
 models/protect.h models/shed.h
models/idem.h:
sim/simtime.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/metrics.h:
models/model.h:
models/policy.h:
models/network.h:
sim/rng.h:
models/server.h:
sim/stats.h:
tests/run_util.h:
config/cfg.h:
results/rec.h:
models/metrics.h:
models/conn.h:
models/gmp.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/layers.h:
models/model.h:
models/protect.h:
models/shed.h:
