build-heap/tests/test_engine.o: tests/test_engine.c sim/eng.h sim/pes.h \
 sim/simtime.h sim/rng.h
sim/eng.h:
sim/pes.h:
sim/simtime.h:
sim/rng.h:
