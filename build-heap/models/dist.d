build-heap/models/dist.o: models/dist.c models/dist.h sim/simtime.h
models/dist.h:
sim/simtime.h:
