// Names that come from an object file (symbol names, DT_NEEDED names, the
// paths built from them, SONAMEs) are printed escaped, never as raw bytes:
// printable ASCII stays as it is, a backslash becomes "\\", every other
// byte "\xNN", and a name longer than kMaxShownBytes is cut and ends in
// "...". So a message stays one line without terminal escape sequences,
// whatever the file holds. No allocation: usable by the code that runs
// inside the program (lazy binding) as well as for load errors.
#pragma once

#include <cstddef>

namespace uk::dyn {

inline constexpr size_t kMaxShownBytes = 256;                 // bytes of a name shown
inline constexpr size_t kShownCap = kMaxShownBytes * 4 + 4;   // worst case: every byte \xNN, "...", NUL

// Writes the escaped form of `s` (null: "(null)") into `out` (at least
// kShownCap bytes), NUL-terminated; returns its length.
size_t escape_name(const char *s, char *out);

// A name ready for "%s": Error::fmt("... '%s'", Shown(name).s).
struct Shown {
  char s[kShownCap];
  explicit Shown(const char *name) { escape_name(name, s); }
};

} // namespace uk::dyn
