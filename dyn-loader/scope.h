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

struct Definition {
  const DynObject *obj = nullptr;
  const Elf64_Sym *sym = nullptr;
  explicit operator bool() const { return sym != nullptr; }
  uint64_t address() const { return sym->st_shndx == SHN_ABS ? sym->st_value : obj->base + sym->st_value; }
  bool is_ifunc() const { return ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC; }
};

Definition lookup(const DynObject *head, SymbolName &name, const DynObject *requester, bool skip_main, Stats &stats);

} // namespace uk::dyn
