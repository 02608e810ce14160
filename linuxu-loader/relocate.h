// Load-time relocations of a layout-aslr desc (DescReloc, common/desc.h):
// read from the private image, every entry checked against the desc before
// anything is mapped, applied once every block has its base. The maps they
// write are mapped writable (never executable) and then given their final
// protection with mprotect: W^X holds at every moment.
#pragma once

#include <cstddef>
#include <cstdint>

#include "desc.h"
#include "error.h"

namespace uk {

struct RelocTable {
  const DescReloc *entries = nullptr;
  uint32_t count = 0;
  void *mapping = nullptr; // the image pages holding the table (read-only, private)
  size_t mapping_len = 0;
  bool any_pc32 = false;
  uint64_t relocs = 0, slots = 0; // abs64 + pc32, slot64
};

// Maps the table from the image and checks every entry; sets written[i] for
// every map i that receives a relocation.
Status read_relocs(const Desc &d, int image_fd, const char *desc_path, RelocTable *t, bool *written);

// Writes every relocation (each checked again, pc32 range-checked), then
// unmaps the table. `written` is what read_relocs set: the maps mapped writable.
Status apply_relocs(const Desc &d, RelocTable *t, const char *desc_path, const bool *written);

} // namespace uk
