#include "printable.h"

namespace uk::dyn {

size_t escape_name(const char *s, char *out) {
  if (!s) s = "(null)";
  size_t n = 0, i = 0;
  for (; s[i] && i < kMaxShownBytes; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out[n++] = '\\';
      out[n++] = '\\';
    } else if (c >= 0x20 && c < 0x7f) {
      out[n++] = static_cast<char>(c);
    } else {
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = "0123456789abcdef"[c >> 4];
      out[n++] = "0123456789abcdef"[c & 15];
    }
  }
  if (s[i])
    for (int k = 0; k < 3; k++) out[n++] = '.';
  out[n] = '\0';
  return n;
}

} // namespace uk::dyn
