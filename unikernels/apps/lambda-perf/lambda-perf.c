/* lambda-perf: the FaaS image function: upscales a PPM image 2x (bilinear).
 *
 *   lambda-perf IN.ppm OUT.ppm        read a binary PPM (P6, maxval 255),
 *                                     write it upscaled 2x
 *   lambda-perf gen W H OUT.ppm       write a deterministic W x H test image
 *
 * Both print the output image's size and a 64-bit FNV-1a checksum of its
 * pixels. Exit status 0, 1 on an I/O or format error, 2 on bad arguments.
 *
 * Bilinear with pixel centres at half-integers: for 2x every output sample
 * lies a quarter of a pixel from its nearest input sample, so the weights are
 * 3/4 and 1/4 per axis (edges clamped), computed in integers:
 *   out = (9*p00 + 3*p01 + 3*p10 + p11 + 8) / 16. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kMaxSide = 32768 };

struct image {
  long w, h;
  unsigned char *px; /* w * h * 3, RGB */
};

static int parse(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static uint64_t checksum(const struct image *im) {
  uint64_t sum = 0xcbf29ce484222325ull;
  size_t n = (size_t)im->w * (size_t)im->h * 3;
  for (size_t i = 0; i < n; i++) sum = (sum ^ im->px[i]) * 0x100000001b3ull;
  return sum;
}

static int alloc_image(struct image *im, long w, long h) {
  im->w = w;
  im->h = h;
  im->px = malloc((size_t)w * (size_t)h * 3);
  if (!im->px) fprintf(stderr, "lambda-perf: out of memory for a %ldx%ld image\n", w, h);
  return im->px ? 0 : -1;
}

/* One header field of a PPM: skips whitespace and # comments. */
static int ppm_field(FILE *f, long *out) {
  int c;
  for (;;) {
    c = fgetc(f);
    if (c == '#')
      while (c != '\n' && c != EOF) c = fgetc(f);
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '#') break;
  }
  long v = 0;
  int digits = 0;
  while (c >= '0' && c <= '9' && digits < 9) {
    v = v * 10 + (c - '0');
    digits++;
    c = fgetc(f);
  }
  if (!digits || (c != ' ' && c != '\t' && c != '\n' && c != '\r')) return -1;
  *out = v;
  return 0;
}

static int read_ppm(const char *path, struct image *im) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "lambda-perf: %s: %s\n", path, strerror(errno));
    return -1;
  }
  long w, h, maxval;
  int rc = -1;
  if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_field(f, &w) || ppm_field(f, &h) || ppm_field(f, &maxval) ||
      w < 1 || h < 1 || w > kMaxSide || h > kMaxSide || maxval != 255) {
    fprintf(stderr, "lambda-perf: %s: not a binary PPM (P6, 1..%d pixels a side, maxval 255)\n", path, kMaxSide);
  } else if (alloc_image(im, w, h) == 0) {
    size_t n = (size_t)w * (size_t)h * 3;
    if (fread(im->px, 1, n, f) != n) fprintf(stderr, "lambda-perf: %s: truncated pixel data\n", path);
    else rc = 0;
  }
  fclose(f);
  return rc;
}

static int write_ppm(const char *path, const struct image *im) {
  FILE *f = fopen(path, "wb");
  size_t n = (size_t)im->w * (size_t)im->h * 3;
  if (!f || fprintf(f, "P6\n%ld %ld\n255\n", im->w, im->h) < 0 || fwrite(im->px, 1, n, f) != n ||
      fclose(f) != 0) {
    fprintf(stderr, "lambda-perf: %s: cannot write\n", path);
    return -1;
  }
  return 0;
}

/* Smooth gradients, rings and a checkerboard: something worth upscaling. */
static void generate(struct image *im) {
  for (long y = 0; y < im->h; y++)
    for (long x = 0; x < im->w; x++) {
      unsigned char *p = im->px + ((size_t)y * (size_t)im->w + (size_t)x) * 3;
      long dx = x - im->w / 2, dy = y - im->h / 2;
      p[0] = (unsigned char)(x * 255 / (im->w > 1 ? im->w - 1 : 1));
      p[1] = (unsigned char)(y * 255 / (im->h > 1 ? im->h - 1 : 1));
      p[2] = (unsigned char)(((dx * dx + dy * dy) / 16) & 0xff) ^ (((x / 8 + y / 8) & 1) ? 0x40 : 0);
    }
}

static void upscale2x(const struct image *in, struct image *out) {
  const long w = in->w, h = in->h;
  for (long oy = 0; oy < out->h; oy++) {
    /* Nearest input row and the other one, a quarter pixel away. */
    long y0 = oy / 2, y1 = (oy & 1) ? (y0 + 1 < h ? y0 + 1 : y0) : (y0 > 0 ? y0 - 1 : 0);
    const unsigned char *r0 = in->px + (size_t)y0 * (size_t)w * 3, *r1 = in->px + (size_t)y1 * (size_t)w * 3;
    unsigned char *o = out->px + (size_t)oy * (size_t)out->w * 3;
    for (long ox = 0; ox < out->w; ox++) {
      long x0 = ox / 2, x1 = (ox & 1) ? (x0 + 1 < w ? x0 + 1 : x0) : (x0 > 0 ? x0 - 1 : 0);
      for (int c = 0; c < 3; c++) {
        unsigned v = 9u * r0[x0 * 3 + c] + 3u * r0[x1 * 3 + c] + 3u * r1[x0 * 3 + c] + r1[x1 * 3 + c];
        *o++ = (unsigned char)((v + 8) / 16);
      }
    }
  }
}

int main(int argc, char **argv) {
  struct image in = {0}, out = {0};
  long w, h;
  if (argc == 5 && strcmp(argv[1], "gen") == 0) {
    if (parse(argv[2], 1, kMaxSide, &w) || parse(argv[3], 1, kMaxSide, &h)) goto usage;
    if (alloc_image(&out, w, h)) return 1;
    generate(&out);
    if (write_ppm(argv[4], &out)) return 1;
  } else if (argc == 3) {
    if (read_ppm(argv[1], &in)) return 1;
    if (in.w * 2 > kMaxSide || in.h * 2 > kMaxSide) {
      fprintf(stderr, "lambda-perf: %s: %ldx%ld is too large to upscale\n", argv[1], in.w, in.h);
      return 1;
    }
    if (alloc_image(&out, in.w * 2, in.h * 2)) return 1;
    upscale2x(&in, &out);
    if (write_ppm(argv[2], &out)) return 1;
    free(in.px);
  } else {
    goto usage;
  }
  printf("image %ldx%ld checksum %016llx\n", out.w, out.h, (unsigned long long)checksum(&out));
  free(out.px);
  return 0;
usage:
  fprintf(stderr, "usage: lambda-perf IN.ppm OUT.ppm | lambda-perf gen WIDTH HEIGHT OUT.ppm\n");
  return 2;
}
