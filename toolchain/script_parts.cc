#include "script_parts.h"

#include <fmt/format.h>

#include <algorithm>

#include "layout.h"

namespace uk {
namespace {

constexpr const char *kSuffix[kSlotParts] = {"text", "rodata", "data", "bss"};
constexpr const char *kSegment[kSlotParts] = {"text", "rodata", "data", "data"}; // bss shares data's PT_LOAD

} // namespace

std::string quote_section(const std::string &name) {
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '$'))
      return "\"" + name + "\""; // load_library refuses names with '"'
  return name;
}

std::string input_list(const std::string &path, const std::vector<std::string> &sections) {
  std::string s = fmt::format("\"{}\"(", path);
  for (size_t i = 0; i < sections.size(); i++) s += (i ? " " : "") + quote_section(sections[i]);
  return s + ")";
}

std::string script_head(const ScriptHead &h, const std::vector<Library> &libs) {
  std::string s = h.comment;
  s += fmt::format("ENTRY({})\n\nPHDRS\n{{\n", h.entry);
  s += "  phdr PT_PHDR PHDRS;\n";
  s += fmt::format("  app PT_LOAD FILEHDR PHDRS FLAGS({});\n", h.app_flags);
  for (size_t i = 0; i < libs.size(); i++) {
    const Library &l = libs[i];
    if (h.every_segment || l.bound[0]) s += fmt::format("  L{}_text PT_LOAD FLAGS(5); /* {} */\n", i, l.name);
    if (h.every_segment || l.bound[1]) s += fmt::format("  L{}_rodata PT_LOAD FLAGS(4);\n", i);
    if (h.every_segment || l.bound[2] || l.bound[3]) s += fmt::format("  L{}_data PT_LOAD FLAGS(6);\n", i);
  }
  s += "  tls PT_TLS;\n  stack PT_GNU_STACK FLAGS(6);\n";
  s += h.extra_phdrs;
  s += "}\n\nSECTIONS\n{\n";
  s += fmt::format("  . = {:#x} + SIZEOF_HEADERS;\n", kAppRegionBase);
  return s;
}

// The app table (unikernels/boot/uk_app.h: five quads, in this order) at
// its fixed address, then the app's init and fini arrays it points to.
std::string app_table_sections() {
  std::string s;
  s += fmt::format("  .uk.app {:#x} : {{\n", kAppTableAddr);
  s += "    __uk_app = .;\n";
  s += "    QUAD(main)\n    QUAD(__uk_init_start) QUAD(__uk_init_end)\n    QUAD(__uk_fini_start) QUAD(__uk_fini_end)\n";
  s += "  } :app\n";
  s += "  .init_array : {\n    __uk_init_start = .;\n"
       "    KEEP(*(.preinit_array))\n"
       "    KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*) SORT_BY_INIT_PRIORITY(.ctors.*)))\n"
       "    KEEP(*(.init_array .ctors))\n    __uk_init_end = .;\n  } :app\n";
  s += "  .fini_array : {\n    __uk_fini_start = .;\n"
       "    KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*) SORT_BY_INIT_PRIORITY(.dtors.*)))\n"
       "    KEEP(*(.fini_array .dtors))\n    __uk_fini_end = .;\n  } :app\n";
  return s;
}

std::string plt_section(const char *extra) {
  return fmt::format("  .plt : {{ *(.plt) *(.iplt) *(.plt.got){} }} :app\n", extra);
}

std::string tbss_section(const char *extra) {
  return fmt::format("  .tbss : {{ *(.tbss .tbss.* .gnu.linkonce.tb.*{}) }} :app :tls\n", extra);
}

std::string headers_assert(const char *area) {
  return fmt::format("  ASSERT(SIZEOF_HEADERS <= {:#x}, \"too many program headers for the {}\")\n", kAppHeadersSize,
                     area);
}

std::string app_region_assert(const char *end_expr) {
  return fmt::format("  ASSERT({} <= {:#x}, \"app region overflows into the library slots\")\n", end_expr, kSlotBase);
}

std::string slot_sections(const Library &l, size_t i, const Slot &slot, const std::string &own_first) {
  std::string s = fmt::format("\n  /* {} {} slot {:#x}..{:#x} */\n", l.name, l.id.substr(0, 16), slot.base, slot.end());
  for (size_t k = 0; k < kSlotParts; k++) {
    std::vector<std::string> secs = l.sections[k];
    std::string sec = fmt::format(".uk.{}.{}", l.name, kSuffix[k]);
    std::string phdr = fmt::format(" :L{}_{}", i, kSegment[k]);
    std::string addr = fmt::format("{:#x}", slot.part_addr(k));
    std::string size_expr = fmt::format("SIZEOF({})", sec);
    if (k == 2 && !own_first.empty()) {
      // Its own output section first, at the same address in every app.
      secs.erase(std::remove(secs.begin(), secs.end(), own_first), secs.end());
      s += fmt::format("  {} {} : {{ {} }}{}\n", own_first, addr, input_list(l.path, {own_first}), phdr);
      addr = ".";
      size_expr = fmt::format("(SIZEOF({}) + SIZEOF({}))", own_first, sec);
    }
    // Empty input sections (bound 0) still need a home; an empty output
    // section is dropped by the linker and gets no segment.
    if (secs.empty()) continue;
    s += fmt::format("  {} {}{} : {{ {} }}{}\n", sec, addr, k == 3 ? " (NOLOAD)" : "", input_list(l.path, secs),
                     l.bound[k] ? phdr : std::string());
    s += fmt::format("  ASSERT({} <= {:#x}, \"{}: {} outgrew its slot\")\n", size_expr, slot.size[k], l.name,
                     kSuffix[k]);
  }
  return s;
}

std::string script_tail(const std::vector<Library> &libs, const char *extra) {
  std::string s = fmt::format("\n  /DISCARD/ : {{ {}*(.eh_frame .eh_frame_hdr .note .note.* .comment .gnu.warning "
                              ".gnu.warning.*) ",
                              extra);
  s += "*(.debug .debug_*) *(.gnu_debuglink .gnu.lto_*)";
  for (const Library &l : libs)
    if (!l.discard_sections.empty()) s += "\n    " + input_list(l.path, l.discard_sections);
  s += " }\n}\n";
  return s;
}

} // namespace uk
