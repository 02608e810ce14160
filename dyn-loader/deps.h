// Loading the app and, breadth-first, every library it needs (DT_NEEDED),
// each one once: a needed name matching a loaded object's name or SONAME,
// or a file that is the same inode as a loaded one, is that object.
//
// Search path for a name without '/' needed by object O, in order (glibc's
// order, with our two path options in the place of LD_LIBRARY_PATH):
//   1. DT_RPATH of O, then of the app, if O has no DT_RUNPATH
//   2. --library-path DIRS (colon-separated, may be repeated)
//   3. $UK_DYN_LIBRARY_PATH (colon-separated)
//   4. DT_RUNPATH of O (its direct dependencies only, as in glibc)
//   5. the directory of the app
//   6. the default library directories (relative to uk-dyn-run's own)
// In DT_RPATH/DT_RUNPATH, $ORIGIN and ${ORIGIN} are the directory of the
// object that holds the tag: for the app, the directory of the file itself
// with every symlink resolved (realpath, as ld.so's /proc/self/exe); for a
// library, the directory it was found in. Other $ tokens ($LIB, $PLATFORM)
// are refused by name. A name with '/' is used as it is. Empty entries are
// ignored.
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
  size_t nuser = 0;                // dirs[0..nuser): --library-path and $UK_DYN_LIBRARY_PATH
  const char *app_origin = nullptr; // the app's directory through symlinks (5. and its $ORIGIN)
};

Status build_search_path(const char *const *cli_paths, size_t ncli, const char *env, const char *app,
                         const char *default_dir, Arena &arena, SearchPath *out);

// Returns the app (head of the load-order list); *count objects in all.
// `populate`: see map_object (false for --dry-run).
Result<DynObject *> load_all(const char *app, const SearchPath &path, bool populate, Arena &arena, Stats &stats,
                             bool verbose, size_t *count);

} // namespace uk::dyn
