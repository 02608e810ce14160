// The program headers handed to musl through AT_PHDR. musl's static
// start-up (__init_tls) walks them: base = AT_PHDR - PT_PHDR.p_vaddr, TLS
// image = base + PT_TLS.p_vaddr, and PT_GNU_STACK sets its thread stack
// size. So the PT_TLS musl sees must be the desc's 'tls' record:
//   layout fixed  the headers in the image are the ELF's, at the addresses
//                 they name (base 0): checked against the desc (PT_PHDR at
//                 the desc's phdr address, PT_TLS equal to the tls record),
//                 handed over in place (an empty PT_TLS, memory size 0,
//                 counts as none);
//   layout aslr   every block moved on its own, so no single base fits the
//                 ELF's headers: a copy is synthesised in a fresh read-only
//                 page with absolute addresses, as the kernel would show a
//                 loaded program: PT_PHDR (the copy itself), one PT_LOAD for
//                 the copy and one per desc map, PT_TLS from the tls record
//                 (its sizes checked against the image's PT_TLS), and the
//                 image's PT_GNU_STACK. Headers whose addresses cannot be
//                 moved without knowing their block (PT_DYNAMIC,
//                 PT_GNU_EH_FRAME, ...) are left out.
#pragma once

#include <cstdint>

#include "desc.h"
#include "error.h"

namespace uk {

struct ProgramHeaders {
  uint64_t addr = 0, count = 0; // AT_PHDR, AT_PHNUM
};

// After every map is in place (blocks have their bases).
Result<ProgramHeaders> program_headers(const Desc &d, const char *desc_path);

} // namespace uk
