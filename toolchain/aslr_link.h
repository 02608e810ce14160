// SLT [ASLR], stage 1: the position-independent link. Every library is linked
// once per app, as one contiguous run of page-aligned parts
//   text, rodata            (shared: goes into the pool)
//   data, .data.rel.ro, bss (private)
// in that order, with `ld -pie --no-dynamic-linker --emit-relocs`, so that text
// keeps every reference PC-relative (the non-PIE link would relax GOT loads
// into absolute immediates) and every relocation record stays in the output for
// the scan (reloc_scan.h). Where a library lands in this link does not matter:
// only offsets inside its own parts survive, every reference that leaves them
// is rewritten (rewrite_x86.h), so the shared bytes depend on the library
// object alone. The app region (headers, app table, init/fini arrays, GOT,
// TLS template) comes first, at kAppRegionBase, as in the aligned link.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "library.h"

namespace uk {

// Output section of part `part` ("text", "rodata", "data", "relro", "bss") of
// library `lib` in the ASLR link.
std::string aslr_section_name(const std::string &lib, const char *part);

// The linker script of the ASLR link of libs (in link order).
std::string make_aslr_linker_script(const std::vector<Library> &libs);

struct AslrLinkOptions {
  std::vector<std::string> libs; // library objects, in link order
  std::string out_elf;           // PIE-style ELF to write
  std::string script_out;        // its linker script ("" = <out_elf>.ld)
  std::string linker = "ld";
};

// Loads the libraries (into *libs) and links them.
Status aslr_link_app(const AslrLinkOptions &opt, std::vector<Library> *libs);

} // namespace uk
