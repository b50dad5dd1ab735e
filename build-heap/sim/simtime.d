build-heap/sim/simtime.o: sim/simtime.c sim/simtime.h
sim/simtime.h:
