build-heap/config/expr.o: config/expr.c config/expr.h sim/simtime.h
config/expr.h:
sim/simtime.h:
