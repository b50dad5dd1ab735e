build-heap/models/metrics.o: models/metrics.c models/metrics.h \
 models/model.h models/policy.h sim/simtime.h sim/stats.h
models/metrics.h:
models/model.h:
models/policy.h:
sim/simtime.h:
sim/stats.h:
