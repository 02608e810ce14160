// The one property of an object's code the toolchain needs from the
// compiler: position independence (-fPIC). An absolute address in code
// (R_X86_64_32/32S, as -fno-pic code has, or R_X86_64_64) ties a library's
// text to one link address: the SLT [ASLR] block cannot move and the .so form
// cannot be linked. Unwind tables and notes are not a problem: align's
// linker scripts discard them (library.cc: classify_section).
#pragma once

#include <string>
#include <string_view>

#include "error.h"
#include "fs_util.h"

namespace uk {

// The one exemption: code in this section is 32-bit entry code a monitor
// starts at its physical link address before paging is on (kvmplat's PVH
// entry, kvm-loader/guest/pvh_entry.S), where no RIP-relative addressing
// exists. It only ever runs from a fixed layout: an SLT [ASLR] link still
// refuses any absolute address in code (reloc_scan.h).
inline constexpr std::string_view kBoot32Section = ".text.boot32";

// Ok, or one line naming the object, the relocation, where it is and what
// it is against, and the flag that is missing, e.g.
//   "lib.o: R_X86_64_32S at .text+0x12 against counter: absolute address in
//    code: rebuild with -fPIC (uk-slt cflags prints every flag objects need)"
// (with ", and N more" when there are others).
Status check_position_independent(const Bytes &object, const std::string &path);

} // namespace uk
