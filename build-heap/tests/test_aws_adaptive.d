build-heap/tests/test_aws_adaptive.o: tests/test_aws_adaptive.c \
 models/aws_adaptive.h sim/simtime.h config/cfg.h results/rec.h \
 models/metrics.h models/model.h models/policy.h sim/rng.h models/run.h \
 models/arrivals.h models/dist.h models/limiter.h models/metrics.h \
 models/network.h models/server.h sim/stats.h tests/run_util.h \
 models/conn.h models/gmp.h sim/eng.h sim/pes.h sim/simtime.h \
 models/idem.h models/layers.h models/model.h models/protect.h \
 models/shed.h
models/aws_adaptive.h:
sim/simtime.h:
config/cfg.h:
results/rec.h:
models/metrics.h:
models/model.h:
models/policy.h:
sim/rng.h:
models/run.h:
models/arrivals.h:
models/dist.h:
models/limiter.h:
models/metrics.h:
models/network.h:
models/server.h:
sim/stats.h:
tests/run_util.h:
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
