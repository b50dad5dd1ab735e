build-heap/tests/test_ladder.o: tests/test_ladder.c \
 tests/../sim/ladder/pes_ladder.c tests/../sim/ladder/../pes.h \
 tests/../sim/ladder/../simtime.h tests/../sim/ladder/../pes_slots.h \
 tests/../sim/ladder/../pes.h
tests/../sim/ladder/pes_ladder.c:
tests/../sim/ladder/../pes.h:
tests/../sim/ladder/../simtime.h:
tests/../sim/ladder/../pes_slots.h:
tests/../sim/ladder/../pes.h:
