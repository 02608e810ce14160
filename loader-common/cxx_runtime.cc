// The few libstdc++ runtime hooks that header-only parts of the standard
// library (string_view::substr and friends) call on a contract violation.
// The loaders link no libstdc++, so they are defined here: report and abort.
#include <cstdio>
#include <cstdlib>

namespace std {

[[noreturn]] void __throw_out_of_range_fmt(const char *fmt, ...) {
  std::fprintf(stderr, "uk-slt: internal error: out of range (%s)\n", fmt);
  std::abort();
}

} // namespace std
