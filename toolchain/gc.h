// Pool maintenance.
//   gc  [--dry-run] DIR...  removes what no desc under DIR... uses: pool
//       objects, registry slots (`next` moves back past trailing ones),
//       and the temp files of packs that were killed (in the pool while no
//       pack holds it, in an app directory while no pack of that app runs).
//   ls  [DIR...]            every pool object, its size, the library it
//       holds and which apps (descs under DIR...) use it.
#pragma once

#include <string>
#include <vector>

#include "error.h"

namespace uk {

struct GcOptions {
  std::vector<std::string> dirs;
  std::string pool_dir, registry;
  bool dry_run = false;
};

Status run_gc(const GcOptions &opt);
Status run_ls(const GcOptions &opt);

} // namespace uk
