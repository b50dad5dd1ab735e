build-heap/models/protect.o: models/protect.c models/protect.h \
 models/policy.h sim/simtime.h
models/protect.h:
models/policy.h:
sim/simtime.h:
