/* uk-boot: C half of the start-up library (see start.S). */
#include "uk_app.h"

int __libc_start_main(int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void),
                      void (*)(void));

/* Placed by the linker script at UK_APP_TABLE_ADDR in every app. */
extern const struct uk_app_table __uk_app __attribute__((visibility("hidden")));

static int uk_main(int argc, char **argv, char **envp) { return __uk_app.main(argc, argv, envp); }

void __uk_run_init_array(void) {
  for (uk_fn *f = __uk_app.init_start; f < __uk_app.init_end; f++) (*f)();
}

void __uk_run_fini_array(void) {
  for (uk_fn *f = __uk_app.fini_end; f > __uk_app.fini_start;) (*--f)();
}

_Noreturn void __uk_start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  __libc_start_main(uk_main, argc, argv, 0, 0, 0);
  for (;;) {
  }
}
