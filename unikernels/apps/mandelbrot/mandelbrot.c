/* mandelbrot: renders the Mandelbrot set as a binary PPM.
 *   mandelbrot WIDTH HEIGHT ITERATIONS OUT.ppm
 * Prints the image size and a 64-bit FNV-1a checksum of the pixels. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int parse(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* The escape iteration of the point CR + CI i: at most ITERS (ITERS if it
 * stays bounded). Static, so main's per-pixel call is inlined in every mode
 * (no PLT call in the dynamic build). */
static inline long escape(double cr, double ci, long iters) {
  double zr = 0, zi = 0;
  long i = 0;
  while (i < iters && zr * zr + zi * zi <= 4.0) {
    double t = zr * zr - zi * zi + cr;
    zi = 2 * zr * zi + ci;
    zr = t;
    i++;
  }
  return i;
}

/* A FaaS-style handler for uk-dyn-run --invoke: one point, the same
 * iteration main uses for every pixel. */
long uk_handler(double cr, double ci, long iters) { return escape(cr, ci, iters); }

int main(int argc, char **argv) {
  long w, h, iters;
  if (argc != 5 || parse(argv[1], 1, 16384, &w) || parse(argv[2], 1, 16384, &h) ||
      parse(argv[3], 1, 1000000, &iters)) {
    fprintf(stderr, "usage: mandelbrot WIDTH HEIGHT ITERATIONS OUT.ppm\n");
    return 2;
  }
  size_t n = (size_t)w * (size_t)h * 3;
  unsigned char *px = malloc(n);
  if (!px) {
    fprintf(stderr, "mandelbrot: out of memory for %zu bytes\n", n);
    return 1;
  }
  for (long y = 0; y < h; y++) {
    double ci = -1.25 + 2.5 * (double)y / (double)h;
    for (long x = 0; x < w; x++) {
      double cr = -2.0 + 3.0 * (double)x / (double)w;
      long i = escape(cr, ci, iters);
      unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
      unsigned v = i == iters ? 0 : (unsigned)(i * 255 / iters);
      p[0] = (unsigned char)v;
      p[1] = (unsigned char)(v * 5);
      p[2] = (unsigned char)(255 - v);
    }
  }
  uint64_t sum = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) sum = (sum ^ px[i]) * 0x100000001b3ull;
  FILE *f = fopen(argv[4], "wb");
  if (!f) {
    perror(argv[4]);
    return 1;
  }
  fprintf(f, "P6\n%ld %ld\n255\n", w, h);
  if (fwrite(px, 1, n, f) != n || fclose(f) != 0) {
    perror(argv[4]);
    return 1;
  }
  printf("mandelbrot %ldx%ld, %ld iterations, checksum %016llx\n", w, h, iters, (unsigned long long)sum);
  free(px);
  return 0;
}
