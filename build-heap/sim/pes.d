build-heap/sim/pes.o: sim/pes.c sim/pes.h sim/simtime.h sim/pes_slots.h
sim/pes.h:
sim/simtime.h:
sim/pes_slots.h:
