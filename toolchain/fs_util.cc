#include "fs_util.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uk {

Result<Bytes> read_file(const std::string &path, uint64_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path.c_str(), std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error::fmt("%s: not a regular file", path.c_str());
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    close(fd);
    return Error::fmt("%s: %ld bytes, larger than the %lu-byte limit", path.c_str(), static_cast<long>(st.st_size),
                      static_cast<unsigned long>(max_bytes));
  }
  Bytes out(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      return Error::fmt("%s: read failed: %s", path.c_str(), n == 0 ? "file shrank while reading" : std::strerror(e));
    }
    got += static_cast<size_t>(n);
  }
  close(fd);
  return out;
}

Status write_file_atomic(const std::string &path, const void *data, size_t len, unsigned mode) {
  std::string tmp = dirname_of(path) + "/.tmp." + basename_of(path) + "." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::fmt("%s: cannot create: %s", tmp.c_str(), std::strerror(errno));
  const uint8_t *p = static_cast<const uint8_t *>(data);
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return Error::fmt("%s: write failed: %s", tmp.c_str(), std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return Error::fmt("%s: cannot finish: %s", tmp.c_str(), std::strerror(e));
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp.c_str());
    return Error::fmt("%s: cannot rename into place: %s", path.c_str(), std::strerror(e));
  }
  return {};
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
