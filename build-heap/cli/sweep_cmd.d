build-heap/cli/sweep_cmd.o: cli/sweep_cmd.c cli/sweep_cmd.h config/cfg.h \
 results/rec.h models/metrics.h models/model.h models/policy.h \
 sim/simtime.h sim/rng.h models/run.h models/arrivals.h models/dist.h \
 models/limiter.h models/metrics.h models/network.h models/server.h \
 sim/stats.h cli/exec.h config/sweep.h config/cfg.h cli/farm.h \
 results/pack.h results/rec.h cli/opts.h cli/search.h
cli/sweep_cmd.h:
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
cli/exec.h:
config/sweep.h:
config/cfg.h:
cli/farm.h:
results/pack.h:
results/rec.h:
cli/opts.h:
cli/search.h:
