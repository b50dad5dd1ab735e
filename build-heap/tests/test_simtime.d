build-heap/tests/test_simtime.o: tests/test_simtime.c sim/simtime.h
sim/simtime.h:
