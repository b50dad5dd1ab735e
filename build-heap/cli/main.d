build-heap/cli/main.o: cli/main.c config/cfg.h results/rec.h \
 models/metrics.h models/model.h models/policy.h sim/simtime.h sim/rng.h \
 models/run.h models/arrivals.h models/dist.h models/limiter.h \
 models/metrics.h models/network.h models/server.h sim/stats.h cli/exec.h \
 config/sweep.h config/cfg.h cli/opts.h cli/inspect.h cli/report.h \
 cli/sweep_cmd.h sim/pes.h sim/simtime.h config/presets.h config/expand.h
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
cli/opts.h:
cli/inspect.h:
cli/report.h:
cli/sweep_cmd.h:
sim/pes.h:
sim/simtime.h:
config/presets.h:
config/expand.h:
