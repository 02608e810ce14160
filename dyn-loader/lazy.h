// Lazy binding: a PLT entry's first call lands in uk_dyn_plt_entry
// (plt_entry.S) through GOT[2], with the object (GOT[1]) and the relocation
// index on the stack. The trampoline saves every argument register (the
// integer ones, %rax for variadic calls, %r10, and the vector state with
// fxsave, or the whole XSAVE state with --lazy-xsave), calls uk_dyn_lazy_resolve,
// which looks the symbol up in the global scope and patches the GOT slot,
// restores everything and jumps to the target.
//
// This runs inside the program, on its stack and with its thread pointer,
// at any time: it allocates nothing, and its only output is a raw write(2)
// of a fatal error (symbol not found), followed by exit status 127.
#pragma once

#include <cstdint>

#include "object.h"
#include "stats.h"

extern "C" {
void uk_dyn_plt_entry();                                             // plt_entry.S
uint64_t uk_dyn_lazy_resolve(const uk::dyn::DynObject *o, uint64_t index); // called by it
extern uint64_t uk_dyn_save_size;                                    // bytes for xsave/fxsave
extern uint32_t uk_dyn_save_mode;                                    // 0 fxsave, 1 xsave, 2 xsavec
}

namespace uk::dyn {

// Sets what the resolver needs. `full_xsave` (--lazy-xsave): save the whole
// XSAVE state (xsavec/xsave, found with CPUID) instead of fxsave.
void init_lazy_binding(const DynObject *head, Stats *stats, bool clobber_for_tests, bool full_xsave);

} // namespace uk::dyn
