// Loading the app and, breadth-first, every library it needs (DT_NEEDED),
// each one once: a needed name matching a loaded object's name or SONAME,
// or a file that is the same inode as a loaded one, is that object.
//
// Search path for a name without '/', in order:
//   1. --library-path DIRS (colon-separated, may be repeated)
//   2. $UK_DYN_LIBRARY_PATH (colon-separated)
//   3. the directory of the app
//   4. the default library directory compiled in (the build's dynlib/)
// A name with '/' is used as it is. Empty entries are ignored.
#pragma once

#include <cstddef>

#include "arena.h"
#include "error.h"
#include "object.h"
#include "stats.h"

namespace uk::dyn {

inline constexpr size_t kMaxSearchDirs = 64;
inline constexpr size_t kMaxObjects = 1024;

struct SearchPath {
  const char *dirs[kMaxSearchDirs];
  size_t n = 0;
};

Status build_search_path(const char *const *cli_paths, size_t ncli, const char *env, const char *app,
                         const char *default_dir, Arena &arena, SearchPath *out);

// Returns the app (head of the load-order list); *count objects in all.
// `populate`: see map_object (false for --dry-run).
Result<DynObject *> load_all(const char *app, const SearchPath &path, bool populate, Arena &arena, Stats &stats,
                             bool verbose, size_t *count);

} // namespace uk::dyn
