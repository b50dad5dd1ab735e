build-heap/sim/rng.o: sim/rng.c sim/rng.h sim/hash.h
sim/rng.h:
sim/hash.h:
