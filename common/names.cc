#include "names.h"

#include <cstdio>

namespace uk {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '+' || c == '-';
}

} // namespace

const char *name_problem(std::string_view s, char *buf, size_t cap) {
  if (s.empty() || s.size() > kNameMaxLen) return "must be 1..63 characters";
  for (char c : s) {
    if (name_char(c)) continue;
    unsigned char u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f) std::snprintf(buf, cap, "character '%c' is not one of A-Z a-z 0-9 _ . + -", c);
    else if (u == 0x20) std::snprintf(buf, cap, "character ' ' is not one of A-Z a-z 0-9 _ . + -");
    else std::snprintf(buf, cap, "byte 0x%02x is not one of A-Z a-z 0-9 _ . + -", u);
    return buf;
  }
  if (s[0] == '.' || s[0] == '+' || s[0] == '-') return "must start with a letter, a digit or '_'";
  return nullptr;
}

bool is_valid_name(std::string_view s) {
  char buf[80];
  return name_problem(s, buf, sizeof buf) == nullptr;
}

void escape_name(std::string_view s, char *out, size_t cap) {
  size_t n = 0;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      if (n + 2 > cap) break;
      out[n++] = c;
    } else {
      if (n + 5 > cap) break;
      std::snprintf(out + n, 5, "\\x%02x", u);
      n += 4;
    }
  }
  if (cap) out[n < cap ? n : cap - 1] = '\0';
}

Status check_name(std::string_view s, const char *what) {
  char buf[80];
  const char *problem = name_problem(s, buf, sizeof buf);
  if (!problem) return {};
  char shown[200];
  escape_name(s.substr(0, 48), shown, sizeof shown);
  return Error::fmt("%s '%s%s' is not a valid name: %s", what, shown, s.size() > 48 ? "..." : "", problem);
}

} // namespace uk
