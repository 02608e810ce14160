// The pieces every generated GNU ld script shares: the Spacer-SLT script
// (linker_script.cc), the ASLR one (aslr_script.cc) and the Unikraft
// profile's (unikraft_profile.cc). One definition of the program headers,
// the app region's start, the sections the linker makes, a library's slot
// parts and the discarded sections; each generator only adds what its
// layout has of its own.
#pragma once

#include <string>
#include <vector>

#include "library.h"
#include "registry.h"

namespace uk {

// A section name as a linker script spells it: quoted when it has
// characters outside [A-Za-z0-9._$-] (Unikraft's "~" in .uk_event_*~).
std::string quote_section(const std::string &name);
// "PATH"(SECTION SECTION ...): the named input sections of one object.
std::string input_list(const std::string &path, const std::vector<std::string> &sections);

struct ScriptHead {
  const char *comment;    // the script's first lines, a /* */ comment ending in a newline
  const char *entry;      // ENTRY symbol
  unsigned app_flags;     // FLAGS of the app region's PT_LOAD (headers first)
  bool every_segment;     // every library gets its three PT_LOADs, even for parts without bytes
  std::string extra_phdrs = {}; // program headers after PT_GNU_STACK (boot_note.h), or ""
};
// Comment, ENTRY, PHDRS (PT_PHDR, the app region, L<i>_text/_rodata/_data
// per library, PT_TLS, PT_GNU_STACK), then "SECTIONS {" with the location
// counter after the headers at the start of the app region.
std::string script_head(const ScriptHead &h, const std::vector<Library> &libs);

// The app table and the init/fini arrays of the app region (SLT and ASLR).
std::string app_table_sections();

// Sections of the app region the linker itself fills.
inline constexpr const char *kGotSection = "  .got : { *(.got) *(.igot) } :app\n";
inline constexpr const char *kGotPltSection = "  .got.plt : { *(.got.plt) *(.igot.plt) } :app\n";
inline constexpr const char *kRelaDynSection = "  .rela.dyn : { *(.rela.*) } :app\n";
inline constexpr const char *kTdataSection = "  .tdata : { *(.tdata .tdata.* .gnu.linkonce.td.*) } :app :tls\n";
// .plt and .tbss with the layout's extra input sections (" *(.plt.sec)", " .tcommon").
std::string plt_section(const char *extra);
std::string tbss_section(const char *extra);
// The headers fit the header area ("header page" / "header pages" in the message).
std::string headers_assert(const char *area);
// The app region ends below the library slots.
std::string app_region_assert(const char *end_expr);
// A static link needs no PLT and no dynamic relocations.
inline constexpr const char *kStaticLinkAssert =
    "  ASSERT(SIZEOF(.plt) == 0 && SIZEOF(.rela.dyn) == 0, \"static unikernel needs PLT or dynamic relocations\")\n";

// Library i's parts at the addresses of its slot, each checked against the
// slot's bound. own_first: an input section of the data part that gets its
// own output section at the part's start (Unikraft's .uk_bootinfo), or "".
std::string slot_sections(const Library &l, size_t i, const Slot &slot, const std::string &own_first);

// /DISCARD/ (what no layout keeps, plus extra, plus each library's own
// discarded sections) and the end of SECTIONS.
std::string script_tail(const std::vector<Library> &libs, const char *extra);

} // namespace uk
