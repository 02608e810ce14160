// Command line of uk-dyn-run. Hand-parsed like uk-slt-run's (the loader is
// a lean musl static PIE). Options stop at the app; what follows is its
// arguments.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.h"

namespace uk::dyn {

inline constexpr size_t kMaxInvokeArgs = 32;
inline constexpr size_t kMaxPathOptions = 16;

enum class ValueType { kVoid, kI32, kI64, kDouble, kString, kPointer };

struct InvokeArg {
  ValueType type = ValueType::kI32;
  union {
    int32_t i32;
    int64_t i64;
    double d;
    const char *s;
    void *p;
  } v{};
};

struct DynOptions {
  const char *library_paths[kMaxPathOptions] = {}; // --library-path / -L, in order
  size_t nlibrary_paths = 0;
  bool bind_now = false; // --bind-now, or LD_BIND_NOW set and non-empty
  bool stats = false;
  bool verbose = false;
  bool help = false;
  bool version = false;
  bool clobber_registers = false; // --debug-clobber-registers (tests)
  bool lazy_xsave = false;
  bool dry_run = false;           // --dry-run: load and relocate, do not run        // --lazy-xsave: the lazy resolver saves the whole XSAVE state
  const char *invoke = nullptr;   // --invoke SYMBOL
  InvokeArg args[kMaxInvokeArgs];
  size_t nargs = 0;
  ValueType ret = ValueType::kI32; // --ret TYPE
  uint64_t repeat = 1;             // --repeat N
  const char *app = nullptr;
  int app_argc = 0; // argv for the app: its path, then its arguments
  char **app_argv = nullptr;
};

Status parse_dyn_options(int argc, char **argv, const char *ld_bind_now, DynOptions *out);
void print_dyn_usage();
const char *value_type_name(ValueType t);

} // namespace uk::dyn
