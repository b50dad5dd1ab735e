build-heap/cli/farm.o: cli/farm.c cli/farm.h results/pack.h results/rec.h \
 models/metrics.h models/model.h models/policy.h sim/simtime.h sim/rng.h \
 models/run.h models/arrivals.h models/dist.h models/limiter.h \
 models/metrics.h models/network.h models/server.h sim/stats.h \
 results/rec.h config/sweep.h config/cfg.h cli/exec.h config/cfg.h
cli/farm.h:
results/pack.h:
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
results/rec.h:
config/sweep.h:
config/cfg.h:
cli/exec.h:
config/cfg.h:
