build-heap/tests/test_cli.o: tests/test_cli.c
