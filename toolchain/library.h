// A library: one relocatable object (ld -r of a micro-library), identified by
// the SHA-256 of its bytes. Its sections are classified into the parts of a
// slot (text, rodata, data, bss), the per-app region (init/fini arrays, TLS)
// or discarded, and each part gets a page-rounded upper bound on its size so
// a slot can be reserved before linking.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "error.h"
#include "fs_util.h"

namespace uk {

enum class Part { Text, Rodata, Data, Bss, AppInit, Tls, Discard };
inline constexpr size_t kSlotParts = 4; // Text, Rodata, Data, Bss

const char *part_name(Part p);
// Decides where an input section goes. Shared by the size bounds and the
// linker script so both always agree.
Part classify_section(std::string_view name, uint32_t type, uint64_t flags);

struct Library {
  std::string path; // absolute
  std::string name; // from the file name: "musl" for musl.o
  std::string id;   // sha256 of the object file
  std::array<uint64_t, kSlotParts> bound{}; // page-rounded upper bounds
  std::array<std::vector<std::string>, kSlotParts> sections; // input section names per part
  std::vector<std::string> app_sections;     // init/fini arrays
  std::vector<std::string> tls_sections;
  std::vector<std::string> discard_sections;
  std::vector<std::string> table_sections; // Unikraft tables (per-app region)
  bool has_bootinfo = false;               // Unikraft: .uk_bootinfo (first in the data part)
  uint64_t total() const { return bound[0] + bound[1] + bound[2] + bound[3]; }
};

// Corpus: our micro-libraries. Unikraft: objects of a Unikraft build
// (unikraft_profile.h): its table sections go to the per-app region.
enum class Profile { Corpus, Unikraft };

Result<Library> load_library(const std::string &path, Profile profile = Profile::Corpus);
// The same on an object already in memory: `path` names it in errors,
// `abs_path` is what the linker script names.
Result<Library> load_library_bytes(const Bytes &bytes, const std::string &path, const std::string &abs_path,
                                   Profile profile = Profile::Corpus);

} // namespace uk
