build-mpi/cli/main.o: cli/main.c config/cfg.h results/rec.h \
 models/metrics.h sim/rng.h models/run.h models/arrivals.h models/dist.h \
 sim/simtime.h models/conn.h models/gmp.h sim/eng.h sim/pes.h \
 sim/simtime.h sim/stats.h models/idem.h models/layers.h models/limiter.h \
 models/metrics.h models/network.h models/policy.h models/protect.h \
 models/server.h models/shed.h cli/exec.h config/sweep.h config/cfg.h \
 cli/inspect.h cli/sweep_cmd.h sim/pes.h
config/cfg.h:
results/rec.h:
models/metrics.h:
sim/rng.h:
models/run.h:
models/arrivals.h:
models/dist.h:
sim/simtime.h:
models/conn.h:
models/gmp.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
sim/stats.h:
models/idem.h:
models/layers.h:
models/limiter.h:
models/metrics.h:
models/network.h:
models/policy.h:
models/protect.h:
models/server.h:
models/shed.h:
cli/exec.h:
config/sweep.h:
config/cfg.h:
cli/inspect.h:
cli/sweep_cmd.h:
sim/pes.h:
