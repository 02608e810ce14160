/* zlib-perf: deflates and inflates a file with zlib and checks the round trip.
 *
 *   zlib-perf [-l LEVEL] [-i INPUT] [-o DEFLATED] [SIZE]
 *
 * Without -i the input is generated: SIZE bytes (suffix K or M allowed,
 * default 10M) of deterministic text-like data, about as compressible as
 * prose. The data is deflated in 64 KiB pieces (zlib format, LEVEL 0-9,
 * default 6), the result inflated back in 64 KiB pieces and compared with the
 * input. Prints the sizes and the CRC-32 and Adler-32 of the input; with -o
 * also writes the deflated stream. Exit status 0 if the round trip is exact,
 * 1 if not (or on an I/O error), 2 on bad arguments. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zlib.h"

enum { kChunk = 64 * 1024 };

static int usage(void) {
  fprintf(stderr, "usage: zlib-perf [-l LEVEL] [-i INPUT] [-o DEFLATED] [SIZE[K|M]]\n");
  return 2;
}

static int parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || errno) return -1;
  if (*end == 'K' || *end == 'k') v <<= 10, end++;
  else if (*end == 'M' || *end == 'm') v <<= 20, end++;
  if (*end != '\0' || v > (1ull << 30)) return -1; /* at most 1 GiB */
  *out = (size_t)v;
  return 0;
}

/* Words drawn by a fixed LCG: compresses to about a third, like text. */
static void generate(unsigned char *buf, size_t n) {
  static const char *const words[] = {
      "unikernel", "library", "pool",   "page",   "shared",  "memory", "the",    "of",    "and",   "a",
      "loader",    "aligned", "slot",   "deflate", "inflate", "zlib",  "data",   "is",    "in",    "to",
      "function",  "process", "kernel", "static", "linker",  "symbol", "section", "map",  "read",  "only"};
  uint64_t x = 0x2545f4914f6cdd1dull;
  size_t i = 0;
  while (i < n) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const char *w = words[(x >> 33) % (sizeof words / sizeof words[0])];
    while (*w && i < n) buf[i++] = (unsigned char)*w++;
    if (i < n) buf[i++] = ((x >> 20) & 15) == 0 ? '\n' : ((x >> 24) & 31) == 0 ? (unsigned char)('0' + (x >> 40) % 10) : ' ';
  }
}

static unsigned char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 20, len = 0;
  unsigned char *buf = malloc(cap);
  while (buf) {
    if (len == cap) {
      unsigned char *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  if (buf && ferror(f)) { free(buf); buf = NULL; }
  fclose(f);
  *n = len;
  return buf;
}

/* Deflates in[0..n) in kChunk pieces; returns the stream length or -1. */
static long long deflate_all(const unsigned char *in, size_t n, unsigned char *out, size_t cap, int level) {
  z_stream s;
  memset(&s, 0, sizeof s);
  if (deflateInit(&s, level) != Z_OK) return -1;
  size_t pos = 0;
  s.next_out = out;
  s.avail_out = (uInt)cap;
  int rc, flush;
  do {
    size_t piece = n - pos < kChunk ? n - pos : kChunk;
    s.next_in = (unsigned char *)in + pos;
    s.avail_in = (uInt)piece;
    pos += piece;
    flush = pos == n ? Z_FINISH : Z_NO_FLUSH;
    rc = deflate(&s, flush);
    /* out has deflateBound() bytes: every call consumes its whole piece. */
    if (rc == Z_STREAM_ERROR || s.avail_in != 0) break;
  } while (flush != Z_FINISH);
  long long len = rc == Z_STREAM_END ? (long long)s.total_out : -1;
  deflateEnd(&s);
  return len;
}

/* Inflates in[0..n) writing at most cap bytes, kChunk at a time. */
static long long inflate_all(const unsigned char *in, size_t n, unsigned char *out, size_t cap) {
  z_stream s;
  memset(&s, 0, sizeof s);
  if (inflateInit(&s) != Z_OK) return -1;
  s.next_in = (unsigned char *)in;
  s.avail_in = (uInt)n;
  size_t pos = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    size_t piece = cap - pos < kChunk ? cap - pos : kChunk;
    s.next_out = out + pos;
    s.avail_out = (uInt)piece;
    rc = inflate(&s, Z_NO_FLUSH);
    pos += piece - s.avail_out;
    if (rc == Z_BUF_ERROR && pos == cap) break;
  }
  long long len = rc == Z_STREAM_END ? (long long)pos : -1;
  inflateEnd(&s);
  return len;
}

int main(int argc, char **argv) {
  size_t n = 10u << 20;
  int level = 6, opt;
  const char *in_path = NULL, *out_path = NULL;
  while ((opt = getopt(argc, argv, "l:i:o:")) != -1) {
    switch (opt) {
    case 'l':
      if (optarg[0] < '0' || optarg[0] > '9' || optarg[1]) return usage();
      level = optarg[0] - '0';
      break;
    case 'i': in_path = optarg; break;
    case 'o': out_path = optarg; break;
    default: return usage();
    }
  }
  if (argc - optind > 1 || (argc - optind == 1 && (in_path || parse_size(argv[optind], &n)))) return usage();

  unsigned char *in;
  if (in_path) {
    in = read_all(in_path, &n);
    if (!in) {
      fprintf(stderr, "zlib-perf: %s: %s\n", in_path, strerror(errno));
      return 1;
    }
  } else {
    in = malloc(n ? n : 1);
    if (in) generate(in, n);
  }
  size_t cap = deflateBound(NULL, (uLong)n);
  unsigned char *z = malloc(cap), *back = malloc(n + 1);
  if (!in || !z || !back) {
    fprintf(stderr, "zlib-perf: out of memory for %zu bytes\n", n);
    return 1;
  }

  long long zlen = deflate_all(in, n, z, cap, level);
  if (zlen < 0) {
    fprintf(stderr, "zlib-perf: deflate failed\n");
    return 1;
  }
  /* One byte of room more than the input: a longer result is caught too. */
  long long blen = inflate_all(z, (size_t)zlen, back, n + 1);
  int ok = blen == (long long)n && memcmp(in, back, n) == 0;

  uLong crc = crc32_z(crc32(0, Z_NULL, 0), in, n);
  uLong adler = adler32_z(adler32(0, Z_NULL, 0), in, n);
  printf("zlib %s level %d: input %zu bytes, deflated %lld bytes (%.2f%%), inflated %lld bytes\n", zlibVersion(),
         level, n, zlen, n ? 100.0 * (double)zlen / (double)n : 0.0, blen);
  printf("crc32 %08lx adler32 %08lx\n", crc, adler);
  printf("round trip: %s\n", ok ? "ok" : "MISMATCH");

  if (out_path) {
    FILE *f = fopen(out_path, "wb");
    if (!f || fwrite(z, 1, (size_t)zlen, f) != (size_t)zlen || fclose(f) != 0) {
      fprintf(stderr, "zlib-perf: %s: cannot write\n", out_path);
      return 1;
    }
  }
  free(in);
  free(z);
  free(back);
  return ok ? 0 : 1;
}
