build-mpi/cli/farm_mpi.o: cli/farm_mpi.c cli/farm.h results/pack.h \
 results/rec.h models/metrics.h sim/rng.h models/run.h models/arrivals.h \
 models/dist.h sim/simtime.h models/conn.h models/gmp.h sim/eng.h \
 sim/pes.h sim/simtime.h sim/stats.h models/idem.h models/layers.h \
 models/limiter.h models/metrics.h models/network.h models/policy.h \
 models/protect.h models/server.h models/shed.h results/rec.h \
 config/sweep.h config/cfg.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h \
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
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h:
cli/exec.h:
config/cfg.h:
