// The option loop of the three loaders (uk-slt-run, uk-dyn-run, uk-kvm-run),
// from a table of their flags. Hand-written rather than CLI11: uk-slt-run and
// uk-dyn-run are lean musl static PIEs without libstdc++ (no exceptions, no
// allocation here). Header-only, so uk-kvm-run (glibc) and the glibc build of
// uk-dyn-run's parser (ukdyn_host) use the same code.
//
// Conventions (README "Command-line conventions"), the same as uk-slt's:
//   -h/--help, -V/--version, -v/--verbose in every loader;
//   --name VALUE, --name=VALUE, -X VALUE, -XVALUE;
//   options stop at the first operand (the app) or after "--": what follows
//   is the app's own command line;
//   an unknown option or a missing value is named in one line.
#pragma once

#include <cstddef>
#include <cstring>

#include "error.h"

namespace uk::flags {

// The loaders' own statuses; every other status is the unikernel's. Kept
// above what programs usually return, as env(1) and timeout(1) do.
inline constexpr int kUsageError = 125; // bad command line
inline constexpr int kLoadError = 127;  // the unikernel could not be loaded or run

struct Flag {
  const char *name;       // "--pool"
  char short_name;        // 'L', or 0
  const char *value;      // what the value is ("a directory"), or null for a flag without one
  int id;                 // passed to the handler
};

struct Common {
  bool help = false, version = false, verbose = false;
};

// Parses argv[1..] up to the first operand. `on(id, value)` handles one
// table entry (value is null for a flag) and returns a Status. Returns the
// index of the first operand (argc if none).
template <size_t N, class On>
Result<int> parse(const Flag (&table)[N], int argc, char **argv, Common *c, On &&on) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0') break;
    if (std::strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (std::strcmp(a, "-h") == 0 || std::strcmp(a, "--help") == 0) {
      c->help = true;
      continue;
    }
    if (std::strcmp(a, "-V") == 0 || std::strcmp(a, "--version") == 0) {
      c->version = true;
      continue;
    }
    if (std::strcmp(a, "-v") == 0 || std::strcmp(a, "--verbose") == 0) {
      c->verbose = true;
      continue;
    }
    const Flag *f = nullptr;
    const char *val = nullptr;
    if (a[1] == '-') { // --name or --name=value
      const char *eq = std::strchr(a, '=');
      size_t len = eq ? static_cast<size_t>(eq - a) : std::strlen(a);
      for (const Flag &t : table)
        if (std::strlen(t.name) == len && std::strncmp(a, t.name, len) == 0) f = &t;
      if (f && eq) {
        if (!f->value) return Error::fmt("option '%s' takes no value (see --help)", f->name);
        val = eq + 1;
      }
    } else { // -X or -XVALUE
      for (const Flag &t : table)
        if (t.short_name && t.short_name == a[1] && (a[2] == '\0' || t.value)) f = &t;
      if (f && a[2] != '\0') val = a + 2;
    }
    if (!f) return Error::fmt("unknown option '%s' (see --help)", a);
    if (f->value && !val) {
      if (i + 1 >= argc) return Error::fmt("%s needs %s (see --help)", a, f->value);
      val = argv[++i];
    }
    Status s = on(f->id, val);
    if (!s) return s.error();
  }
  return i;
}

} // namespace uk::flags
