// The one name rule for apps and libraries, shared by `uk-slt pack` (app
// names from the command line, library names from object file names), the
// layout registry and the desc parser, so whatever pack writes the loaders
// read back, and no name can leave --out-dir or hide as a dot file:
//   1..63 bytes of A-Z a-z 0-9 _ . + -, the first one a letter, a digit or _.
// No allocation: also built for the musl loaders.
#pragma once

#include <cstddef>
#include <string_view>

#include "error.h"

namespace uk {

inline constexpr size_t kNameMaxLen = 63;

// nullptr if `s` is a valid name, else what is wrong with it (static text,
// or `buf` filled in; buf holds at least 64 bytes).
const char *name_problem(std::string_view s, char *buf, size_t cap);
bool is_valid_name(std::string_view s);

// "<what> '<s>' is not a valid name: <problem>", the name with every byte
// that is not printable ASCII shown as \xNN. Empty Status if valid.
Status check_name(std::string_view s, const char *what);

// `s` with non-printable bytes (and backslash) as \xNN, at most cap-1 bytes.
void escape_name(std::string_view s, char *out, size_t cap);

} // namespace uk
