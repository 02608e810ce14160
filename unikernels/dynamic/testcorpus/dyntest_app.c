/*
 * dyntest: the test app of the dynamic corpus (built -fPIE, so its
 * references to library data become copy relocations). One subcommand per
 * feature; tests/dyn/ checks the exact output.
 *   dyntest tls | interpose | weak | copy | ifunc | regs | threads | relro
 * With DYNTEST_TRACE set, every initialiser and finaliser says so on stderr.
 * Also exports functions for uk-dyn-run --invoke (dt_*).
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern __thread int dyntest_tls;
extern __thread char dyntest_tls_buf[32];
extern __thread char dyntest_tls_aligned[64];
extern __thread int dyntest2_tls;
__thread int app_tls = 1000;             /* read and written by libdyntest */
static __thread int app_local_tls = 5;   /* local exec */
int dyntest_tls_get(void);
void dyntest_tls_set(int);
const char *dyntest_tls_buf_get(void);
void dyntest_tls_buf_set(const char *);
long dyntest_tls_ie_bump(void);
int dyntest_app_tls_get(void);
void dyntest_app_tls_set(int);
uintptr_t dyntest_tls_aligned_addr(void);
int dyntest2_tls_get(void);
void dyntest_greet(char *, size_t);
int dyntest_weak_first(void);
int dyntest_weak_refs(void);
extern int dyntest_counter;
extern const char dyntest_banner[];
int dyntest_counter_bump(void);
const char *dyntest_banner_addr(void);
int dyntest_twice(int);
int dyntest_thrice(int);
double dyntest_mix(double, double, double, double, double, double, double, double, long, long, long, long, long,
                   long, long, double);
double dyntest_va_avg(int, ...);
extern char **environ;
const char *const *dyntest_relro_addr(void);

static sigjmp_buf *segv_jump;
static void on_segv(int sig) {
  (void)sig;
  siglongjmp(*segv_jump, 1);
}

static void trace(const char *what) {
  if (getenv("DYNTEST_TRACE")) fputs(what, stderr);
}
static void preinit(void) { trace("preinit app\n"); }
__attribute__((section(".preinit_array"), used)) static void (*preinit_entry)(void) = preinit;
__attribute__((constructor)) static void trace_init(void) { trace("init app\n"); }
__attribute__((destructor)) static void trace_fini(void) { trace("fini app\n"); }

/* Interposes libdyntest's (and libdyntest2's) definition. */
const char *dyntest_who(void) { return "app"; }

static int tls(void) {
  printf("lib tls %d\n", dyntest_tls);
  dyntest_tls = 8;
  printf("lib tls set by app, lib reads %d\n", dyntest_tls_get());
  dyntest_tls_set(9);
  printf("lib tls set by lib, app reads %d\n", dyntest_tls);
  printf("lib tbss '%s'\n", dyntest_tls_buf);
  dyntest_tls_buf_set("written by lib");
  printf("lib tbss after lib write '%s'\n", dyntest_tls_buf);
  strcpy(dyntest_tls_buf, "written by app");
  printf("lib tbss after app write '%s'\n", dyntest_tls_buf_get());
  long a = dyntest_tls_ie_bump(), b = dyntest_tls_ie_bump();
  printf("lib initial-exec %ld %ld\n", a, b);
  printf("app tls read by lib %d\n", dyntest_app_tls_get());
  dyntest_app_tls_set(1001);
  printf("app tls set by lib, app reads %d\n", app_tls);
  app_tls = 1002;
  printf("app tls set by app, lib reads %d\n", dyntest_app_tls_get());
  printf("app local tls %d\n", ++app_local_tls);
  printf("lib2 tls %d %d\n", dyntest2_tls, dyntest2_tls_get());
  printf("aligned '%s' %s, same address from app and lib: %s\n", dyntest_tls_aligned,
         (uintptr_t)dyntest_tls_aligned % 64 == 0 && (uintptr_t)&dyntest2_tls % 32 == 0 ? "aligned" : "MISALIGNED",
         (uintptr_t)dyntest_tls_aligned == dyntest_tls_aligned_addr() ? "yes" : "no");
  return 0;
}

static int relro(void) {
  /* Writing to a relocated const pointer of libdyntest must fault once
   * RELRO is applied; without RELRO (-z norelro) the write goes through. */
  static sigjmp_buf jb;
  struct sigaction sa = {0};
  sa.sa_handler = on_segv;
  sigaction(SIGSEGV, &sa, NULL);
  char **p = (char **)dyntest_relro_addr();
  printf("relro pointer '%s'\n", *p);
  fflush(stdout);
  segv_jump = &jb;
  if (sigsetjmp(jb, 1) == 0) {
    *(volatile char **)p = "changed";
    printf("relro: writable\n");
  } else {
    printf("relro: read-only\n");
  }
  return 0;
}

static int interpose(void) {
  char buf[64];
  dyntest_greet(buf, sizeof buf);
  printf("%s\n", buf);
  return 0;
}

static int weak(void) {
  printf("first definition wins: %d\n", dyntest_weak_first());
  printf("weak references: %d\n", dyntest_weak_refs());
  return 0;
}

static int copy(void) {
  printf("counter %d\n", dyntest_counter);
  int bumped = dyntest_counter_bump();
  printf("bumped by lib %d, app sees %d\n", bumped, dyntest_counter);
  printf("banner '%s', one copy: %s\n", dyntest_banner, dyntest_banner == dyntest_banner_addr() ? "yes" : "no");
  const char *via_getenv = getenv("DYNTEST_VAR"), *via_environ = NULL;
  for (char **e = environ; e && *e; e++)
    if (strncmp(*e, "DYNTEST_VAR=", 12) == 0) via_environ = *e + 12;
  printf("environ and getenv agree: %s (%s)\n",
         via_getenv && via_environ && strcmp(via_getenv, via_environ) == 0 ? "yes" : "no",
         via_getenv ? via_getenv : "unset");
  fputs("stdout copied\n", stdout);
  return 0;
}

static int ifunc(void) {
  printf("twice(21) %d, thrice(5) %d\n", dyntest_twice(21), dyntest_thrice(5));
  int (*volatile fp)(int) = dyntest_twice;
  printf("through a pointer %d\n", fp(4));
  return 0;
}

static int regs(void) {
  /* First calls go through the PLT: lazy binding must keep every argument. */
  double m = dyntest_mix(1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 1, 2, 3, 4, 5, 6, 7, 0.25);
  double v = dyntest_va_avg(4, 1.0, 2.0, 3.0, 6.0);
  printf("mix %.2f va %.2f\n", m, v);
  return 0;
}

static void *thread_main(void *arg) {
  (void)arg;
  /* A new thread gets a fresh copy of every module's TLS template. */
  printf("thread sees lib tls %d, lib2 tls %d, app tls %d, tbss '%s'\n", dyntest_tls_get(), dyntest2_tls,
         app_tls, dyntest_tls_buf);
  dyntest_tls = 77;
  return NULL;
}

static int threads(void) {
  dyntest_tls = 55;
  app_tls = 56;
  strcpy(dyntest_tls_buf, "main");
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, NULL) != 0) return 1;
  pthread_join(t, NULL);
  printf("main keeps lib tls %d, app tls %d\n", dyntest_tls, app_tls);
  return 0;
}

/* --- handlers for uk-dyn-run --invoke --- */
int dt_add(int a, int b) { return a + b; }
long long dt_mul64(long long a, long long b) { return a * b; }
double dt_scale(double x, int k) { return x * k; }
const char *dt_upper(const char *s) {
  static char buf[128];
  size_t i = 0;
  for (; s && s[i] && i + 1 < sizeof buf; i++) buf[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
  buf[i] = '\0';
  return buf;
}
void *dt_ptr_add(void *p, long n) { return (char *)p + n; }
int dt_is_null(void *p) { return p == NULL; }
static int calls;
int dt_count(void) { return ++calls; }
void dt_print(const char *s) { printf("dt_print: %s\n", s); }
double dt_many(int a, long long b, double c, const char *d, int e, int f, int g, double h, double i, double j,
               double k, double l, double m, double n, long long o, double p) {
  return a + (double)b + c + (double)strlen(d) + e + f + g + h + i + j + k + l + m + n + (double)o + p;
}
int dt_tls_counter(void) { return ++app_local_tls; }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: dyntest tls|interpose|weak|copy|ifunc|regs|threads|relro\n");
    return 2;
  }
  const char *c = argv[1];
  if (!strcmp(c, "tls")) return tls();
  if (!strcmp(c, "interpose")) return interpose();
  if (!strcmp(c, "weak")) return weak();
  if (!strcmp(c, "copy")) return copy();
  if (!strcmp(c, "ifunc")) return ifunc();
  if (!strcmp(c, "regs")) return regs();
  if (!strcmp(c, "threads")) return threads();
  if (!strcmp(c, "relro")) return relro();
  fprintf(stderr, "dyntest: unknown test '%s'\n", c);
  return 2;
}
