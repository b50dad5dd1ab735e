build-heap/cli/report.o: cli/report.c cli/report.h cli/exec.h \
 config/cfg.h results/rec.h models/metrics.h models/model.h \
 models/policy.h sim/simtime.h sim/rng.h models/run.h models/arrivals.h \
 models/dist.h models/limiter.h models/metrics.h models/network.h \
 models/server.h sim/stats.h config/sweep.h config/cfg.h cli/opts.h
cli/report.h:
cli/exec.h:
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
config/sweep.h:
config/cfg.h:
cli/opts.h:
