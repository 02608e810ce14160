// `uk-kvm-run --share DIR`: the VMM's backend for the guest's file system
// calls. The guest platform forwards open/read/write/... to the VMM (one
// hypercall each); the VMM copies guest strings and checks guest buffers
// against guest memory, then calls the ShareFs method of the same name and
// hands its result back as the system call's return value.
//
// Why a table of our own and this much care: the guest is untrusted. It must
// reach files under DIR and nothing else, and nothing it passes may crash or
// block the VMM. So:
//   - guest fds are indices into a bounded table (kShareFirstFd.. upward;
//     0, 1, 2 are the console, served by the VMM, never by this module: here
//     they are -EBADF); host fds are never shown to the guest;
//   - every path is resolved beneath DIR: openat2(RESOLVE_BENEATH |
//     RESOLVE_NO_MAGICLINKS) where the kernel has it, otherwise a
//     component-by-component walk with O_NOFOLLOW that follows relative
//     symlinks itself. An absolute guest path starts at DIR (the guest's
//     "/"); `..` above DIR, a symlink with an absolute target, a symlink
//     whose target leaves DIR, and procfs magic links are refused
//     (-EACCES for an escape, -ELOOP for a magic link or a symlink loop); a
//     path relative to a guest directory fd stays beneath that directory;
//   - only regular files and directories are opened: FIFOs, sockets and
//     device nodes give -EACCES, checked on an O_PATH handle before the real
//     open, which is itself O_NONBLOCK (an open never blocks the VMM) and
//     checked again by fstat;
//   - open flags are whitelisted (O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC,
//     O_APPEND, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_NOCTTY,
//     O_DSYNC, O_SYNC, O_LARGEFILE); anything else (O_PATH, O_TMPFILE,
//     O_DIRECT, O_ASYNC, O_NOATIME, unknown bits) is -EINVAL; created files
//     and directories get mode & 0777 (no setuid/setgid/sticky);
//   - lengths are bounded: I/O counts are capped at kShareMaxIo (as Linux
//     caps them), buffer + length must not wrap (-EFAULT), paths are at
//     most kSharePathMax - 1 bytes (-ENAMETOOLONG), offsets are >= 0.
// Without --share (ShareFs() / enabled() false) the guest has no files:
// every path call returns -ENOENT and every fd call -EBADF.
//
// Every method returns a Linux result: >= 0 on success, -errno on failure
// (x86-64 numbering, the same on host and guest). fd, flag and mode
// arguments are `int`/`uint32_t` as the kernel reads them (the VMM truncates
// the guest's 64-bit registers the way the kernel does). Paths end at their
// first NUL byte or at the end of the view. struct stat / struct flock /
// linux_dirent64 are the x86-64 kernel layouts, which glibc's match, so the
// VMM copies them to the guest as they are. Not thread-safe: one VMM thread
// (the vCPU thread) calls it. The destructor closes every host fd.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"

namespace uk::kvmhost {

inline constexpr int kShareFirstFd = 3;             // 0, 1, 2: the console
inline constexpr unsigned kShareDefaultMaxFds = 64; // open guest fds at once
inline constexpr unsigned kShareMaxFdsLimit = 1024;
inline constexpr size_t kSharePathMax = 4096;         // Linux PATH_MAX, NUL included
inline constexpr uint64_t kShareMaxIo = 0x7ffff000;   // Linux MAX_RW_COUNT
inline constexpr int kLinuxAtFdcwd = -100;            // AT_FDCWD: the guest's cwd is "/"

static_assert(sizeof(struct stat) == 144, "glibc's struct stat is the x86-64 kernel's");
static_assert(sizeof(struct flock) == 32, "glibc's struct flock is the x86-64 kernel's");

class ShareFs {
public:
  struct Options {
    unsigned max_fds = kShareDefaultMaxFds; // 1..kShareMaxFdsLimit
    bool force_walk = false;                // use the O_NOFOLLOW walk even where openat2 exists (tests)
  };

  // No --share: the guest has no files.
  ShareFs() = default;
  // --share DIR: DIR must be a directory (symlinks in DIR itself are followed:
  // the operator chose it). Errors name DIR.
  static Result<ShareFs> open_dir(const std::string &dir, Options opts);
  static Result<ShareFs> open_dir(const std::string &dir) { return open_dir(dir, Options{}); }

  ShareFs(ShareFs &&o) noexcept;
  ShareFs &operator=(ShareFs &&o) noexcept;
  ShareFs(const ShareFs &) = delete;
  ShareFs &operator=(const ShareFs &) = delete;
  ~ShareFs();

  bool enabled() const { return root_ >= 0; }
  bool uses_openat2() const { return openat2_; }
  unsigned open_fds() const; // guest fds currently open

  // Files and fds.
  int64_t openat(int dirfd, std::string_view path, int flags, uint32_t mode);
  int64_t open(std::string_view path, int flags, uint32_t mode) { return openat(kLinuxAtFdcwd, path, flags, mode); }
  int64_t close(int fd);
  int64_t dup(int fd);                                 // lowest free guest fd
  int64_t fcntl(int fd, int cmd, uint64_t arg);        // F_GETFD F_SETFD F_GETFL F_SETFL F_DUPFD F_DUPFD_CLOEXEC
  int64_t fcntl_lock(int fd, int cmd, struct flock *fl); // F_GETLK F_SETLK; F_SETLKW is served as F_SETLK
                                                         // (never blocks the VMM: -EAGAIN if held)
  // Data.
  int64_t read(int fd, void *buf, uint64_t len);
  int64_t write(int fd, const void *buf, uint64_t len);
  int64_t pread64(int fd, void *buf, uint64_t len, int64_t off);
  int64_t pwrite64(int fd, const void *buf, uint64_t len, int64_t off);
  int64_t lseek(int fd, int64_t off, int whence);
  int64_t ftruncate(int fd, int64_t len);
  int64_t fsync(int fd);
  int64_t fdatasync(int fd);
  int64_t fchmod(int fd, uint32_t mode);
  int64_t getdents64(int fd, void *buf, uint64_t len); // linux_dirent64 records, as the kernel writes them
  // Metadata.
  int64_t fstat(int fd, struct stat *out);
  // flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (path "" = dirfd itself; AT_FDCWD = "/"), AT_NO_AUTOMOUNT.
  int64_t fstatat(int dirfd, std::string_view path, struct stat *out, int flags);
  int64_t stat(std::string_view path, struct stat *out) { return fstatat(kLinuxAtFdcwd, path, out, 0); }
  int64_t lstat(std::string_view path, struct stat *out) {
    return fstatat(kLinuxAtFdcwd, path, out, AT_SYMLINK_NOFOLLOW);
  }
  // mode: F_OK or R_OK|W_OK|X_OK; flags: AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH.
  int64_t faccessat(int dirfd, std::string_view path, int mode, int flags);
  int64_t access(std::string_view path, int mode) { return faccessat(kLinuxAtFdcwd, path, mode, 0); }
  // The target of a symlink beneath DIR whose target stays beneath DIR;
  // -EINVAL for anything else (not a link, absolute or escaping target), so
  // no host path is ever shown. Truncated to len like readlink(2).
  int64_t readlinkat(int dirfd, std::string_view path, char *buf, uint64_t len);
  int64_t readlink(std::string_view path, char *buf, uint64_t len) {
    return readlinkat(kLinuxAtFdcwd, path, buf, len);
  }
  // Names.
  int64_t unlinkat(int dirfd, std::string_view path, int flags); // flags: 0 or AT_REMOVEDIR
  int64_t unlink(std::string_view path) { return unlinkat(kLinuxAtFdcwd, path, 0); }
  int64_t rmdir(std::string_view path) { return unlinkat(kLinuxAtFdcwd, path, AT_REMOVEDIR); }
  int64_t mkdirat(int dirfd, std::string_view path, uint32_t mode);
  int64_t mkdir(std::string_view path, uint32_t mode) { return mkdirat(kLinuxAtFdcwd, path, mode); }
  // flags: 0, RENAME_NOREPLACE, RENAME_EXCHANGE.
  int64_t renameat2(int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath, unsigned flags);
  int64_t rename(std::string_view oldpath, std::string_view newpath) {
    return renameat2(kLinuxAtFdcwd, oldpath, kLinuxAtFdcwd, newpath, 0);
  }

private:
  struct Entry {
    int host = -1;         // -1: free slot
    bool cloexec = false;  // the guest's FD_CLOEXEC (no exec in a unikernel; kept for F_GETFD)
    bool noctty = false;   // the guest asked for O_NOCTTY (the host fd always has it)
  };
  struct Base; // a resolved (dirfd, path) pair, see share_fs.cc
  struct Parent;
  struct FdHandle;

  Entry *entry(int fd);
  int64_t alloc_slot(int min_fd) const; // index of the lowest free slot >= min_fd, or -EMFILE
  int64_t base(int dirfd, std::string_view path, Base &out, bool empty_ok);
  int64_t open_beneath(int dirfd, const std::string &rel, int flags, uint32_t mode) const;
  int64_t walk_open(int dirfd, const std::string &rel, int flags, uint32_t mode) const;
  int64_t parent(int dirfd, std::string_view path, Parent &out);
  int64_t handle(int dirfd, std::string_view path, int flags, FdHandle &out);

  int root_ = -1;   // O_PATH fd of DIR
  bool openat2_ = false;
  std::vector<Entry> fds_; // slot i is guest fd kShareFirstFd + i
};

} // namespace uk::kvmhost
