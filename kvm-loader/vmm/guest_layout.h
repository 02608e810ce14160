// What uk-kvm-run puts into guest memory, whichever file it came from: the
// blocks of the unikernel at their guest-physical (= virtual) addresses,
// each from a pool object, the private image, or bytes copied from an ELF,
// plus what the initial stack tells the program about itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "desc.h"
#include "error.h"

namespace uk::kvm {

struct LayoutLib {
  std::string name;
  std::string object; // pool object (sha256 name)
  uint64_t object_size = 0;
};

enum class BlockSource : uint8_t { Pool, Image, Copy };

struct LayoutBlock {
  uint64_t gpa = 0, size = 0; // page multiples
  uint8_t prot = 0;           // ProtBits (common/desc.h)
  BlockSource source = BlockSource::Image;
  uint32_t lib = 0;           // Pool: index into libs
  uint64_t offset = 0;        // Pool: in the object; Image: in the image; Copy: in copy_from
  uint64_t filesz = 0;        // Image/Copy: bytes from the file, the rest zero
  std::string owner;          // library (or "app region") the block belongs to, for messages
};

struct GuestLayout {
  std::string app, platform;
  std::string image;       // private image, relative to the desc (desc mode)
  uint64_t image_size = 0;
  std::vector<LayoutLib> libs;
  std::vector<LayoutBlock> blocks;
  uint64_t entry = 0, phdr = 0, phnum = 0;
  const uint8_t *copy_from = nullptr; // ELF mode: the file's bytes
  uint64_t copy_size = 0;
  uint64_t plat_header = 0; // ELF mode: address of kvmplat_header (desc mode: found in the pool)
};

// The adapter between the desc format and the VMM: the only function that
// reads Desc fields (the format is moving to v2; only this changes).
GuestLayout layout_from_desc(const Desc &d);

// Default mode: the aligned ELF's PT_LOAD segments, copied (as Firecracker does).
Result<GuestLayout> layout_from_elf(const uint8_t *data, size_t size, const char *path);

} // namespace uk::kvm
