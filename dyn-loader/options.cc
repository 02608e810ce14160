#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "flags.h"

namespace uk::dyn {
namespace {

struct TypeName {
  const char *name;
  ValueType type;
};
constexpr TypeName kTypes[] = {{"void", ValueType::kVoid},     {"int", ValueType::kI32},
                               {"i32", ValueType::kI32},       {"i64", ValueType::kI64},
                               {"double", ValueType::kDouble}, {"string", ValueType::kString},
                               {"pointer", ValueType::kPointer}};

bool parse_type(const char *s, size_t len, ValueType *t) {
  for (const TypeName &n : kTypes)
    if (std::strlen(n.name) == len && std::strncmp(s, n.name, len) == 0) {
      *t = n.type;
      return true;
    }
  return false;
}

Status parse_arg(const char *spec, InvokeArg *a) {
  const char *colon = std::strchr(spec, ':');
  if (!colon || !parse_type(spec, static_cast<size_t>(colon - spec), &a->type) || a->type == ValueType::kVoid)
    return Error::fmt("--arg '%s': expected TYPE:VALUE with TYPE int, i32, i64, double, string or pointer", spec);
  const char *v = colon + 1;
  char *end = nullptr;
  errno = 0;
  switch (a->type) {
  case ValueType::kI32: {
    long long x = std::strtoll(v, &end, 0);
    if (!*v || *end || errno || x < INT32_MIN || x > INT32_MAX)
      return Error::fmt("--arg '%s': '%s' is not a 32-bit integer", spec, v);
    a->v.i32 = static_cast<int32_t>(x);
    break;
  }
  case ValueType::kI64: {
    long long x = std::strtoll(v, &end, 0);
    if (!*v || *end || errno) return Error::fmt("--arg '%s': '%s' is not a 64-bit integer", spec, v);
    a->v.i64 = x;
    break;
  }
  case ValueType::kDouble: {
    double x = std::strtod(v, &end);
    if (!*v || *end || errno) return Error::fmt("--arg '%s': '%s' is not a number", spec, v);
    a->v.d = x;
    break;
  }
  case ValueType::kString:
    a->v.s = v;
    break;
  case ValueType::kPointer: {
    if (std::strcmp(v, "null") == 0 || std::strcmp(v, "NULL") == 0) {
      a->v.p = nullptr;
      break;
    }
    unsigned long long x = std::strtoull(v, &end, 0);
    if (!*v || *end || errno || *v == '-') return Error::fmt("--arg '%s': '%s' is not an address or null", spec, v);
    a->v.p = reinterpret_cast<void *>(static_cast<uintptr_t>(x));
    break;
  }
  case ValueType::kVoid:
    break;
  }
  return {};
}

enum Id { kLibraryPath, kBindNow, kClobber, kLazyXsave, kDryRun, kInvoke, kArg, kRet, kRepeat, kStats };
constexpr flags::Flag kFlags[] = {
    {"--library-path", 'L', "a value", kLibraryPath},
    {"--bind-now", 0, nullptr, kBindNow},
    {"--debug-clobber-registers", 0, nullptr, kClobber},
    {"--lazy-xsave", 0, nullptr, kLazyXsave},
    {"--dry-run", 0, nullptr, kDryRun},
    {"--invoke", 0, "a value", kInvoke},
    {"--arg", 0, "a value", kArg},
    {"--ret", 0, "a value", kRet},
    {"--repeat", 0, "a value", kRepeat},
    {"--stats", 0, nullptr, kStats},
};

} // namespace

const char *value_type_name(ValueType t) {
  for (const TypeName &n : kTypes)
    if (n.type == t) return n.name;
  return "?";
}

void print_dyn_usage() {
  std::fputs(
      "usage: uk-dyn-run [options] APP.so [ARGS...]\n"
      "Load a dynamically linked unikernel (a PIE and its shared objects) and run it in Linux userspace,\n"
      "with uk-slt's own dynamic loader (no system ld.so).\n\n"
      "options:\n"
      "  -L, --library-path DIRS  colon-separated directories searched first for libraries (repeatable);\n"
      "                           then $UK_DYN_LIBRARY_PATH, the app's directory and " UK_DYN_DEFAULT_LIBDIR "\n"
      "                           (relative to uk-dyn-run's own directory)\n"
      "  --bind-now               resolve every symbol at load time (also when LD_BIND_NOW is set);\n"
      "                           default: functions are bound at their first call\n"
      "  --lazy-xsave             lazy binding saves the whole XSAVE state (CPUID at start-up) instead of\n"
      "                           fxsave (x87, MXCSR, %xmm0-15)\n"
      "  --invoke SYMBOL          run the initialisers, then call the exported function SYMBOL instead of main\n"
      "  --arg TYPE:VALUE         an argument for --invoke, in order; TYPE is int (i32), i64, double, string\n"
      "                           or pointer (a number or null)\n"
      "  --ret TYPE               return type of SYMBOL: void, int (i32), i64, double, string, pointer\n"
      "                           (default int); the value is printed on stdout, one line per call\n"
      "  --repeat N               call SYMBOL N times in the same instance (default 1)\n"
      "  --dry-run                load, relocate and check everything, then exit 0 without running any\n"
      "                           code of the objects (no ifunc resolver, no initialiser, no program)\n"
      "  --stats                  print load time, objects, pages, relocations and symbols to stderr\n"
      "  -v, --verbose            print every object, mapping, TLS block and initialiser to stderr\n"
      "  -h, --help               show this help\n"
      "  -V, --version            show the version\n"
      "The app's exit status is uk-dyn-run's (killed by a signal: the same signal); uk-dyn-run's own:\n"
      "125 usage error, 127 the app could not be loaded (one line on stderr).\n",
      stdout);
}

Status parse_dyn_options(int argc, char **argv, const char *ld_bind_now, DynOptions *o) {
  bool have_ret = false, have_repeat = false;
  flags::Common c;
  auto first = flags::parse(kFlags, argc, argv, &c, [&](int id, const char *val) -> Status {
    switch (id) {
    case kLibraryPath:
      if (o->nlibrary_paths == kMaxPathOptions) return Error::fmt("more than %zu --library-path options", kMaxPathOptions);
      o->library_paths[o->nlibrary_paths++] = val;
      break;
    case kBindNow: o->bind_now = true; break;
    case kClobber: o->clobber_registers = true; break;
    case kLazyXsave: o->lazy_xsave = true; break;
    case kDryRun: o->dry_run = true; break;
    case kStats: o->stats = true; break;
    case kInvoke:
      if (!*val) return Error::fmt("--invoke needs a symbol name");
      o->invoke = val;
      break;
    case kArg:
      if (o->nargs == kMaxInvokeArgs) return Error::fmt("more than %zu --arg options", kMaxInvokeArgs);
      return parse_arg(val, &o->args[o->nargs++]);
    case kRet:
      if (!parse_type(val, std::strlen(val), &o->ret))
        return Error::fmt("--ret '%s': expected void, int, i32, i64, double, string or pointer", val);
      have_ret = true;
      break;
    case kRepeat: {
      char *end;
      errno = 0;
      unsigned long long n = std::strtoull(val, &end, 10);
      if (!*val || *end || errno || *val == '-' || n == 0 || n > 1000000000ull)
        return Error::fmt("--repeat '%s': expected a count from 1 to 1000000000", val);
      o->repeat = n;
      have_repeat = true;
      break;
    }
    }
    return {};
  });
  if (!first) return first.error();
  o->help = c.help, o->version = c.version, o->verbose = c.verbose;
  if (o->help || o->version) return {};
  if (!o->invoke && (o->nargs || have_ret || have_repeat))
    return Error::fmt("--arg, --ret and --repeat need --invoke SYMBOL");
  int i = *first;
  if (i >= argc) return Error::fmt("no app given (usage: uk-dyn-run [options] APP.so [ARGS...])");
  if (ld_bind_now && *ld_bind_now) o->bind_now = true;
  o->app = argv[i];
  o->app_argc = argc - i;
  o->app_argv = argv + i;
  return {};
}

} // namespace uk::dyn
