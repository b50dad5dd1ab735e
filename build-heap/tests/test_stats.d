build-heap/tests/test_stats.o: tests/test_stats.c sim/stats.h
sim/stats.h:
