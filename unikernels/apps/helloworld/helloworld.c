/* helloworld: prints a greeting and its arguments. Also exercises what the
 * boot library must get right: a constructor (init array), a destructor
 * (fini array) and a thread-local variable (PT_TLS). */
#include <stdio.h>

static __thread int tls_counter = 40;
static int constructed;

__attribute__((constructor)) static void hello_init(void) { constructed = 1; }
__attribute__((destructor)) static void hello_fini(void) { printf("goodbye (tls %d)\n", tls_counter); }

/* A FaaS-style handler for uk-dyn-run --invoke (main is not run then):
 * greets WHO (a null pointer: "world") TIMES times and returns how many
 * greetings it printed. The instance keeps its state between calls: the
 * TLS counter the destructor prints grows with every greeting. */
int uk_handler(const char *who, int times) {
  int n = 0;
  for (; n < times; n++) printf("Hello, %s!\n", who ? who : "world");
  tls_counter += n;
  return n;
}

int main(int argc, char **argv) {
  printf("Hello from uk-slt! (constructor %s)\n", constructed ? "ran" : "did not run");
  for (int i = 1; i < argc; i++) {
    tls_counter++;
    printf("arg %d: %s\n", i, argv[i]);
  }
  return 0;
}
