build-heap/tests/test_pes_lazy.o: tests/test_pes_lazy.c \
 tests/../sim/pes.c tests/../sim/pes.h tests/../sim/simtime.h \
 tests/../sim/pes_slots.h tests/test_pes.c sim/pes.h
tests/../sim/pes.c:
tests/../sim/pes.h:
tests/../sim/simtime.h:
tests/../sim/pes_slots.h:
tests/test_pes.c:
sim/pes.h:
