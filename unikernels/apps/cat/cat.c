/* cat: copies standard input to standard output. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      perror("cat: read");
      return 1;
    }
    if (n == 0) return 0;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(1, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        perror("cat: write");
        return 1;
      }
      off += w;
    }
  }
}
