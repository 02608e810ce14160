// Small file helpers for the toolchain: whole-file reads, atomic writes
// (temp file + rename) and lock files, errors as values naming the path.
// Every file the toolchain creates in a directory is created relative to an
// fd of that directory with O_EXCL|O_NOFOLLOW, under a name no one else
// uses: a symlink planted in the pool or an out-dir is never followed, and
// no existing file is truncated or re-moded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"

namespace uk {

using Bytes = std::vector<uint8_t>;

Result<Bytes> read_file(const std::string &path, uint64_t max_bytes = uint64_t{1} << 32);
// Reads all of an open regular file; `path` names it in errors.
Result<Bytes> read_fd(int fd, const std::string &path, uint64_t max_bytes = uint64_t{1} << 32);

// Prefix of every temp file the toolchain writes (what `uk-slt gc` reclaims).
inline constexpr const char *kTempPrefix = ".tmp.";
// A fresh temp name for `name`: ".tmp.<name>.<pid>.<n>".
std::string temp_name(const std::string &name);

// Writes a new temp file in directory `dirfd` (`dir` names it in errors),
// O_EXCL|O_NOFOLLOW, fsynced, with `mode` set on the fd. Returns its name.
Result<std::string> write_temp_at(int dirfd, const std::string &dir, const std::string &name, const void *data,
                                  size_t len, unsigned mode);
// write_temp_at + rename onto `name`. `noreplace`: fail with EEXIST
// (reported in `*exists`) instead of replacing an existing file.
Status write_file_atomic_at(int dirfd, const std::string &dir, const std::string &name, const void *data, size_t len,
                            unsigned mode, bool noreplace = false, bool *exists = nullptr);
// The same for a path: opens its directory.
Status write_file_atomic(const std::string &path, const void *data, size_t len, unsigned mode);

// An exclusive or shared flock on a lock file, released when destroyed.
class FileLock {
public:
  FileLock() = default;
  explicit FileLock(int fd) : fd_(fd) {} // takes ownership of a locked fd
  FileLock(FileLock &&o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock &operator=(FileLock &&o) noexcept;
  FileLock(const FileLock &) = delete;
  ~FileLock();
  bool held() const { return fd_ >= 0; }

private:
  int fd_ = -1;
};

// Opens (creating it if needed, O_EXCL|O_NOFOLLOW) lock file `name` in
// directory `dirfd` and flocks it with `op` (LOCK_SH or LOCK_EX, plus
// LOCK_NB to not wait: then `*busy` tells a lock held by someone else).
// Refuses a lock file that is a symlink, not a regular file, or owned by
// someone other than the caller or root.
Result<FileLock> lock_file(int dirfd, const std::string &dir, const std::string &name, int op, bool *busy = nullptr);

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
