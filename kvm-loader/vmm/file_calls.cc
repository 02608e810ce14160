#include "file_calls.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "layout.h"
#include "share_fs.h"

namespace uk::kvm {
namespace {

using kvmhost::kLinuxAtFdcwd;
using kvmhost::kSharePathMax;

constexpr uint64_t kBounceMax = 16ull << 20; // a buffer split across guest regions is copied, this much at a time

bool console(int64_t fd) { return fd >= 0 && fd <= 2; }

// A NUL-terminated guest string of at most kSharePathMax bytes.
int64_t guest_path(Machine &m, uint64_t gpa, std::string *out) {
  for (uint64_t p = gpa; out->size() < kSharePathMax;) {
    const Region *r = m.mem.find(p);
    if (!r || !(r->prot & kProtR)) return -EFAULT;
    const char *s = reinterpret_cast<const char *>(r->host + (p - r->addr));
    uint64_t avail = std::min<uint64_t>(r->addr + r->size - p, kSharePathMax - out->size());
    const void *nul = std::memchr(s, '\0', avail);
    if (nul) {
      out->append(s, static_cast<const char *>(nul) - s);
      return 0;
    }
    out->append(s, avail);
    p += avail;
  }
  return -ENAMETOOLONG;
}

// Runs fn(host_ptr, n) on guest [gpa, gpa + len): directly when the buffer is
// one host range, else through a bounce buffer (copied in before, out after).
template <class F> int64_t with_buffer(Machine &m, uint64_t gpa, uint64_t len, bool guest_writes, F fn) {
  std::vector<iovec> v;
  if (!m.mem.pieces(gpa, len, guest_writes ? Access::Write : Access::Read, &v)) return -EFAULT;
  if (v.size() <= 1) return fn(v.empty() ? nullptr : v[0].iov_base, len);
  uint64_t n = std::min(len, kBounceMax);
  std::vector<uint8_t> bounce(n);
  if (!guest_writes)
    for (uint64_t off = 0; const iovec &p : v) {
      uint64_t k = std::min<uint64_t>(p.iov_len, n - off);
      std::memcpy(bounce.data() + off, p.iov_base, k);
      if ((off += k) == n) break;
    }
  int64_t r = fn(bounce.data(), n);
  if (guest_writes && r > 0)
    for (uint64_t off = 0; const iovec &p : v) {
      uint64_t k = std::min<uint64_t>(p.iov_len, static_cast<uint64_t>(r) - off);
      std::memcpy(p.iov_base, bounce.data() + off, k);
      if ((off += k) == static_cast<uint64_t>(r)) break;
    }
  return r;
}

int64_t host(int64_t r) { return r < 0 ? -errno : r; }

int64_t stat_out(Machine &m, uint64_t gpa, struct stat &st, int64_t r) {
  if (r < 0) return r;
  return with_buffer(m, gpa, sizeof st, true, [&](void *p, uint64_t) {
    std::memcpy(p, &st, sizeof st);
    return int64_t{0};
  });
}

int dirfd_of(uint64_t a) { return static_cast<int>(a); } // the kernel reads an int

} // namespace

int64_t share_io(Machine &m, int64_t fd, uint64_t gpa, uint64_t len, bool guest_writes) {
  int gfd = static_cast<int>(fd);
  return with_buffer(m, gpa, len, guest_writes, [&](void *p, uint64_t n) {
    return guest_writes ? m.share.read(gfd, p, n) : m.share.write(gfd, p, n);
  });
}

int64_t file_call(Machine &m, const uk_kvm_file &c) {
  const uint64_t *a = c.arg;
  kvmhost::ShareFs &fs = m.share;
  std::string path, path2;
  auto P = [&](uint64_t gpa, std::string *s) { return guest_path(m, gpa, s); };
  struct stat st{};
  int64_t r;
  switch (c.nr) {
  case SYS_open:
    if ((r = P(a[0], &path))) return r;
    return fs.openat(kLinuxAtFdcwd, path, static_cast<int>(a[1]), static_cast<uint32_t>(a[2]));
  case SYS_openat:
    if ((r = P(a[1], &path))) return r;
    return fs.openat(dirfd_of(a[0]), path, static_cast<int>(a[2]), static_cast<uint32_t>(a[3]));
  case SYS_close: return console(static_cast<int>(a[0])) ? 0 : fs.close(static_cast<int>(a[0]));
  case SYS_dup: return fs.dup(static_cast<int>(a[0]));
  case SYS_lseek:
    if (console(static_cast<int>(a[0]))) return host(lseek(static_cast<int>(a[0]), static_cast<off_t>(a[1]), static_cast<int>(a[2])));
    return fs.lseek(static_cast<int>(a[0]), static_cast<int64_t>(a[1]), static_cast<int>(a[2]));
  case SYS_pread64:
  case SYS_pwrite64: {
    bool rd = c.nr == SYS_pread64;
    int fd = static_cast<int>(a[0]);
    return with_buffer(m, a[1], a[2], rd, [&](void *p, uint64_t n) {
      return rd ? fs.pread64(fd, p, n, static_cast<int64_t>(a[3])) : fs.pwrite64(fd, p, n, static_cast<int64_t>(a[3]));
    });
  }
  case SYS_fstat: {
    int fd = static_cast<int>(a[0]);
    r = console(fd) ? host(fstat(fd, &st)) : fs.fstat(fd, &st);
    return stat_out(m, a[1], st, r);
  }
  case SYS_stat:
  case SYS_lstat:
    if ((r = P(a[0], &path))) return r;
    return stat_out(m, a[1], st, fs.fstatat(kLinuxAtFdcwd, path, &st, c.nr == SYS_lstat ? AT_SYMLINK_NOFOLLOW : 0));
  case SYS_newfstatat:
    if ((r = P(a[1], &path))) return r;
    return stat_out(m, a[2], st, fs.fstatat(dirfd_of(a[0]), path, &st, static_cast<int>(a[3])));
  case SYS_access:
    if ((r = P(a[0], &path))) return r;
    return fs.faccessat(kLinuxAtFdcwd, path, static_cast<int>(a[1]), 0);
  case SYS_faccessat:
  case SYS_faccessat2:
    if ((r = P(a[1], &path))) return r;
    return fs.faccessat(dirfd_of(a[0]), path, static_cast<int>(a[2]), c.nr == SYS_faccessat2 ? static_cast<int>(a[3]) : 0);
  case SYS_unlink:
  case SYS_rmdir:
    if ((r = P(a[0], &path))) return r;
    return fs.unlinkat(kLinuxAtFdcwd, path, c.nr == SYS_rmdir ? AT_REMOVEDIR : 0);
  case SYS_unlinkat:
    if ((r = P(a[1], &path))) return r;
    return fs.unlinkat(dirfd_of(a[0]), path, static_cast<int>(a[2]));
  case SYS_mkdir:
    if ((r = P(a[0], &path))) return r;
    return fs.mkdirat(kLinuxAtFdcwd, path, static_cast<uint32_t>(a[1]));
  case SYS_mkdirat:
    if ((r = P(a[1], &path))) return r;
    return fs.mkdirat(dirfd_of(a[0]), path, static_cast<uint32_t>(a[2]));
  case SYS_rename:
    if ((r = P(a[0], &path)) || (r = P(a[1], &path2))) return r;
    return fs.renameat2(kLinuxAtFdcwd, path, kLinuxAtFdcwd, path2, 0);
  case SYS_renameat:
  case SYS_renameat2:
    if ((r = P(a[1], &path)) || (r = P(a[3], &path2))) return r;
    return fs.renameat2(dirfd_of(a[0]), path, dirfd_of(a[2]), path2,
                        c.nr == SYS_renameat2 ? static_cast<unsigned>(a[4]) : 0);
  case SYS_ftruncate: return fs.ftruncate(static_cast<int>(a[0]), static_cast<int64_t>(a[1]));
  case SYS_fsync: return console(static_cast<int>(a[0])) ? 0 : fs.fsync(static_cast<int>(a[0]));
  case SYS_fdatasync: return console(static_cast<int>(a[0])) ? 0 : fs.fdatasync(static_cast<int>(a[0]));
  case SYS_fchmod: return fs.fchmod(static_cast<int>(a[0]), static_cast<uint32_t>(a[1]));
  case SYS_fcntl: {
    int fd = static_cast<int>(a[0]), cmd = static_cast<int>(a[1]);
    if (console(fd)) return cmd == F_GETFD ? 0 : cmd == F_GETFL ? host(fcntl(fd, F_GETFL)) : -EINVAL;
    if (cmd == F_GETLK || cmd == F_SETLK || cmd == F_SETLKW) {
      struct flock fl;
      return with_buffer(m, a[2], sizeof fl, true, [&](void *p, uint64_t) {
        std::memcpy(&fl, p, sizeof fl);
        int64_t k = fs.fcntl_lock(fd, cmd, &fl);
        std::memcpy(p, &fl, sizeof fl);
        return k;
      });
    }
    return fs.fcntl(fd, cmd, a[2]);
  }
  case SYS_getdents64:
    return with_buffer(m, a[1], a[2], true, [&](void *p, uint64_t n) { return fs.getdents64(static_cast<int>(a[0]), p, n); });
  case SYS_readlink:
    if ((r = P(a[0], &path))) return r;
    return with_buffer(m, a[1], a[2], true, [&](void *p, uint64_t n) {
      return fs.readlinkat(kLinuxAtFdcwd, path, static_cast<char *>(p), n);
    });
  case SYS_readlinkat:
    if ((r = P(a[1], &path))) return r;
    return with_buffer(m, a[2], a[3], true, [&](void *p, uint64_t n) {
      return fs.readlinkat(dirfd_of(a[0]), path, static_cast<char *>(p), n);
    });
  default: return -ENOSYS;
  }
}

} // namespace uk::kvm
