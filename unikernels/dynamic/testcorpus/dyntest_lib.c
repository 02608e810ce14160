/*
 * libdyntest.so: test library of the dynamic corpus (not in the static pack).
 * Exercises what uk-dyn-run must get right beyond the corpus apps:
 *   TLS          __thread variables here, read and written from the app, and
 *                the app's own __thread variable read and written from here
 *                (general dynamic: DTPMOD64/DTPOFF64; initial exec: TPOFF64)
 *   interposition dyntest_who() is defined here and in the app: the app's
 *                wins, also for this library's own calls (through its PLT)
 *   weak         a weak definition found first (libdyntest2's, loaded before
 *                this library) wins over the strong one here (ld.so rule);
 *                undefined weak references bind to 0 when nothing defines them
 *   copy relocs  data objects the app (built -fPIE) copies into itself
 *   ifunc        an exported GNU indirect function and a local one (IRELATIVE)
 *   registers    many-argument and variadic functions, to check that lazy
 *                binding preserves every argument register
 *   RELRO        a relocated pointer in .data.rel.ro, read-only once loaded
 *   init/fini    a constructor and a destructor, traced with DYNTEST_TRACE
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- TLS --- */
__thread int dyntest_tls = 7;
__thread char dyntest_tls_buf[32];                      /* tbss */
__thread _Alignas(64) char dyntest_tls_aligned[64] = "aligned";
static __thread long tls_ie __attribute__((tls_model("initial-exec"))) = 100;
extern __thread int app_tls; /* defined by the app */

int dyntest_tls_get(void) { return dyntest_tls; }
void dyntest_tls_set(int v) { dyntest_tls = v; }
const char *dyntest_tls_buf_get(void) { return dyntest_tls_buf; }
void dyntest_tls_buf_set(const char *s) {
  strncpy(dyntest_tls_buf, s, sizeof dyntest_tls_buf - 1);
}
long dyntest_tls_ie_bump(void) { return ++tls_ie; }
int dyntest_app_tls_get(void) { return app_tls; }
void dyntest_app_tls_set(int v) { app_tls = v; }
uintptr_t dyntest_tls_aligned_addr(void) { return (uintptr_t)dyntest_tls_aligned; }

/* --- interposition --- */
const char *dyntest_who(void) { return "libdyntest"; }  /* the app's wins */
const char *dyntest_libname(void) { return "libdyntest"; } /* libdyntest2's (loaded first) wins */
/* Calls both through this library's PLT: interposable. */
void dyntest_greet(char *out, size_t n) {
  snprintf(out, n, "greeting from %s via %s", dyntest_who(), dyntest_libname());
}

/* --- weak --- */
int dyntest_weak_first(void) { return 2; } /* strong, but libdyntest2's weak one is found first */
extern int dyntest_nowhere(void) __attribute__((weak));          /* defined nowhere */
extern int dyntest2_present(void) __attribute__((weak));         /* defined in libdyntest2 */
int dyntest_weak_refs(void) { return (dyntest_nowhere ? 10 : 0) + (dyntest2_present ? dyntest2_present() : 0); }

/* --- copy relocations --- */
int dyntest_counter = 41;
const char dyntest_banner[] = "banner from libdyntest";
int dyntest_counter_bump(void) { return ++dyntest_counter; } /* through the GOT: sees the app's copy */
const char *dyntest_banner_addr(void) { return dyntest_banner; }

/* --- ifunc --- */
static int twice_impl(int x) { return 2 * x; }
static int (*resolve_twice(void))(int) { return twice_impl; }
int dyntest_twice(int) __attribute__((ifunc("resolve_twice")));
static int thrice_impl(int x) { return 3 * x; }
static int (*resolve_thrice(void))(int) { return thrice_impl; }
static int thrice(int) __attribute__((ifunc("resolve_thrice"), used));
int dyntest_thrice(int x) { return thrice(x); } /* local ifunc: R_X86_64_IRELATIVE */

/* --- RELRO --- */
static const char *const relro_ptr = "relro"; /* needs a relocation: .data.rel.ro */
const char *const *dyntest_relro_addr(void) { return &relro_ptr; }

/* --- init/fini --- */
__attribute__((constructor)) static void trace_init(void) {
  if (getenv("DYNTEST_TRACE")) fputs("init libdyntest\n", stderr);
}
__attribute__((destructor)) static void trace_fini(void) {
  if (getenv("DYNTEST_TRACE")) fputs("fini libdyntest\n", stderr);
}

/* --- argument registers --- */
double dyntest_mix(double a, double b, double c, double d, double e, double f, double g, double h, long i, long j,
                   long k, long l, long m, long n, long o, double p) {
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j + 11 * k + 12 * l + 13 * m +
         14 * n + 15 * o + 16 * p;
}
double dyntest_va_avg(int n, ...) {
  va_list ap;
  va_start(ap, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += va_arg(ap, double);
  va_end(ap);
  return n ? s / n : 0;
}
