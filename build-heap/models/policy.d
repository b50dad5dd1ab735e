build-heap/models/policy.o: models/policy.c models/policy.h sim/simtime.h \
 models/dist.h
models/policy.h:
sim/simtime.h:
models/dist.h:
