// The unikraft profile of `uk-slt align`/`pack`: objects of a Unikraft
// RELEASE-0.16.3 linuxu build (build/libNAME.o), built with the patch
// series of unikraft-patches/ (CONFIG_UK_SLT).
//   - Unikraft's link-time tables (uk_ctortab, uk_inittab,
//     uk_thread_inittab, uk_event, uk_libinfo, init arrays, TLS) go to the
//     per-app region, contiguous and sorted the way Unikraft's own linker
//     scripts sort them, with their start/end symbols;
//   - the per-app table of CONFIG_UK_SLT (struct uk_slt_table in the
//     patched tree's include/uk/slt.h) sits at kAppTableAddr;
//   - .uk_bootinfo stays in its library's (private) data part, first, as its
//     own output section, and is filled after the link by the user's tree's
//     support/scripts/mkbootinfo.py.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "error.h"
#include "library.h"
#include "registry.h"

namespace uk {

enum class UkSection {
  Other,    // not a Unikraft table: classified like any section
  Table,    // goes to the per-app region
  Bootinfo, // .uk_bootinfo
  Unknown,  // a .uk_* section the profile does not know
};

UkSection classify_unikraft_section(std::string_view name);

inline constexpr const char *kUnikraftEntry = "_liblinuxuplat_start";

// The linker script of a Unikraft app; libs[i] lives in slots[i].
std::string make_unikraft_script(const std::vector<Library> &libs, const std::vector<Slot> &slots);

// Runs TREE/support/scripts/mkbootinfo.py on the linked ELF and writes its
// output into the ELF's .uk_bootinfo section (objcopy --update-section).
Status fill_unikraft_bootinfo(const std::string &elf, const std::string &tree);

} // namespace uk
