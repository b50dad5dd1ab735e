build-mpi/cli/sweep_cmd.o: cli/sweep_cmd.c cli/sweep_cmd.h config/cfg.h \
 results/rec.h models/metrics.h sim/rng.h models/run.h models/arrivals.h \
 models/dist.h sim/simtime.h models/conn.h models/gmp.h sim/eng.h \
 sim/pes.h sim/simtime.h sim/stats.h models/idem.h models/layers.h \
 models/limiter.h models/metrics.h models/network.h models/policy.h \
 models/protect.h models/server.h models/shed.h cli/exec.h config/sweep.h \
 config/cfg.h cli/farm.h results/pack.h results/rec.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h \
 /usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h
cli/sweep_cmd.h:
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
cli/farm.h:
results/pack.h:
results/rec.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h:
/usr/lib/x86_64-linux-gnu/openmpi/include/mpi_portable_platform.h:
