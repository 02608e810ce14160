// parse_desc on arbitrary bytes: accepted or refused with a message naming
// the source, never a crash. An accepted desc must survive its own round
// trip: format_desc, parse again, format again gives the same text.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "desc.h"

namespace {
uk::Desc g_a, g_b;
char g_text[uk::kDescMaxBytes * 2], g_again[uk::kDescMaxBytes * 2];
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uk::Status s = uk::parse_desc(reinterpret_cast<const char *>(data), size, "fuzz.desc", &g_a);
  if (!s) {
    if (std::strncmp(s.error().what(), "fuzz.desc", 9) != 0) std::abort(); // every message names the file
    return 0;
  }
  size_t n = uk::format_desc(g_a, g_text, sizeof g_text);
  if (n == 0) std::abort();
  uk::Status again = uk::parse_desc(g_text, n, "formatted.desc", &g_b);
  if (!again) std::abort();
  size_t m = uk::format_desc(g_b, g_again, sizeof g_again);
  if (m != n || std::memcmp(g_text, g_again, n) != 0) std::abort();
  return 0;
}
