#include "lazy.h"

#include <cpuid.h>

#include <cstring>

#include "hash.h"
#include "raw_io.h"
#include "scope.h"

extern "C" {
uint64_t uk_dyn_save_size = 512;
uint32_t uk_dyn_save_mode = 0;
}

namespace uk::dyn {
namespace {

const DynObject *g_head = nullptr;
Stats *g_stats = nullptr;
bool g_clobber = false;

[[noreturn]] void fatal(raw::Line &l) {
  l.s("\n");
  l.emit(2);
  raw::exit_group(127);
}

bool known(const DynObject *o) {
  for (const DynObject *p = g_head; p; p = p->next)
    if (p == o) return true;
  return false;
}

// Test hook (--debug-clobber-registers): scramble every register a C
// function may clobber, so the tests prove that the trampoline preserves
// them rather than relying on the resolver happening not to use them.
__attribute__((noinline)) void clobber_registers() {
  __asm__ volatile(
      "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\tpcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
      "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\tpcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
      "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm15, %%xmm15\n\t"
      "mov $0x5a5a5a5a5a5a5a5a, %%rdi\n\tmov %%rdi, %%rsi\n\tmov %%rdi, %%rdx\n\tmov %%rdi, %%rcx\n\t"
      "mov %%rdi, %%r8\n\tmov %%rdi, %%r9\n\tmov %%rdi, %%r10\n\tmov %%rdi, %%rax\n\t"
      "fldpi\n\tfstp %%st(0)\n\t"
      ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm15", "rdi", "rsi", "rdx",
      "rcx", "r8", "r9", "r10", "rax", "memory");
}

} // namespace

void init_lazy_binding(const DynObject *head, Stats *stats, bool clobber_for_tests, bool full_xsave) {
  g_head = head;
  g_stats = stats;
  g_clobber = clobber_for_tests;
  // Default: fxsave (x87, MXCSR, %xmm0-15), which every x86-64 CPU has, so
  // start-up needs no CPUID (a VM exit: about 8 us each on a nested VM).
  // That is complete here: the resolver path is built for baseline x86-64
  // (no VEX), so it cannot change the upper halves of %ymm/%zmm or the
  // AVX-512 mask registers, which the callee may take arguments in.
  uk_dyn_save_mode = 0;
  uk_dyn_save_size = 512;
  if (!full_xsave) return;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE) || !(c & bit_OSXSAVE)) return; // fxsave
  if (__get_cpuid_max(0, nullptr) < 0xd) return;
  __cpuid_count(0xd, 0, a, b, c, d);
  if (b < 576) return;
  uk_dyn_save_size = b; // standard-format size of every component XCR0 enables
  __cpuid_count(0xd, 1, a, b, c, d);
  uk_dyn_save_mode = (a & (1u << 1)) ? 2 : 1; // XSAVEC (compact, skips components in their initial state)
}

} // namespace uk::dyn

using namespace uk::dyn;

extern "C" uint64_t uk_dyn_lazy_resolve(const DynObject *o, uint64_t index) {
  if (!known(o)) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: lazy binding: GOT[1] names no loaded object (").x(reinterpret_cast<uint64_t>(o))
              .s("): the GOT was overwritten"));
  }
  if (index >= o->njmprel) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: ").s(o->name).s(": lazy binding: PLT relocation index ").u(index).s(" is beyond the ")
              .u(o->njmprel).s(" entries of DT_JMPREL"));
  }
  const Elf64_Rela &r = o->jmprel[index];
  uint32_t si = static_cast<uint32_t>(ELF64_R_SYM(r.r_info));
  const char *name = si < o->nsyms ? o->str(o->symtab[si].st_name) : nullptr; // checked at load
  if (ELF64_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT || !name) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: ").s(o->name).s(": lazy binding: DT_JMPREL entry ").u(index).s(" is not a valid "
                                                                                           "R_X86_64_JUMP_SLOT"));
  }
  SymbolName n(name);
  Definition d = lookup(g_head, n, o, false, *g_stats);
  if (!d) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: ").s(o->name).s(": symbol '").esc(name).s("' not found at its first call (lazy binding; "
                                                                     "searched ").u(g_stats->objects).s(" objects)"));
  }
  if (ELF64_ST_TYPE(d.sym->st_info) == STT_TLS) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: ").s(o->name).s(": lazy binding: '").esc(name).s("' of ").s(d.obj->name)
              .s(" is a TLS symbol, not a function"));
  }
  if (d.is_ifunc() && (d.absolute() || !d.obj->contains(d.sym->st_value, 1, PF_X))) {
    raw::Line l;
    fatal(l.s("uk-dyn-run: ").s(o->name).s(": lazy binding: ifunc '").esc(name).s("' of ").s(d.obj->name)
              .s(d.absolute() ? " is an absolute symbol (SHN_ABS)" : " is outside every executable segment"));
  }
  uint64_t target = d.address();
  if (d.is_ifunc()) target = reinterpret_cast<uint64_t (*)()>(target)();
  target += static_cast<uint64_t>(r.r_addend);
  std::memcpy(reinterpret_cast<void *>(o->base + r.r_offset), &target, 8); // checked writable, outside RELRO, at load
  __atomic_fetch_add(&g_stats->symbols_lazy, 1, __ATOMIC_RELAXED); // threads may bind concurrently
  if (g_clobber) clobber_registers();
  return target;
}
