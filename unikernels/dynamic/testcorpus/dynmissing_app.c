/* dynmissing: needs dynmissing_gone, which the installed libdynmissing.so
 * lacks. Eager binding must refuse to load it; lazy binding must run it
 * until the first call ("dynmissing call"), then fail naming the symbol. */
#include <stdio.h>
#include <string.h>

int dynmissing_kept(void);
int dynmissing_gone(void);

int main(int argc, char **argv) {
  printf("kept %d\n", dynmissing_kept());
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "call") == 0) printf("gone %d\n", dynmissing_gone());
  return 0;
}
