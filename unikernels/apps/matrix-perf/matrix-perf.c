/* matrix-perf: N x N double-precision matrix multiply, C = A * B.
 *
 *   matrix-perf [N] [THREADS]       N: 1..8192, default 512
 *                                   THREADS: 1..64, default the online CPUs
 *
 * Rows of C are split between THREADS pthreads (musl's, a real Linux thread
 * per worker whichever way the unikernel runs). A and B hold small multiples
 * of 1/8, so every product and sum is exact: the checksums are the same for
 * any thread count and summation order, and a test can recompute them.
 * Prints the trace of C, the sum of its elements and a 64-bit FNV-1a hash of
 * its bit patterns. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kBlock = 64, kMaxThreads = 64 };

struct job {
  const double *a, *b;
  double *c;
  long n, row0, row1;
};

static double elem_a(long i, long j) { return (double)((i * 7 + j * 3) % 17 - 8) / 8.0; }
static double elem_b(long i, long j) { return (double)((i * 5 + j * 11) % 13 - 6) / 8.0; }

static int parse(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* Rows row0..row1 of C: i-k-j order in kBlock-wide strips of B. */
static void *multiply(void *arg) {
  const struct job *jb = arg;
  const long n = jb->n;
  for (long i = jb->row0; i < jb->row1; i++) memset(jb->c + i * n, 0, (size_t)n * sizeof(double));
  for (long kk = 0; kk < n; kk += kBlock) {
    long kend = kk + kBlock < n ? kk + kBlock : n;
    for (long i = jb->row0; i < jb->row1; i++) {
      double *ci = jb->c + i * n;
      for (long k = kk; k < kend; k++) {
        const double aik = jb->a[i * n + k];
        const double *bk = jb->b + k * n;
        for (long j = 0; j < n; j++) ci[j] += aik * bk[j];
      }
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  long n = 512, threads = sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  if (threads > kMaxThreads) threads = kMaxThreads;
  if (argc > 3 || (argc > 1 && parse(argv[1], 1, 8192, &n)) || (argc > 2 && parse(argv[2], 1, kMaxThreads, &threads))) {
    fprintf(stderr, "usage: matrix-perf [N] [THREADS]\n");
    return 2;
  }
  if (threads > n) threads = n;
  size_t cells = (size_t)n * (size_t)n;
  double *a = malloc(cells * sizeof *a), *b = malloc(cells * sizeof *b), *c = malloc(cells * sizeof *c);
  if (!a || !b || !c) {
    fprintf(stderr, "matrix-perf: out of memory for three %ldx%ld matrices\n", n, n);
    return 1;
  }
  for (long i = 0; i < n; i++)
    for (long j = 0; j < n; j++) {
      a[i * n + j] = elem_a(i, j);
      b[i * n + j] = elem_b(i, j);
    }

  struct job jobs[kMaxThreads];
  pthread_t tids[kMaxThreads];
  for (long t = 0; t < threads; t++) {
    jobs[t] = (struct job){a, b, c, n, n * t / threads, n * (t + 1) / threads};
    /* Worker 0 is this thread. */
    if (t > 0 && pthread_create(&tids[t], NULL, multiply, &jobs[t]) != 0) {
      fprintf(stderr, "matrix-perf: cannot create thread %ld\n", t);
      return 1;
    }
  }
  multiply(&jobs[0]);
  for (long t = 1; t < threads; t++) pthread_join(tids[t], NULL);

  double trace = 0, sum = 0;
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < cells; i++) {
    uint64_t bits;
    memcpy(&bits, &c[i], sizeof bits);
    hash = (hash ^ bits) * 0x100000001b3ull;
    sum += c[i];
  }
  for (long i = 0; i < n; i++) trace += c[i * n + i];
  printf("matrix %ldx%ld threads %ld: trace %.6f sum %.6f checksum %016llx\n", n, n, threads, trace, sum,
         (unsigned long long)hash);
  free(a);
  free(b);
  free(c);
  return 0;
}
