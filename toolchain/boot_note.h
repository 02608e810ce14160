// The PVH entry note of a KVM image: a library that carries a `.note.Xen`
// section (the KVM platform library kvmplat, kvm-loader/guest/pvh_entry.S)
// gets it kept in the app region and named by a PT_NOTE program header, so
// that a standard monitor (QEMU's -kernel with PVH) finds the 32-bit entry.
// Apps without such a library get no note and an unchanged script.
#pragma once

#include <string>
#include <vector>

#include "library.h"

namespace uk {

inline constexpr const char *kPvhNoteSection = ".note.Xen";

// Whether any library has the note section (it is classified Discard, like
// every SHT_NOTE section, and kept only by the rule below).
bool has_pvh_note(const std::vector<Library> &libs);
// The PHDRS line and the app-region output section, as script text; both
// empty when no library has the note.
std::string pvh_note_phdr(const std::vector<Library> &libs);
std::string pvh_note_section(const std::vector<Library> &libs);

} // namespace uk
