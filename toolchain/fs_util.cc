#include "fs_util.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>

namespace uk {

Result<Bytes> read_fd(int fd, const std::string &path, uint64_t max_bytes) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Error::fmt("%s: not a regular file", path.c_str());
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return Error::fmt("%s: %ld bytes, larger than the %lu-byte limit", path.c_str(), static_cast<long>(st.st_size),
                      static_cast<unsigned long>(max_bytes));
  Bytes out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Error::fmt("%s: read failed: %s", path.c_str(), n == 0 ? "file shrank while reading" : std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  return out;
}

Result<Bytes> read_file(const std::string &path, uint64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path.c_str(), std::strerror(errno));
  auto r = read_fd(fd, path, max_bytes);
  close(fd);
  return r;
}

std::string temp_name(const std::string &name) {
  static std::atomic<unsigned> counter{0};
  return kTempPrefix + name + "." + std::to_string(getpid()) + "." + std::to_string(counter++);
}

Result<std::string> write_temp_at(int dirfd, const std::string &dir, const std::string &name, const void *data,
                                  size_t len, unsigned mode) {
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
    tmp = temp_name(name);
    fd = openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
      return Error::fmt("%s/%s: cannot create: %s", dir.c_str(), tmp.c_str(), std::strerror(errno));
  }
  if (fd < 0) return Error::fmt("%s/%s: cannot create: every temp name is taken", dir.c_str(), tmp.c_str());
  const uint8_t *p = static_cast<const uint8_t *>(data);
  size_t done = 0;
  int err = 0;
  while (done < len && !err) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) err = n < 0 ? errno : EIO;
    else done += static_cast<size_t>(n);
  }
  if (!err && (fchmod(fd, mode) != 0 || fsync(fd) != 0)) err = errno;
  if (close(fd) != 0 && !err) err = errno;
  if (err) {
    unlinkat(dirfd, tmp.c_str(), 0);
    return Error::fmt("%s/%s: write failed: %s", dir.c_str(), tmp.c_str(), std::strerror(err));
  }
  return tmp;
}

Status write_file_atomic_at(int dirfd, const std::string &dir, const std::string &name, const void *data, size_t len,
                            unsigned mode, bool noreplace, bool *exists) {
  auto tmp = write_temp_at(dirfd, dir, name, data, len, mode);
  if (!tmp) return tmp.error();
  int rc = noreplace ? renameat2(dirfd, tmp->c_str(), dirfd, name.c_str(), RENAME_NOREPLACE)
                     : renameat(dirfd, tmp->c_str(), dirfd, name.c_str());
  if (rc != 0) {
    int e = errno;
    unlinkat(dirfd, tmp->c_str(), 0);
    if (exists) *exists = e == EEXIST;
    return Error::fmt("%s/%s: cannot rename into place: %s", dir.c_str(), name.c_str(), std::strerror(e));
  }
  return {};
}

Status write_file_atomic(const std::string &path, const void *data, size_t len, unsigned mode) {
  std::string dir = dirname_of(path);
  int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return Error::fmt("%s: cannot open directory: %s", dir.c_str(), std::strerror(errno));
  Status s = write_file_atomic_at(dirfd, dir, basename_of(path), data, len, mode);
  close(dirfd);
  return s;
}

FileLock &FileLock::operator=(FileLock &&o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

Result<FileLock> lock_file(int dirfd, const std::string &dir, const std::string &name, int op, bool *busy) {
  std::string path = dir + "/" + name;
  if (busy) *busy = false;
  int fd = openat(dirfd, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) fd = openat(dirfd, name.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return Error::fmt("%s: lock file is a symbolic link", path.c_str());
    return Error::fmt("%s: cannot open lock file: %s", path.c_str(), std::strerror(errno));
  }
  FileLock lock(fd);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Error::fmt("%s: lock file is not a regular file", path.c_str());
  if (st.st_uid != geteuid() && st.st_uid != 0)
    return Error::fmt("%s: lock file is owned by uid %u, not by you (uid %u) or root", path.c_str(),
                      static_cast<unsigned>(st.st_uid), static_cast<unsigned>(geteuid()));
  while (flock(fd, op) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && busy) {
      *busy = true;
      return Error::fmt("%s: busy", path.c_str());
    }
    return Error::fmt("%s: cannot lock: %s", path.c_str(), std::strerror(errno));
  }
  return lock;
}

Status make_dirs(const std::string &path) {
  if (path.empty()) return {};
  std::string cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    cur = path.substr(0, slash);
    pos = slash + 1;
    if (cur.empty()) continue;
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return Error::fmt("%s: cannot create directory: %s", cur.c_str(), std::strerror(errno));
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return Error::fmt("%s: not a directory", path.c_str());
  return {};
}

Status set_immutable(int fd, const char *path) {
  int flags = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0)
    return Error::fmt("%s: cannot read inode flags: %s", path, std::strerror(errno));
  if (flags & FS_IMMUTABLE_FL) return {};
  flags |= FS_IMMUTABLE_FL;
  if (ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0)
    return Error::fmt("%s: cannot make immutable: %s", path, std::strerror(errno));
  return {};
}

bool is_immutable(int fd) {
  int flags = 0;
  return ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_IMMUTABLE_FL);
}

Status remove_pool_object(int dirfd, const char *dir, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    struct stat st;
    int flags = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
        (flags & FS_IMMUTABLE_FL)) {
      flags &= ~FS_IMMUTABLE_FL;
      if (ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) {
        int e = errno;
        close(fd);
        return Error::fmt("%s/%s: cannot clear the immutable flag: %s", dir, name, std::strerror(e));
      }
    }
    close(fd);
  }
  if (unlinkat(dirfd, name, 0) != 0) return Error::fmt("%s/%s: cannot remove: %s", dir, name, std::strerror(errno));
  return {};
}

Status make_immutable(const std::string &path) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path.c_str(), std::strerror(errno));
  Status s = set_immutable(fd, path.c_str());
  close(fd);
  return s;
}

std::string dirname_of(const std::string &path) {
  size_t s = path.rfind('/');
  if (s == std::string::npos) return ".";
  if (s == 0) return "/";
  return path.substr(0, s);
}

std::string basename_of(const std::string &path) {
  size_t s = path.rfind('/');
  return s == std::string::npos ? path : path.substr(s + 1);
}

std::string stem_of(const std::string &path) {
  std::string b = basename_of(path);
  size_t dot = b.rfind('.');
  return dot == std::string::npos || dot == 0 ? b : b.substr(0, dot);
}

} // namespace uk
