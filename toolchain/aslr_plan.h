// SLT [ASLR], stage 4: the plan of an ASLR unikernel, from its ASLR link:
// one block per library (rewritten, see rewrite_x86.h) plus the app region
// block ".app"; each library's shared part is one pool object; everything
// private (app region, data, .data.rel.ro, bss, slots, stubs) goes into the
// private image, followed by the load-time relocations (DescReloc records of
// desc format v2, see ../BRIEF's "Description format v2").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "desc.h"
#include "error.h"
#include "fs_util.h"
#include "reloc_scan.h"
#include "rewrite_x86.h"

namespace uk {

// Load-time relocations are desc v2's DescReloc records (common/desc.h).
using AslrReloc = DescReloc;
inline constexpr uint8_t kAslrAbs64 = kRelocAbs64, kAslrSlot64 = kRelocSlot64, kAslrPc32 = kRelocPc32;

struct AslrMap {
  uint64_t off = 0, size = 0; // block-relative, page multiples
  uint8_t prot = 0;
  bool pool = false;
  uint64_t src = 0;    // pool: offset in the object; image: offset in the image
  uint64_t filesz = 0; // image: bytes from the image, the rest zero
};

struct AslrBlock {
  std::string name; // ".app" or the library name
  std::string lib_id;
  uint64_t size = 0;
  uint64_t link_base = 0;    // link address of block offset `content_off`
  uint64_t content_off = 0;  // trampoline table size (0 for .app)
  uint64_t content_size = 0; // the linked parts: [content_off, content_off + content_size)
  uint64_t exec_size = 0;    // shared executable range [0, exec_size): table + text
  Bytes shared;              // pool object (libraries)
  std::string object;        // sha256 of shared
  std::vector<AslrMap> maps;
  std::vector<uint64_t> starts; // instruction starts, block offsets (verify)
  RewriteStats stats;
};

struct AslrPlan {
  std::string app;
  std::vector<AslrBlock> blocks; // [0] = ".app"
  Bytes image;                   // private image, relocations at its end
  uint64_t relocs_off = 0;
  std::vector<AslrReloc> relocs;
  int entry_block = 0;
  uint64_t entry_off = 0, phdr_off = 0, phnum = 0;
  bool tls = false;
  uint64_t tls_off = 0, tls_filesz = 0, tls_memsz = 0, tls_align = 0;
  RewriteStats stats; // all libraries

  // Number of relocations of one kind.
  size_t count(uint8_t kind) const;
};

// `lib_ids`: library name -> identity (from the library objects); empty: not checked.
Result<AslrPlan> plan_aslr(const std::string &elf_path, const std::vector<std::pair<std::string, std::string>> &lib_ids);

// The desc v2 (layout aslr) of a plan, validated. Paths relative to the desc.
Status make_aslr_desc(const AslrPlan &plan, const std::string &elf_rel, const std::string &image_rel, Desc *d);

} // namespace uk
