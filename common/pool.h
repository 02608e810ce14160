// The library pool: a directory of content-addressed, read-only objects (one
// per library: its text and rodata pages). Object names are the SHA-256 of
// the content in lowercase hex. Shared by the toolchain (writes objects) and
// the loaders (map them), so both apply the very same checks.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "error.h"

namespace uk {

inline constexpr const char *kDefaultPoolDir = "/dev/shm/uk-pool";
inline constexpr const char *kPoolEnv = "UK_SLT_POOL";
inline constexpr mode_t kPoolObjectMode = 0444;

// --pool flag if given, else $UK_SLT_POOL, else /dev/shm/uk-pool: the one
// default of every tool that reads or writes a pool.
const char *resolve_pool_dir(const char *flag);
// What every tool says after a missing object (printf format, one %s: the
// pool directory it looked in).
#define UK_POOL_HINT_FMT "not in pool %s: use --pool or UK_SLT_POOL"

bool is_object_name(std::string_view s);

// Checks what the loader relies on: a regular file of exactly the expected
// size that nobody may write (no write bit at all), owned by root or by the
// caller (the owner of a file can always chmod it writable again, so an
// object owned by anyone else could be patched under a running instance).
Status check_pool_object(const struct stat &st, const char *path, uint64_t expected_size);
// The same checks without an expected size (fsck): the size must be a
// positive multiple of the page size, as every object extract writes.
Status check_pool_object_any_size(const struct stat &st, const char *path);

// Content check: the SHA-256 of the object's bytes must be its name. Maps
// the fd read-only (the page-cache pages an instance maps, no read copy),
// hashes, unmaps. `what` names the object in the error (a path, or a path
// and a library). Used by `uk-slt fsck` and `uk-slt-run --verify`.
Status verify_pool_object(int fd, uint64_t size, const char *object, const char *what);


// Opens <dir>/<object> read-only without following symlinks or blocking on
// FIFOs, then checks it. Returns the fd. `dirfd` is an fd of `dir` (from
// open_pool_dir), so no path is built on the success path; `dir` names it
// in errors.
//
// open_pool_dir also checks who controls the directory (the same rule for
// the toolchain and the loaders): it must be owned by the caller (effective
// uid) or root, and if group or others may write it, it must have the
// sticky bit (as /dev/shm and /tmp do), so nobody else can rename or remove
// the objects in it.
Result<int> open_pool_dir(const char *dir);
Status check_pool_dir(const struct stat &st, const char *dir);
Result<int> open_pool_object(int dirfd, const char *dir, const char *object, uint64_t expected_size);

} // namespace uk
