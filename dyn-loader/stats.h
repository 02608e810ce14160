// What uk-dyn-run counts for --stats (and prints with -v).
#pragma once

#include <cstdint>

namespace uk::dyn {

inline constexpr unsigned kMaxRelocType = 64;

struct Stats {
  uint64_t t0_ns = 0;             // loader's main
  uint64_t objects = 0;
  uint64_t pages_file = 0;        // mapped from the objects' files (MAP_PRIVATE)
  uint64_t pages_anon = 0;        // bss, TLS template, program headers, init/fini lists
  uint64_t relocs[kMaxRelocType] = {}; // applied at load, by ELF type
  uint64_t relr = 0;              // DT_RELR relative relocations
  uint64_t lazy_slots = 0;        // R_X86_64_JUMP_SLOT left for the first call
  uint64_t symbols_eager = 0;     // symbol references resolved at load
  uint64_t symbols_lazy = 0;      // ... at their first call (counted while running)
  uint64_t lookups = 0;           // hash table lookups (objects searched)
};

uint64_t now_ns();

} // namespace uk::dyn
