build-mpi/cli/farm.o: cli/farm.c cli/farm.h results/pack.h results/rec.h \
 models/metrics.h sim/rng.h models/run.h models/arrivals.h models/dist.h \
 sim/simtime.h models/conn.h models/gmp.h sim/eng.h sim/pes.h \
 sim/simtime.h sim/stats.h models/idem.h models/layers.h models/limiter.h \
 models/metrics.h models/network.h models/policy.h models/protect.h \
 models/server.h models/shed.h results/rec.h config/sweep.h config/cfg.h \
 cli/exec.h config/cfg.h
cli/farm.h:
results/pack.h:
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
results/rec.h:
config/sweep.h:
config/cfg.h:
cli/exec.h:
config/cfg.h:
