build-heap/sim/eng.o: sim/eng.c sim/eng.h sim/pes.h sim/simtime.h \
 sim/hash.h
sim/eng.h:
sim/pes.h:
sim/simtime.h:
sim/hash.h:
