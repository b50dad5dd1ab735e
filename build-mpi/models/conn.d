build-mpi/models/conn.o: models/conn.c models/conn.h sim/simtime.h \
 models/world.h sim/eng.h sim/pes.h sim/simtime.h models/gmp.h \
 models/dist.h sim/stats.h models/idem.h models/limiter.h \
 models/metrics.h models/policy.h models/protect.h models/run.h \
 models/arrivals.h models/layers.h models/network.h sim/rng.h \
 models/server.h models/shed.h
models/conn.h:
sim/simtime.h:
models/world.h:
sim/eng.h:
sim/pes.h:
sim/simtime.h:
models/gmp.h:
models/dist.h:
sim/stats.h:
models/idem.h:
models/limiter.h:
models/metrics.h:
models/policy.h:
models/protect.h:
models/run.h:
models/arrivals.h:
models/layers.h:
models/network.h:
sim/rng.h:
models/server.h:
models/shed.h:
