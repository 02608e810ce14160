#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// "--name VALUE" or "--name=VALUE"; *i advances past a separate value.
bool valued(const char *a, const char *name, int argc, char **argv, int *i, const char **val, Status *err) {
  size_t n = std::strlen(name);
  if (std::strncmp(a, name, n) != 0) return false;
  if (n == 2 && a[n] != '\0' && a[n] != '=') { // short option with its value attached: -LDIR
    *val = a + n;
    return true;
  }
  if (a[n] == '=') {
    *val = a + n + 1;
    return true;
  }
  if (a[n] != '\0') return false;
  if (*i + 1 >= argc) {
    *err = Error::fmt("%s needs a value (see --help)", name);
    return true;
  }
  *val = argv[++*i];
  return true;
}

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
      "  -v                       print every object, mapping, TLS block and initialiser to stderr\n"
      "  --help                   show this help\n"
      "  --version                show the version\n"
      "The app's exit status is uk-dyn-run's; a load error prints one line and exits 127.\n",
      stdout);
}

Status parse_dyn_options(int argc, char **argv, const char *ld_bind_now, DynOptions *o) {
  int i = 1;
  bool have_ret = false, have_repeat = false;
  for (; i < argc; i++) {
    const char *a = argv[i], *val = nullptr;
    Status err;
    if (a[0] != '-' || a[1] == '\0') break;
    if (std::strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) o->help = true;
    else if (std::strcmp(a, "--version") == 0) o->version = true;
    else if (std::strcmp(a, "--stats") == 0) o->stats = true;
    else if (std::strcmp(a, "-v") == 0 || std::strcmp(a, "--verbose") == 0) o->verbose = true;
    else if (std::strcmp(a, "--bind-now") == 0) o->bind_now = true;
    else if (std::strcmp(a, "--debug-clobber-registers") == 0) o->clobber_registers = true;
    else if (std::strcmp(a, "--lazy-xsave") == 0) o->lazy_xsave = true;
    else if (std::strcmp(a, "--dry-run") == 0) o->dry_run = true;
    else if (valued(a, "--library-path", argc, argv, &i, &val, &err) || valued(a, "-L", argc, argv, &i, &val, &err)) {
      if (!err) return err.error();
      if (o->nlibrary_paths == kMaxPathOptions) return Error::fmt("more than %zu --library-path options", kMaxPathOptions);
      o->library_paths[o->nlibrary_paths++] = val;
    } else if (valued(a, "--invoke", argc, argv, &i, &val, &err)) {
      if (!err) return err.error();
      if (!*val) return Error::fmt("--invoke needs a symbol name");
      o->invoke = val;
    } else if (valued(a, "--arg", argc, argv, &i, &val, &err)) {
      if (!err) return err.error();
      if (o->nargs == kMaxInvokeArgs) return Error::fmt("more than %zu --arg options", kMaxInvokeArgs);
      UK_TRY(parse_arg(val, &o->args[o->nargs++]));
    } else if (valued(a, "--ret", argc, argv, &i, &val, &err)) {
      if (!err) return err.error();
      if (!parse_type(val, std::strlen(val), &o->ret))
        return Error::fmt("--ret '%s': expected void, int, i32, i64, double, string or pointer", val);
      have_ret = true;
    } else if (valued(a, "--repeat", argc, argv, &i, &val, &err)) {
      if (!err) return err.error();
      char *end;
      errno = 0;
      unsigned long long n = std::strtoull(val, &end, 10);
      if (!*val || *end || errno || *val == '-' || n == 0 || n > 1000000000ull)
        return Error::fmt("--repeat '%s': expected a count from 1 to 1000000000", val);
      o->repeat = n;
      have_repeat = true;
    } else {
      return Error::fmt("unknown option '%s' (see --help)", a);
    }
  }
  if (o->help || o->version) return {};
  if (!o->invoke && (o->nargs || have_ret || have_repeat))
    return Error::fmt("--arg, --ret and --repeat need --invoke SYMBOL");
  if (i >= argc) return Error::fmt("no app given (usage: uk-dyn-run [options] APP.so [ARGS...])");
  if (ld_bind_now && *ld_bind_now) o->bind_now = true;
  o->app = argv[i];
  o->app_argc = argc - i;
  o->app_argv = argv + i;
  return {};
}

} // namespace uk::dyn
