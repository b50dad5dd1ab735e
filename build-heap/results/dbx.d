build-heap/results/dbx.o: results/dbx.c results/dbx.h
results/dbx.h:
