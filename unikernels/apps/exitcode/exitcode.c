/* exitcode: exits with the status given as its first argument (0..255). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: exitcode STATUS\n");
    return 2;
  }
  char *end;
  long v = strtol(argv[1], &end, 10);
  if (*argv[1] == '\0' || *end != '\0' || v < 0 || v > 255) {
    fprintf(stderr, "exitcode: '%s' is not a status 0..255\n", argv[1]);
    return 2;
  }
  exit((int)v);
}
