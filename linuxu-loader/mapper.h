// Maps a unikernel described by a desc: pool objects MAP_SHARED and
// read-only from O_RDONLY files, the private image MAP_PRIVATE, bss as
// anonymous zero pages.
//   layout fixed  every map at its block's base from the desc, each with
//                 MAP_FIXED_NOREPLACE, so a layout that collides with the
//                 loader (or anything else) is an error, never a silent
//                 overwrite;
//   layout aslr   every block at a random base (placement.h), reserved with
//                 MAP_FIXED_NOREPLACE, its maps placed over that reservation
//                 of its own; then the load-time relocations (relocate.h).
// Every check (pool objects, image type and size, --verify hash, relocation
// table) comes before the first mapping.
#pragma once

#include <cstdint>

#include "desc.h"
#include "error.h"
#include "placement.h"

namespace uk {

struct MapStats {
  uint64_t shared_pages = 0, private_pages = 0, maps = 0;
  uint64_t relocs = 0, slots = 0; // layout aslr: relocations written (abs64 + pc32), table slots (slot64)
  PlaceStats place;
};

struct MapOptions {
  bool verbose = false;
  bool verify = false; // every pool object against its name and the image against the desc (sha256)
  Rng *rng = nullptr;  // layout aslr
};

// Maps everything; with layout aslr sets d->blocks[i].base.
Status map_unikernel(Desc *d, const char *desc_path, const char *pool_dir, const MapOptions &o, MapStats *stats);

} // namespace uk
