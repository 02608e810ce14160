#include "share_fs.h"

#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "layout.h"

namespace uk::kvmhost {
namespace {

// O_LARGEFILE as the kernel numbers it: glibc defines it as 0 on x86-64,
// but musl passes the kernel's bit, so the guest's flags may carry it.
constexpr int kLinuxOLargefile = 0100000;
constexpr int kOpenAllowed = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |
                             O_SYNC | kLinuxOLargefile | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
constexpr int kMaxSymlinks = 40; // Linux's MAXSYMLINKS
constexpr uint32_t kCreateModeMask = 0777;

int64_t neg_errno() { return -static_cast<int64_t>(errno); }

// A host buffer of len bytes handed in by the VMM: non-null and not wrapping.
int64_t check_buffer(const void *buf, uint64_t len) {
  if (len == 0) return 0;
  uint64_t end;
  if (buf == nullptr || add_overflows(reinterpret_cast<uintptr_t>(buf), len, &end)) return -EFAULT;
  return 0;
}

// Runs a host call again when a signal interrupted it; -errno on failure.
template <class F> int64_t retry(F f) {
  for (;;) {
    auto r = f();
    if (r >= 0) return static_cast<int64_t>(r);
    if (errno != EINTR) return neg_errno();
  }
}

class FdGuard {
public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard &) = delete;
  FdGuard &operator=(const FdGuard &) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

private:
  int fd_;
};

std::string_view until_nul(std::string_view p) {
  size_t n = p.find('\0');
  return n == std::string_view::npos ? p : p.substr(0, n);
}

std::vector<std::string> split_components(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The target of the symlink `name` in dir, or -errno. Targets of
// kSharePathMax bytes or more are -ENAMETOOLONG.
int64_t read_link(int dir, const std::string &name, std::string &out) {
  char buf[kSharePathMax];
  ssize_t n = ::readlinkat(dir, name.c_str(), buf, sizeof buf);
  if (n < 0) return neg_errno();
  if (static_cast<size_t>(n) >= sizeof buf) return -ENAMETOOLONG;
  out.assign(buf, static_cast<size_t>(n));
  return 0;
}

} // namespace

// (dirfd, path) made relative to a host directory fd: absolute guest paths
// start at DIR; `rel` never starts with '/' and is "." for DIR itself.
struct ShareFs::Base {
  int dir = -1; // host fd, not owned
  std::string rel;
};

// An O_PATH handle on what a (dirfd, path) names, or the fd itself for
// AT_EMPTY_PATH.
struct ShareFs::FdHandle {
  int fd = -1;
  bool owned = false;
  FdHandle() = default;
  FdHandle(const FdHandle &) = delete;
  FdHandle &operator=(const FdHandle &) = delete;
  ~FdHandle() {
    if (owned) ::close(fd);
  }
};

// The directory holding a path's last component, opened beneath its base.
struct ShareFs::Parent {
  Base base;
  FdGuard dir;      // O_PATH fd of the parent directory
  std::string name; // last component, with its trailing slashes if any
  bool dots = false; // the last component is "." or ".." (or the path is DIR)
  bool trailing_slash = false;
};

Result<ShareFs> ShareFs::open_dir(const std::string &dir, Options opts) {
  if (opts.max_fds < 1 || opts.max_fds > kShareMaxFdsLimit)
    return Error::fmt("--share %s: %u guest fds requested (1..%u)", dir.c_str(), opts.max_fds, kShareMaxFdsLimit);
  int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::fmt("--share %s: cannot open the directory: %s", dir.c_str(), std::strerror(errno));
  ShareFs fs;
  fs.root_ = fd;
  fs.fds_.resize(opts.max_fds);
  if (!opts.force_walk) {
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long probe = ::syscall(SYS_openat2, fd, ".", &how, sizeof how);
    if (probe >= 0) {
      ::close(static_cast<int>(probe));
      fs.openat2_ = true;
    }
    // ENOSYS (kernel < 5.6) or a seccomp filter: the walk serves instead.
  }
  return fs;
}

ShareFs::ShareFs(ShareFs &&o) noexcept : root_(o.root_), openat2_(o.openat2_), fds_(std::move(o.fds_)) {
  o.root_ = -1;
  o.fds_.clear();
}

ShareFs &ShareFs::operator=(ShareFs &&o) noexcept {
  if (this != &o) {
    this->~ShareFs();
    new (this) ShareFs(std::move(o));
  }
  return *this;
}

ShareFs::~ShareFs() {
  for (Entry &e : fds_)
    if (e.host >= 0) ::close(e.host);
  fds_.clear();
  if (root_ >= 0) ::close(root_);
  root_ = -1;
}

unsigned ShareFs::open_fds() const {
  unsigned n = 0;
  for (const Entry &e : fds_) n += e.host >= 0;
  return n;
}

ShareFs::Entry *ShareFs::entry(int fd) {
  if (fd < kShareFirstFd) return nullptr;
  size_t i = static_cast<size_t>(fd - kShareFirstFd);
  if (i >= fds_.size() || fds_[i].host < 0) return nullptr;
  return &fds_[i];
}

int64_t ShareFs::alloc_slot(int min_fd) const {
  size_t from = min_fd <= kShareFirstFd ? 0 : static_cast<size_t>(min_fd - kShareFirstFd);
  for (size_t i = from; i < fds_.size(); i++)
    if (fds_[i].host < 0) return static_cast<int64_t>(i);
  return -EMFILE;
}

int64_t ShareFs::base(int dirfd, std::string_view path, Base &out, bool empty_ok) {
  path = until_nul(path);
  if (path.size() >= kSharePathMax) return -ENAMETOOLONG;
  if (!enabled()) return -ENOENT;
  if (path.empty() && !empty_ok) return -ENOENT;
  if (!path.empty() && path[0] == '/') {
    out.dir = root_;
    while (!path.empty() && path[0] == '/') path.remove_prefix(1);
  } else if (dirfd == kLinuxAtFdcwd) {
    out.dir = root_;
  } else {
    Entry *e = entry(dirfd);
    if (!e) return -EBADF;
    out.dir = e->host;
  }
  out.rel = path.empty() ? "." : std::string(path);
  return 0;
}

int64_t ShareFs::open_beneath(int dir, const std::string &rel, int flags, uint32_t mode) const {
  if (!openat2_) return walk_open(dir, rel, flags, mode);
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int64_t r = retry([&] { return ::syscall(SYS_openat2, dir, rel.c_str(), &how, sizeof how); });
  return r == -EXDEV ? -EACCES : r; // EXDEV: the path left DIR
}

// The fallback of open_beneath: each component opened with O_NOFOLLOW
// relative to the directory before it, `..` popping back to a directory
// already held (never above `dir`), relative symlinks spliced into the
// remaining path, absolute ones refused. Procfs magic links read as
// absolute or meaningless relative targets, so they are refused or fail
// with ENOENT rather than followed.
int64_t ShareFs::walk_open(int dir, const std::string &rel, int flags, uint32_t mode) const {
  std::vector<std::string> todo = split_components(rel);
  std::reverse(todo.begin(), todo.end()); // back() is the next component
  bool must_be_dir = !rel.empty() && rel.back() == '/';
  std::vector<int> held; // directories below `dir`, owned
  struct Closer {
    std::vector<int> &v;
    ~Closer() {
      for (int fd : v) ::close(fd);
    }
  } closer{held};
  auto cur = [&] { return held.empty() ? dir : held.back(); };
  int links = 0;
  auto splice = [&](const std::string &target) -> int64_t {
    if (++links > kMaxSymlinks) return -ELOOP;
    if (target.empty()) return -ENOENT;
    if (target[0] == '/') return -EACCES; // a host path: outside DIR by definition
    std::vector<std::string> parts = split_components(target);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_back(*it);
    return 0;
  };
  while (!todo.empty()) {
    std::string name = std::move(todo.back());
    todo.pop_back();
    bool last = todo.empty();
    if (name == ".") {
      if (!last) continue;
    } else if (name == "..") {
      if (held.empty()) return -EACCES;
      ::close(held.back());
      held.pop_back();
      if (!last) continue;
      name = ".";
    }
    if (name == "." ) break; // the directory itself, opened below
    if (!last || must_be_dir || !(flags & O_NOFOLLOW)) {
      // Look at what the component is without following it.
      FdGuard h(static_cast<int>(retry([&] { return ::openat(cur(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC); })));
      if (h.get() < 0) {
        int64_t err = h.get();
        h.reset(-1);
        if (last && err == -ENOENT && (flags & O_CREAT)) {
          if (must_be_dir) return -EISDIR;
          return retry([&] { return ::openat(cur(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode); });
        }
        return err;
      }
      struct stat st;
      if (::fstat(h.get(), &st) != 0) return neg_errno();
      if (S_ISLNK(st.st_mode)) {
        if (last && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
        std::string target;
        // From the O_PATH handle itself: the very link just looked at.
        if (int64_t r = read_link(h.get(), "", target); r < 0) return r;
        if (int64_t r = splice(target); r < 0) return r;
        continue;
      }
      if (!last) {
        if (!S_ISDIR(st.st_mode)) return -ENOTDIR;
        held.push_back(h.release());
        continue;
      }
      if (must_be_dir && !S_ISDIR(st.st_mode)) return -ENOTDIR;
    }
    int f = flags | O_NOFOLLOW | O_CLOEXEC | (must_be_dir ? O_DIRECTORY : 0);
    return retry([&] { return ::openat(cur(), name.c_str(), f, mode); });
  }
  // The path named a directory already held (or `dir` itself).
  if ((flags & O_CREAT) && !(flags & O_PATH)) return -EISDIR;
  return retry([&] { return ::openat(cur(), ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC); });
}

int64_t ShareFs::parent(int dirfd, std::string_view path, Parent &out) {
  if (int64_t r = base(dirfd, path, out.base, false); r < 0) return r;
  const std::string &rel = out.base.rel;
  size_t end = rel.find_last_not_of('/');
  if (end == std::string::npos) { // only slashes: DIR itself
    out.dots = true;
    return 0;
  }
  size_t slash = rel.rfind('/', end);
  std::string dir = slash == std::string::npos ? "." : rel.substr(0, slash + 1);
  out.name = rel.substr(slash == std::string::npos ? 0 : slash + 1);
  std::string last = out.name.substr(0, end + 1 - (slash == std::string::npos ? 0 : slash + 1));
  out.dots = last == "." || last == "..";
  out.trailing_slash = last.size() != out.name.size();
  int64_t fd = open_beneath(out.base.dir, dir, O_PATH | O_DIRECTORY, 0);
  if (fd < 0) return fd;
  out.dir.reset(static_cast<int>(fd));
  return 0;
}

int64_t ShareFs::openat(int dirfd, std::string_view path, int flags, uint32_t mode) {
  if ((flags & ~kOpenAllowed) || (flags & O_ACCMODE) == O_ACCMODE) return -EINVAL;
  Base b;
  if (int64_t r = base(dirfd, path, b, false); r < 0) return r;
  int64_t slot = alloc_slot(kShareFirstFd);
  if (slot < 0) return slot;
  // What is there, looked at through an O_PATH handle (no open side effect,
  // never blocks): only regular files and directories are served.
  int64_t probe = open_beneath(b.dir, b.rel, O_PATH | (flags & (O_NOFOLLOW | O_DIRECTORY)), 0);
  if (probe >= 0) {
    struct stat st;
    int ok = ::fstat(static_cast<int>(probe), &st);
    ::close(static_cast<int>(probe));
    if (ok != 0) return -EIO;
    if (S_ISLNK(st.st_mode)) return -ELOOP; // O_NOFOLLOW on a symlink
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return -EACCES;
  } else if (probe != -ENOENT || !(flags & O_CREAT)) {
    return probe;
  }
  int hflags = (flags & ~kLinuxOLargefile) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  int64_t fd = open_beneath(b.dir, b.rel, hflags, mode & kCreateModeMask);
  if (fd < 0) return fd;
  FdGuard g(static_cast<int>(fd));
  struct stat st;
  if (::fstat(g.get(), &st) != 0) return -EIO;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return -EACCES; // replaced since the probe
  if (!(flags & O_NONBLOCK)) {
    int fl = ::fcntl(g.get(), F_GETFL);
    if (fl < 0 || ::fcntl(g.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) return -EIO;
  }
  Entry &e = fds_[static_cast<size_t>(slot)];
  e.host = g.release(); // owned by the table now
  e.cloexec = flags & O_CLOEXEC;
  e.noctty = flags & O_NOCTTY;
  return kShareFirstFd + slot;
}

int64_t ShareFs::close(int fd) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  int r = ::close(e->host); // the fd is gone whatever close says (Linux semantics)
  int err = errno;
  *e = Entry{};
  return r == 0 || err == EINTR ? 0 : -static_cast<int64_t>(err);
}

int64_t ShareFs::dup(int fd) { return fcntl(fd, F_DUPFD, 0); }

int64_t ShareFs::fcntl(int fd, int cmd, uint64_t arg) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  switch (cmd) {
  case F_GETFD: return e->cloexec ? FD_CLOEXEC : 0;
  case F_SETFD: e->cloexec = arg & FD_CLOEXEC; return 0;
  case F_GETFL: {
    int64_t fl = retry([&] { return ::fcntl(e->host, F_GETFL); });
    if (fl >= 0 && !e->noctty) fl &= ~static_cast<int64_t>(O_NOCTTY);
    return fl;
  }
  case F_SETFL: {
    int64_t fl = retry([&] { return ::fcntl(e->host, F_GETFL); });
    if (fl < 0) return fl;
    int keep = static_cast<int>(fl) & ~(O_APPEND | O_NONBLOCK);
    int set = static_cast<int>(arg & static_cast<uint64_t>(O_APPEND | O_NONBLOCK));
    return retry([&] { return ::fcntl(e->host, F_SETFL, keep | set); });
  }
  case F_DUPFD:
  case F_DUPFD_CLOEXEC: {
    if (arg > static_cast<uint64_t>(kShareFirstFd) + fds_.size()) return -EINVAL;
    int64_t slot = alloc_slot(static_cast<int>(arg));
    if (slot < 0) return slot;
    int64_t host = retry([&] { return ::fcntl(e->host, F_DUPFD_CLOEXEC, 0); });
    if (host < 0) return host;
    Entry &d = fds_[static_cast<size_t>(slot)];
    d.host = static_cast<int>(host);
    d.cloexec = cmd == F_DUPFD_CLOEXEC;
    d.noctty = e->noctty;
    return kShareFirstFd + slot;
  }
  default: return -EINVAL;
  }
}

int64_t ShareFs::fcntl_lock(int fd, int cmd, struct flock *fl) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (cmd != F_GETLK && cmd != F_SETLK && cmd != F_SETLKW) return -EINVAL;
  if (!fl) return -EFAULT;
  if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK && fl->l_type != F_UNLCK) return -EINVAL;
  if (fl->l_whence != SEEK_SET && fl->l_whence != SEEK_CUR && fl->l_whence != SEEK_END) return -EINVAL;
  int hcmd = cmd == F_SETLKW ? F_SETLK : cmd;
  return retry([&] { return ::fcntl(e->host, hcmd, fl); });
}

int64_t ShareFs::read(int fd, void *buf, uint64_t len) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  size_t n = static_cast<size_t>(std::min(len, kShareMaxIo));
  return retry([&] { return ::read(e->host, buf, n); });
}

int64_t ShareFs::write(int fd, const void *buf, uint64_t len) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  size_t n = static_cast<size_t>(std::min(len, kShareMaxIo));
  return retry([&] { return ::write(e->host, buf, n); });
}

int64_t ShareFs::pread64(int fd, void *buf, uint64_t len, int64_t off) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  size_t n = static_cast<size_t>(std::min(len, kShareMaxIo));
  int64_t end;
  if (off < 0 || __builtin_add_overflow(off, static_cast<int64_t>(n), &end)) return -EINVAL;
  return retry([&] { return ::pread(e->host, buf, n, off); });
}

int64_t ShareFs::pwrite64(int fd, const void *buf, uint64_t len, int64_t off) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  size_t n = static_cast<size_t>(std::min(len, kShareMaxIo));
  int64_t end;
  if (off < 0 || __builtin_add_overflow(off, static_cast<int64_t>(n), &end)) return -EINVAL;
  return retry([&] { return ::pwrite(e->host, buf, n, off); });
}

int64_t ShareFs::lseek(int fd, int64_t off, int whence) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END && whence != SEEK_DATA && whence != SEEK_HOLE)
    return -EINVAL;
  return retry([&] { return ::lseek(e->host, off, whence); });
}

int64_t ShareFs::ftruncate(int fd, int64_t len) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (len < 0) return -EINVAL;
  return retry([&] { return ::ftruncate(e->host, len); });
}

int64_t ShareFs::fsync(int fd) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  return retry([&] { return ::fsync(e->host); });
}

int64_t ShareFs::fdatasync(int fd) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  return retry([&] { return ::fdatasync(e->host); });
}

int64_t ShareFs::fchmod(int fd, uint32_t mode) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  return retry([&] { return ::fchmod(e->host, mode & kCreateModeMask); });
}

int64_t ShareFs::getdents64(int fd, void *buf, uint64_t len) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  unsigned n = static_cast<unsigned>(std::min(len, kShareMaxIo));
  return retry([&] { return ::syscall(SYS_getdents64, e->host, buf, n); });
}

int64_t ShareFs::fstat(int fd, struct stat *out) {
  Entry *e = entry(fd);
  if (!e) return -EBADF;
  if (!out) return -EFAULT;
  return retry([&] { return ::fstat(e->host, out); });
}

int64_t ShareFs::handle(int dirfd, std::string_view path, int flags, FdHandle &out) {
  if (until_nul(path).empty() && (flags & AT_EMPTY_PATH)) {
    if (dirfd == kLinuxAtFdcwd) {
      if (!enabled()) return -ENOENT;
      out.fd = root_;
      return 0;
    }
    Entry *e = entry(dirfd);
    if (!e) return -EBADF;
    out.fd = e->host;
    return 0;
  }
  Base b;
  if (int64_t r = base(dirfd, path, b, false); r < 0) return r;
  int64_t fd = open_beneath(b.dir, b.rel, O_PATH | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
  if (fd < 0) return fd;
  out.fd = static_cast<int>(fd);
  out.owned = true;
  return 0;
}

int64_t ShareFs::fstatat(int dirfd, std::string_view path, struct stat *out, int flags) {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return -EINVAL;
  if (!out) return -EFAULT;
  FdHandle h;
  if (int64_t r = handle(dirfd, path, flags, h); r < 0) return r;
  return retry([&] { return ::fstat(h.fd, out); });
}

int64_t ShareFs::faccessat(int dirfd, std::string_view path, int mode, int flags) {
  if (mode & ~(R_OK | W_OK | X_OK)) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  FdHandle h;
  if (int64_t r = handle(dirfd, path, flags, h); r < 0) return r;
  long r = ::syscall(SYS_faccessat2, h.fd, "", mode, AT_EMPTY_PATH | (flags & AT_EACCESS));
  if (r == 0) return 0;
  if (errno != ENOSYS) return neg_errno();
  // Kernels before 5.8: the same check through the fd's /proc entry.
  char proc[64];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", h.fd);
  return retry([&] { return ::faccessat(AT_FDCWD, proc, mode, flags & AT_EACCESS); });
}

int64_t ShareFs::readlinkat(int dirfd, std::string_view path, char *buf, uint64_t len) {
  if (static_cast<int64_t>(len) <= 0) return -EINVAL; // readlink(2): bufsiz must be positive
  if (int64_t r = check_buffer(buf, len); r < 0) return r;
  Parent p;
  if (int64_t r = parent(dirfd, path, p); r < 0) return r;
  if (p.dots || p.trailing_slash) return -EINVAL;
  std::string target;
  if (int64_t r = read_link(p.dir.get(), p.name, target); r < 0) return r;
  if (target.empty() || target[0] == '/') return -EINVAL;
  // The link must resolve beneath DIR (or dangle there).
  int64_t fd = open_beneath(p.base.dir, p.base.rel, O_PATH, 0);
  if (fd >= 0) ::close(static_cast<int>(fd));
  else if (fd == -EACCES || fd == -ELOOP) return -EINVAL;
  size_t n = std::min<size_t>(target.size(), static_cast<size_t>(std::min(len, kShareMaxIo)));
  std::memcpy(buf, target.data(), n);
  return static_cast<int64_t>(n);
}

int64_t ShareFs::unlinkat(int dirfd, std::string_view path, int flags) {
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  Parent p;
  if (int64_t r = parent(dirfd, path, p); r < 0) return r;
  if (p.dots) return (flags & AT_REMOVEDIR) ? -EINVAL : -EISDIR;
  return retry([&] { return ::unlinkat(p.dir.get(), p.name.c_str(), flags); });
}

int64_t ShareFs::mkdirat(int dirfd, std::string_view path, uint32_t mode) {
  Parent p;
  if (int64_t r = parent(dirfd, path, p); r < 0) return r;
  if (p.dots) return -EEXIST;
  return retry([&] { return ::mkdirat(p.dir.get(), p.name.c_str(), mode & kCreateModeMask); });
}

int64_t ShareFs::renameat2(int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath,
                           unsigned flags) {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) return -EINVAL;
  Parent a, b;
  if (int64_t r = parent(olddirfd, oldpath, a); r < 0) return r;
  if (int64_t r = parent(newdirfd, newpath, b); r < 0) return r;
  if (a.dots || b.dots) return -EBUSY;
  return retry([&] { return ::renameat2(a.dir.get(), a.name.c_str(), b.dir.get(), b.name.c_str(), flags); });
}

} // namespace uk::kvmhost
