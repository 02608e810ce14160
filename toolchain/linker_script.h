// Generates the GNU ld script of an aligned static unikernel: each library's
// text, rodata, data and bss at the fixed addresses of its registry slot, and
// the per-app pieces (ELF headers, app table, init/fini arrays, TLS) in the
// app region at 0x400000. See common/layout.h for the address map.
#pragma once

#include <string>
#include <vector>

#include "library.h"
#include "registry.h"

namespace uk {

// The entry point the script names (ENTRY) and the link requires.
inline constexpr const char *kEntrySymbol = "_start";

// libs[i] lives in slots[i]. The app table names `main`, which one of the
// libraries must define.
// A section name as a linker script spells it: quoted when it has
// characters outside [A-Za-z0-9._$-] (Unikraft's "~" in .uk_event_*~).
std::string quote_section(const std::string &name);
// "PATH"(SECTION SECTION ...): the named input sections of one object.
std::string input_list(const std::string &path, const std::vector<std::string> &sections);

std::string make_linker_script(const std::vector<Library> &libs, const std::vector<Slot> &slots);
// The app table and the init/fini arrays of the app region, as script text.
std::string app_table_sections();

} // namespace uk
