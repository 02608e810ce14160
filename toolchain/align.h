// Stage 1, align: reserve (or reuse) a registry slot for every library and
// link the aligned static ELF with a generated linker script.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "library.h"

namespace uk {

struct AlignOptions {
  std::string registry;          // layout registry file
  std::vector<std::string> libs; // library objects, in link order
  std::string out_elf;           // aligned ELF to write
  std::string script_out;        // where to keep the linker script ("" = <out_elf>.ld)
  std::string linker = "ld";
  std::string report_as;         // the ELF as error messages name it ("" = out_elf)
  bool verbose = false;
  Profile profile = Profile::Corpus; // unikraft: see unikraft_profile.h
  std::string unikraft_tree;         // unikraft: the tree whose mkbootinfo.py fills .uk_bootinfo
};

Status align_app(const AlignOptions &opt);

} // namespace uk
