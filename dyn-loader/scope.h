// Symbol resolution in the global scope: the app, then its libraries in
// breadth-first load order (as ld.so and musl's ldso do). The first
// definition found wins, weak or not (ld.so's rule since glibc 2.2), which
// is also what makes interposition work: the app's definition of a
// library function wins over the library's own, for the library's calls
// through its PLT too. An object flagged DT_SYMBOLIC is searched first for
// its own references. Copy relocations skip the app (the definition they
// copy from is in a library).
#pragma once

#include <elf.h>

#include "hash.h"
#include "object.h"
#include "stats.h"

namespace uk::dyn {

// A symbol's value is an address inside its object (moved by the load
// bias), except for SHN_ABS symbols: an absolute value, used as it is,
// which the loader refuses wherever it needs an address inside the object
// (an ifunc resolver, a copy relocation's source, the app table, main,
// --invoke's function).
struct Definition {
  const DynObject *obj = nullptr;
  const Elf64_Sym *sym = nullptr;
  explicit operator bool() const { return sym != nullptr; }
  bool absolute() const { return sym->st_shndx == SHN_ABS; }
  uint64_t address() const { return absolute() ? sym->st_value : obj->base + sym->st_value; }
  bool is_ifunc() const { return ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC; }
};

Definition lookup(const DynObject *head, SymbolName &name, const DynObject *requester, bool skip_main, Stats &stats);

} // namespace uk::dyn
