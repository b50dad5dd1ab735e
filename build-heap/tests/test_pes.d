build-heap/tests/test_pes.o: tests/test_pes.c sim/pes.h sim/simtime.h
sim/pes.h:
sim/simtime.h:
