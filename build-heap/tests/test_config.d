build-heap/tests/test_config.o: tests/test_config.c tests/run_util.h \
 config/cfg.h results/rec.h models/metrics.h models/model.h \
 models/policy.h sim/simtime.h sim/rng.h models/run.h models/arrivals.h \
 models/dist.h models/limiter.h models/metrics.h models/network.h \
 models/server.h sim/stats.h models/conn.h models/gmp.h sim/eng.h \
 sim/pes.h sim/simtime.h models/idem.h models/layers.h models/model.h \
 models/protect.h models/shed.h
tests/run_util.h:
config/cfg.h:
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
