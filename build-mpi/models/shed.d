build-mpi/models/shed.o: models/shed.c models/shed.h sim/simtime.h
models/shed.h:
sim/simtime.h:
