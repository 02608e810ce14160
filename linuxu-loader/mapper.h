// Maps a unikernel described by a desc: pool objects MAP_SHARED and
// read-only from O_RDONLY files, the private image MAP_PRIVATE, bss as
// anonymous zero pages. Every mapping uses MAP_FIXED_NOREPLACE, so a layout
// that collides with the loader (or anything else) is an error, never a
// silent overwrite.
#pragma once

#include <cstdint>

#include "desc.h"
#include "error.h"

namespace uk {

struct MapStats {
  uint64_t shared_pages = 0, private_pages = 0, maps = 0;
};

// verify: hash each pool object (common/pool.h verify_pool_object) before
// anything is mapped at the unikernel's addresses.
Status map_unikernel(const Desc &d, const char *desc_path, const char *pool_dir, bool verbose, MapStats *stats,
                     bool verify = false);

} // namespace uk
