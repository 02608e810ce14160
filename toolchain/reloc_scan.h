// SLT [ASLR], stage 2: the relocation scan (lld style: scan first, apply
// later). Reads the ELF of the ASLR link (aslr_link.h) with the project's ELF
// view and finds, for every library, its block (the link range of its parts),
// the instruction starts of its text (function symbols) and every relocation
// record kept by --emit-relocs in its shared parts, each with its target-
// neutral kind (common/reloc_kinds.h), and those of its .data.rel.ro (private
// in ASLR mode: `uk-slt report` names what makes those pages private).
// Absolute pointers in data come from the PIE link's own .rela.dyn (RELATIVE
// records).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "elf_view.h"
#include "error.h"
#include "fs_util.h"
#include "reloc_kinds.h"

namespace uk {

struct LinkPart {
  std::string name; // "text", "rodata", "data", "relro", "bss"
  size_t shndx = 0;
  uint64_t addr = 0, size = 0, file_off = 0;
  bool nobits = false;
};

// A relocation record in a shared part, as the link left it.
struct CodeRef {
  uint64_t place = 0;     // link address of the field
  uint32_t type = 0;      // ELF type
  RelocExpr kind = RelocExpr::kUnknown;
  std::string sym;        // symbol name ("section NAME" for a section symbol)
  uint64_t sym_value = 0; // its link address (0: undefined weak)
  int64_t addend = 0;
};

struct LinkBlock {
  std::string name;               // ".app" or the library name
  uint64_t start = 0, end = 0;    // link range, page-aligned
  uint64_t shared_end = 0;        // libraries: end of text + rodata (page-aligned)
  uint64_t text_end = 0;          // libraries: end of text
  std::vector<LinkPart> parts;    // libraries: in address order
  std::vector<uint64_t> starts;   // instruction starts in text (link addresses, sorted)
  std::vector<CodeRef> refs;      // relocations whose field is in the shared parts
  std::vector<CodeRef> relro_refs; // relocations whose field is in .data.rel.ro (private in this mode)
};

// A function or object symbol of the link (for messages: "in NAME+0x12").
struct LinkSymbol {
  uint64_t addr = 0, size = 0;
  std::string name;
};

struct LinkScan {
  Bytes file;
  std::vector<LinkSymbol> symbols;             // STT_FUNC/STT_OBJECT with a size, by address
  uint64_t max_symbol_size = 0;
  std::vector<LinkBlock> blocks;               // [0] is ".app"
  std::map<uint64_t, uint64_t> relative;       // .rela.dyn RELATIVE: place -> target link address
  uint64_t got_start = 0, got_end = 0;         // .got (app region)
  uint64_t entry = 0, phdr = 0, phnum = 0;
  uint64_t app_table = 0;                      // .uk.app
  bool tls = false;
  uint64_t tls_vaddr = 0, tls_filesz = 0, tls_memsz = 0, tls_align = 0;

  // Block holding link address a (one past the end counts for the block it ends), or -1.
  int block_of(uint64_t a) const;
  // The symbol whose [addr, addr+size) holds link address a, or nullptr.
  const LinkSymbol *symbol_at(uint64_t a) const;
  // Bytes of the link at [a, a+len), or nullptr outside the file.
  const uint8_t *at(uint64_t a, uint64_t len) const;
};

// Every relocation record must have a type of common/reloc_kinds.h: an
// unknown one is refused naming its number, library and offset.
Result<LinkScan> scan_link(const std::string &elf_path);

} // namespace uk
