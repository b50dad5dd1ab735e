build-mpi/models/gmp.o: models/gmp.c models/gmp.h models/dist.h \
 sim/simtime.h sim/eng.h sim/pes.h sim/simtime.h sim/stats.h \
 models/metrics.h models/world.h models/conn.h models/idem.h \
 models/limiter.h models/policy.h models/protect.h models/run.h \
 models/arrivals.h models/layers.h models/network.h sim/rng.h \
 models/server.h models/shed.h
models/gmp.h:
models/dist.h:
sim/simtime.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
sim/stats.h:
models/metrics.h:
models/world.h:
models/conn.h:
models/idem.h:
models/limiter.h:
models/policy.h:
models/protect.h:
models/run.h:
models/arrivals.h:
models/layers.h:
models/network.h:
sim/rng.h:
models/server.h:
models/shed.h:
