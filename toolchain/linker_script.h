// Generates the GNU ld script of an aligned static unikernel: each library's
// text, rodata, data and bss at the fixed addresses of its registry slot, and
// the per-app pieces (ELF headers, app table, init/fini arrays, TLS) in the
// app region at 0x400000. See common/layout.h for the address map.
#pragma once

#include <string>
#include <vector>

#include "library.h"
#include "registry.h"
#include "script_parts.h"

namespace uk {

// The entry point the script names (ENTRY) and the link requires.
inline constexpr const char *kEntrySymbol = "_start";

// libs[i] lives in slots[i]. The app table names `main`, which one of the
// libraries must define. (The pieces it shares with the other generators:
// script_parts.h.)
std::string make_linker_script(const std::vector<Library> &libs, const std::vector<Slot> &slots);

} // namespace uk
