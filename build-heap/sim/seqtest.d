build-heap/sim/seqtest.o: sim/seqtest.c sim/seqtest.h
sim/seqtest.h:
