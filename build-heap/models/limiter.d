build-heap/models/limiter.o: models/limiter.c models/limiter.h \
 sim/simtime.h
models/limiter.h:
sim/simtime.h:
