/* dynghost: needs libdynghost.so, which is not in any searched directory. */
int dynghost(void);
int main(void) { return dynghost(); }
