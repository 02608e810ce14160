#include "invoke.h"

#include <ffi.h>
#include <time.h>

#include <cstdio>
#include <cstring>

#include "hash.h"
#include "raw_io.h"
#include "scope.h"

namespace uk::dyn {
namespace {

struct Plan {
  const char *symbol = nullptr;
  void (*fn)() = nullptr;
  bool ifunc = false; // fn is an ifunc resolver: called once, inside the program, for the function
  int (*app_fflush)(void *) = nullptr;
  ffi_cif cif{};
  ffi_type *types[kMaxInvokeArgs] = {};
  void *values[kMaxInvokeArgs] = {};
  InvokeArg args[kMaxInvokeArgs];
  size_t nargs = 0;
  ValueType ret = ValueType::kI32;
  uint64_t repeat = 1;
  bool stats = false;
};

constinit Plan g_plan;

ffi_type *ffi_type_of(ValueType t) {
  switch (t) {
  case ValueType::kVoid: return &ffi_type_void;
  case ValueType::kI32: return &ffi_type_sint32;
  case ValueType::kI64: return &ffi_type_sint64;
  case ValueType::kDouble: return &ffi_type_double;
  case ValueType::kString:
  case ValueType::kPointer: return &ffi_type_pointer;
  }
  return &ffi_type_void;
}

uint64_t clock_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void print_result(const void *ret) {
  char buf[64];
  const char *text = buf;
  size_t len = 0;
  switch (g_plan.ret) {
  case ValueType::kVoid: return;
  case ValueType::kI32: {
    int32_t v; // libffi widens small integer returns to ffi_arg
    ffi_arg a;
    std::memcpy(&a, ret, sizeof a);
    v = static_cast<int32_t>(a);
    len = static_cast<size_t>(std::snprintf(buf, sizeof buf, "%d", v));
    break;
  }
  case ValueType::kI64: {
    int64_t v;
    std::memcpy(&v, ret, sizeof v);
    len = static_cast<size_t>(std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v)));
    break;
  }
  case ValueType::kDouble: {
    double v;
    std::memcpy(&v, ret, sizeof v);
    len = static_cast<size_t>(std::snprintf(buf, sizeof buf, "%.17g", v));
    break;
  }
  case ValueType::kPointer: {
    void *v;
    std::memcpy(&v, ret, sizeof v);
    len = static_cast<size_t>(std::snprintf(buf, sizeof buf, "0x%lx", reinterpret_cast<unsigned long>(v)));
    break;
  }
  case ValueType::kString: {
    const char *v;
    std::memcpy(&v, ret, sizeof v);
    text = v ? v : "(null)";
    len = std::strlen(text);
    break;
  }
  }
  raw::write_all(1, text, len);
  raw::write_all(1, "\n", 1);
}

// Called by libboot.so in place of main.
int invoke_main(int, char **, char **) {
  uint64_t total = 0, min = ~uint64_t{0}, max = 0;
  alignas(16) unsigned char ret[16];
  if (g_plan.ifunc) { // as the lazy resolver does: the resolver runs only when the program runs
    g_plan.fn = reinterpret_cast<void (*)()>(reinterpret_cast<uint64_t (*)()>(g_plan.fn)());
    g_plan.ifunc = false;
  }
  for (uint64_t i = 0; i < g_plan.repeat; i++) {
    std::memset(ret, 0, sizeof ret);
    uint64_t t0 = g_plan.stats ? clock_ns() : 0;
    ffi_call(&g_plan.cif, g_plan.fn, ret, g_plan.values);
    if (g_plan.stats) {
      uint64_t d = clock_ns() - t0;
      total += d;
      if (d < min) min = d;
      if (d > max) max = d;
    }
    if (g_plan.app_fflush) g_plan.app_fflush(nullptr); // the handler's own output first
    print_result(ret);
  }
  if (g_plan.stats) {
    raw::Line l;
    l.s("uk-dyn-run: stats: invoke ").s(g_plan.symbol).s(": ").u(g_plan.repeat).s(" call")
        .s(g_plan.repeat > 1 ? "s" : "").s(", mean ").u(total / g_plan.repeat).s(" ns, min ").u(min)
        .s(" ns, max ").u(max).s(" ns\n");
    l.emit(2);
  }
  return 0;
}

} // namespace

Result<MainFn> prepare_invoke(const DynOptions &opt, const DynObject *head, Stats &stats) {
  Plan &p = g_plan;
  p.symbol = opt.invoke;
  SymbolName n(opt.invoke);
  Definition d = lookup(head, n, nullptr, false, stats);
  if (!d) return Error::fmt("%s: --invoke: no loaded object exports '%s'", head->name, opt.invoke);
  unsigned type = ELF64_ST_TYPE(d.sym->st_info);
  if (d.absolute())
    return Error::fmt("%s: --invoke: '%s' is an absolute symbol (SHN_ABS), not a function", d.obj->name, opt.invoke);
  if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !d.obj->contains(d.sym->st_value, 1, PF_X))
    return Error::fmt("%s: --invoke: '%s' is not a function", d.obj->name, opt.invoke);
  p.fn = reinterpret_cast<void (*)()>(d.address());
  p.ifunc = d.is_ifunc(); // resolved in invoke_main, never at load (--dry-run runs nothing of the objects)
  SymbolName ff("fflush");
  Definition f = lookup(head, ff, nullptr, false, stats);
  if (f && ELF64_ST_TYPE(f.sym->st_info) == STT_FUNC && !f.absolute() && f.obj->contains(f.sym->st_value, 1, PF_X))
    p.app_fflush = reinterpret_cast<int (*)(void *)>(f.address());
  p.nargs = opt.nargs;
  for (size_t i = 0; i < opt.nargs; i++) {
    p.args[i] = opt.args[i];
    p.types[i] = ffi_type_of(p.args[i].type);
    p.values[i] = &p.args[i].v; // every member starts at the union's address
  }
  p.ret = opt.ret;
  p.repeat = opt.repeat;
  p.stats = opt.stats;
  ffi_status s = ffi_prep_cif(&p.cif, FFI_DEFAULT_ABI, static_cast<unsigned>(p.nargs), ffi_type_of(p.ret), p.types);
  if (s != FFI_OK) return Error::fmt("--invoke %s: libffi cannot prepare the call (status %d)", opt.invoke, s);
  return &invoke_main;
}

} // namespace uk::dyn
