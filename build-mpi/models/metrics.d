build-mpi/models/metrics.o: models/metrics.c models/metrics.h sim/stats.h
models/metrics.h:
sim/stats.h:
