build-heap/cli/opts.o: cli/opts.c cli/opts.h
cli/opts.h:
