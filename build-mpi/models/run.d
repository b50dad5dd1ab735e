build-mpi/models/run.o: models/run.c models/run.h models/arrivals.h \
 models/dist.h sim/simtime.h models/conn.h models/gmp.h sim/eng.h \
 sim/pes.h sim/simtime.h sim/stats.h models/idem.h models/layers.h \
 models/limiter.h models/metrics.h models/network.h models/policy.h \
 models/protect.h sim/rng.h models/server.h models/shed.h models/world.h
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
sim/rng.h:
models/server.h:
models/shed.h:
models/world.h:
