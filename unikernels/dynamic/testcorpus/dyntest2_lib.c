/* libdyntest2.so: the second test library. It needs libdyntest.so
 * (DT_NEEDED), yet the app lists it first, so it is loaded (and searched)
 * before libdyntest.so but initialised after it (see dyntest_lib.c). Linked
 * with -init/-fini, so it also has DT_INIT and DT_FINI. */
#include <stdio.h>
#include <stdlib.h>

int dyntest_tls_get(void);

__thread _Alignas(32) int dyntest2_tls = 22;
__attribute__((weak)) int dyntest_weak_first(void) { return 1; } /* weak, found before libdyntest's strong one */
int dyntest2_present(void) { return 5; }
const char *dyntest_who(void) { return "libdyntest2"; }
const char *dyntest_libname(void) { return "libdyntest2"; }
int dyntest2_tls_get(void) { return dyntest2_tls; }
int dyntest2_lib_tls(void) { return dyntest_tls_get(); } /* why it needs libdyntest */

static void trace(const char *what) {
  if (getenv("DYNTEST_TRACE")) fputs(what, stderr);
}
void dyntest2_dt_init(void) { trace("DT_INIT libdyntest2\n"); }
void dyntest2_dt_fini(void) { trace("DT_FINI libdyntest2\n"); }
__attribute__((constructor)) static void trace_init(void) { trace("init libdyntest2\n"); }
__attribute__((destructor)) static void trace_fini(void) { trace("fini libdyntest2\n"); }
