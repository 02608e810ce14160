/*
 * The start-up code both boot libraries share: the static one (boot.c, app
 * table at a fixed address) and the dynamic one (dynamic/boot/boot_dyn.c,
 * app table filled in by uk-dyn-run). Include it once, after declaring
 * __uk_app.
 */
#ifndef UK_APP_RUN_H
#define UK_APP_RUN_H

#include "uk_app.h"

int __libc_start_main(int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void),
                      void (*)(void));

static int uk_main(int argc, char **argv, char **envp) { return __uk_app.main(argc, argv, envp); }

/* musl's init array holds this one function: run the app's arrays. */
void __uk_run_init_array(void) {
  for (uk_fn *f = __uk_app.init_start; f < __uk_app.init_end; f++) (*f)();
}

/* musl's fini array holds this one function: the app's, backwards. */
void __uk_run_fini_array(void) {
  for (uk_fn *f = __uk_app.fini_end; f > __uk_app.fini_start;) (*--f)();
}

/* Called by _start with the initial stack pointer (argc, argv, envp, auxv). */
_Noreturn void __uk_start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  __libc_start_main(uk_main, argc, argv, 0, 0, 0);
  for (;;) {
  }
}

#endif
