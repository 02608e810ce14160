// Symbol hash tables: GNU (DT_GNU_HASH, with its Bloom filter) and SysV
// (DT_HASH). validate_* check a table once at load, so a lookup can never
// leave it: every bucket and chain entry is in range and SysV chains are
// walked at most nchain steps.
#pragma once

#include <elf.h>

#include <cstdint>

#include "error.h"
#include "object.h"

namespace uk::dyn {

uint32_t gnu_hash(const char *name);
uint32_t sysv_hash(const char *name);

// Sets o.sysv / o.gnu from the tables at these vaddrs (0: absent) and
// o.nsyms from them. DT_SYMTAB itself is checked by the caller.
Status validate_hash_tables(DynObject &o, uint64_t sysv_vaddr, uint64_t gnu_vaddr);

// Names and their hashes, computed once per lookup.
struct SymbolName {
  const char *name;
  size_t len;
  uint32_t gnu;
  uint32_t sysv; // computed on first use (kNoHash until then)
  static constexpr uint32_t kNoHash = 0xffffffffu;
  explicit SymbolName(const char *n);
};

// The definition of `n` in `o` (a defined global or weak symbol of an
// accepted type, not a hidden version), or null.
const Elf64_Sym *find_definition(const DynObject &o, SymbolName &n);

} // namespace uk::dyn
