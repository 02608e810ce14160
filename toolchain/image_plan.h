// Splits an aligned ELF into what is shared and what is private:
//   - per library slot, its read-only segments (text + rodata) become one
//     pool object, named by the SHA-256 of its bytes;
//   - every writable segment, and the app region (headers, app table,
//     init/fini arrays, TLS template), goes into the app's private image;
//   - every map belongs to a block (desc format v2): one per library slot,
//     at the slot's address, and ".app" for the app region.
// extract, minify and desc all start from this plan, so they agree.
#pragma once

#include <string>
#include <vector>

#include "desc.h"
#include "error.h"
#include "fs_util.h"
#include "registry.h"

namespace uk {

struct PlanBlock {
  std::string name; // library name, or ".app"
  uint64_t base = 0, size = 0; // the registry slot, or the app region's maps
};

struct PlanMap {
  size_t block = 0;             // index into ImagePlan::blocks
  uint64_t vaddr = 0, size = 0; // page-aligned address range
  uint8_t prot = 0;
  uint64_t offset = 0; // in the pool object or in the image
  uint64_t filesz = 0; // image maps: bytes that come from the image
};

struct PoolObjectPlan {
  std::string lib_name, lib_id;
  Bytes bytes;        // page multiple
  std::string object; // sha256 of bytes
  std::vector<PlanMap> maps;
};

struct ImagePlan {
  std::string app;
  std::vector<PlanBlock> blocks; // ".app" first, then the slots by address
  std::string platform = "linuxu"; // the desc's platform: linuxu or kvm (pack --platform)
  std::vector<PoolObjectPlan> objects;
  std::vector<PlanMap> private_maps;
  Bytes image; // page multiple
  uint64_t entry = 0, phdr = 0;
  uint32_t phnum = 0;
  DescTls tls; // off: the PT_TLS p_vaddr (absolute); make_desc makes it (block, offset)
};

Result<ImagePlan> plan_image(const std::string &elf_path, const Registry &reg);
// The same on an ELF already in memory; `elf_path` names it in errors.
Result<ImagePlan> plan_image_bytes(const Bytes &bytes, const std::string &elf_path, const Registry &reg);

// The desc for a plan. Paths are relative to the desc's directory.
Result<Desc> make_desc(const ImagePlan &plan, const std::string &elf_rel, const std::string &image_rel);

} // namespace uk
