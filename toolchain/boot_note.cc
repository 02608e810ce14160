#include "boot_note.h"

#include <algorithm>

namespace uk {

bool has_pvh_note(const std::vector<Library> &libs) {
  return std::any_of(libs.begin(), libs.end(), [](const Library &l) {
    return std::find(l.discard_sections.begin(), l.discard_sections.end(), kPvhNoteSection) !=
           l.discard_sections.end();
  });
}

std::string pvh_note_phdr(const std::vector<Library> &libs) {
  return has_pvh_note(libs) ? "  note PT_NOTE;\n" : "";
}

// In the app region (loaded, a few bytes), before /DISCARD/, whose
// `.note.*` would otherwise drop it: ld gives an input section to the first
// rule that matches it. QEMU reads the note through the PT_NOTE header.
std::string pvh_note_section(const std::vector<Library> &libs) {
  if (!has_pvh_note(libs)) return "";
  return std::string("  ") + kPvhNoteSection + " : { KEEP(*(" + kPvhNoteSection + ")) } :app :note\n";
}

} // namespace uk
