// Small file helpers for the toolchain: whole-file reads and atomic writes
// (temp file + rename), errors as values naming the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"

namespace uk {

using Bytes = std::vector<uint8_t>;

Result<Bytes> read_file(const std::string &path, uint64_t max_bytes = uint64_t{1} << 32);
// Writes to a temp file in the same directory, fsyncs, sets `mode`, renames.
Status write_file_atomic(const std::string &path, const void *data, size_t len, unsigned mode);
Status make_dirs(const std::string &path);
// FS_IMMUTABLE_FL: an immutable file cannot be written, truncated, chmod-ed,
// renamed or unlinked, by root either, until the flag is cleared (which needs
// CAP_LINUX_IMMUTABLE). tmpfs and ext4 support it. Toolchain side only
// (pack --immutable, fsck, gc): the loaders never change the pool. set_immutable returns an
// error when the file system or the caller cannot (the object stays 0444).
Status set_immutable(int fd, const char *path);
bool is_immutable(int fd);
// Removes <dirfd>/<name>, clearing FS_IMMUTABLE_FL first when it is set.
Status remove_pool_object(int dirfd, const char *dir, const char *name);
// Sets FS_IMMUTABLE_FL on an existing file (pool objects: `--immutable`).
Status make_immutable(const std::string &path);
std::string dirname_of(const std::string &path);
std::string basename_of(const std::string &path);
// Strips directories and the last extension: "a/b/musl.o" -> "musl".
std::string stem_of(const std::string &path);

} // namespace uk
