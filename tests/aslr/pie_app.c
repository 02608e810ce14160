/* The ASLR loader's test app: a static PIE on musl whose only absolute
 * values are R_X86_64_RELATIVE pointers in data (abs64 DescRelocs), plus two
 * words the loader fills with the address of the fixture's second block
 * ("lib", a pool page holding `mov $42, %eax; ret`): uk_slot_lib as a
 * slot64, uk_pc32_lib as a pc32 relative to its own address. Exercises
 * musl's stdio tables, init arrays, TLS and two independently placed blocks. */
#include <stdio.h>

__thread int tls_counter = 5;
void *uk_slot_lib;
int uk_pc32_lib;
static const char *names[] = {"abs64", "pointers"};
static int constructed;

__attribute__((constructor)) static void construct(void) { constructed = 1; }

int main(int argc, char **argv) {
  int (*f)(void) = (int (*)(void))uk_slot_lib;
  int (*g)(void) = (int (*)(void))((char *)&uk_pc32_lib + uk_pc32_lib);
  printf("%s %s tls %d lib %d %d constructed %d argc %d %s\n", names[0], names[1], ++tls_counter, f(), g(),
         constructed, argc, argc > 1 ? argv[1] : "-");
  return 0;
}
