// A loaded ELF object (the app or a shared library) as uk-dyn-run sees it:
// its load segments and what its dynamic section says, every table already
// checked to lie inside a load segment of the object (dynamic.cc), so the
// later stages index them without further checks beyond symbol indices.
#pragma once

#include <elf.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "error.h"
#include "layout.h"

namespace uk::dyn {

inline constexpr size_t kMaxLoadSegments = 16;
inline constexpr uint64_t kPage = kPageSize; // common/layout.h

struct LoadSegment {
  uint64_t vaddr, memsz, filesz, offset;
  uint32_t flags; // PF_R | PF_W | PF_X
};

// DT_GNU_HASH, validated (hash.cc).
struct GnuHash {
  bool present = false;
  uint32_t nbuckets = 0, symoffset = 0, bloom_size = 0, bloom_shift = 0;
  const uint64_t *bloom = nullptr;
  const uint32_t *buckets = nullptr, *chains = nullptr; // chains[i - symoffset]
};

// DT_HASH (SysV), validated (hash.cc).
struct SysvHash {
  bool present = false;
  uint32_t nbucket = 0, nchain = 0;
  const uint32_t *buckets = nullptr, *chains = nullptr;
};

struct DynObject {
  // Identity.
  const char *path = nullptr;   // the file as opened
  const char *name = nullptr;   // for messages: the file as opened
  const char *needed_as = nullptr; // the DT_NEEDED name it was loaded for (null: the app)
  const char *soname = nullptr; // DT_SONAME, or null
  const char *origin = nullptr; // $ORIGIN: the app's directory through symlinks, a library's as opened
  dev_t dev = 0;
  ino_t ino = 0;
  bool is_main = false;
  unsigned index = 0;           // position in load order (0: the app)
  DynObject *next = nullptr;    // load order: breadth-first from the app

  // Image.
  uint64_t base = 0;                // load bias: address = base + vaddr
  uint64_t map_start = 0, map_len = 0; // the reservation holding every segment
  LoadSegment seg[kMaxLoadSegments] = {};
  size_t nseg = 0;
  uint64_t entry = 0;               // e_entry (vaddr)
  const Elf64_Phdr *phdrs = nullptr; // copy of the program headers
  size_t phnum = 0;
  uint64_t dyn_vaddr = 0, dyn_size = 0;
  uint64_t relro_vaddr = 0, relro_size = 0;
  bool has_tls = false;
  uint64_t tls_vaddr = 0, tls_filesz = 0, tls_memsz = 0, tls_align = 1;
  uint64_t tls_tp_offset = 0; // the module's TLS block is at thread pointer - tls_tp_offset

  // Dynamic section.
  const char *strtab = nullptr;
  uint64_t strsz = 0;
  const Elf64_Sym *symtab = nullptr;
  uint32_t nsyms = 0;
  const uint16_t *versym = nullptr;
  GnuHash gnu;
  SysvHash sysv;
  const Elf64_Rela *rela = nullptr;
  size_t nrela = 0;
  const Elf64_Rela *jmprel = nullptr;
  size_t njmprel = 0;
  const uint64_t *relr = nullptr;
  size_t nrelr = 0;
  uint64_t pltgot = 0; // vaddr, 0: none
  const uint64_t *needed = nullptr; // DT_NEEDED string offsets
  const char *runpath = nullptr, *rpath = nullptr; // DT_RUNPATH, DT_RPATH (deps.cc), or null
  size_t nneeded = 0;
  uint64_t init = 0, fini = 0; // vaddr, 0: none
  uint64_t init_array = 0, init_count = 0, fini_array = 0, fini_count = 0, preinit_array = 0, preinit_count = 0;
  bool bind_now = false; // DF_BIND_NOW, DF_1_NOW or DT_BIND_NOW
  bool symbolic = false; // DF_SYMBOLIC or DT_SYMBOLIC: own definitions first

  // Dependencies (resolved DT_NEEDED, same order).
  DynObject **deps = nullptr;
  size_t ndeps = 0;

  // State.
  bool lazy = false;    // DT_JMPREL bound at first call
  int visit = 0;        // dependency-order walk

  // [vaddr, vaddr + len) inside one load segment with all of `flags`
  // (PF_R/PF_W/PF_X, 0: any), as an address; or an error naming `what`.
  Result<uint64_t> at(uint64_t vaddr, uint64_t len, uint32_t flags, const char *what) const;
  bool contains(uint64_t vaddr, uint64_t len, uint32_t flags) const;
  bool in_relro(uint64_t vaddr, uint64_t len) const;
  // The NUL-terminated string at a DT_STRTAB offset, or null.
  const char *str(uint64_t off) const;
  // The name of symbol `i` (checked), or an error.
  Result<const char *> sym_name(uint32_t i) const;
};

} // namespace uk::dyn
