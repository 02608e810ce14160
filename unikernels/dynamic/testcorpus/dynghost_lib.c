/* libdynghost.so: exists only at link time; never installed in dynlib. */
int dynghost(void) { return 1; }
