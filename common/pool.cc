#include "pool.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"
#include "sha256.h"

namespace uk {

const char *resolve_pool_dir(const char *flag) {
  if (flag && *flag) return flag;
  const char *env = std::getenv(kPoolEnv);
  if (env && *env) return env;
  return kDefaultPoolDir;
}

bool is_object_name(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

namespace {

bool trusted_owner(uid_t uid) { return uid == 0 || uid == geteuid(); }

Status check_type_mode_owner(const struct stat &st, const char *path) {
  if (!S_ISREG(st.st_mode)) return Error::fmt("%s: pool object is not a regular file", path);
  if (st.st_mode & 0222)
    return Error::fmt("%s: pool object is writable (mode %04o); pool objects must be read-only (0444)", path,
                      static_cast<unsigned>(st.st_mode & 07777));
  if (!trusted_owner(st.st_uid))
    return Error::fmt("%s: pool object is owned by uid %u, neither root nor the caller (uid %u): its owner could make "
                      "it writable",
                      path, static_cast<unsigned>(st.st_uid), static_cast<unsigned>(geteuid()));
  return {};
}

} // namespace

Status check_pool_object_any_size(const struct stat &st, const char *path) {
  UK_TRY(check_type_mode_owner(st, path));
  if (st.st_size <= 0 || !page_aligned(static_cast<uint64_t>(st.st_size)))
    return Error::fmt("%s: pool object has %ld bytes, not a positive multiple of the page size", path,
                      static_cast<long>(st.st_size));
  return {};
}

Status check_pool_object(const struct stat &st, const char *path, uint64_t expected_size) {
  UK_TRY(check_type_mode_owner(st, path));
  if (static_cast<uint64_t>(st.st_size) != expected_size)
    return Error::fmt("%s: pool object has %ld bytes, the desc expects %lu", path, static_cast<long>(st.st_size),
                      static_cast<unsigned long>(expected_size));
  return {};
}

Status check_pool_dir(const struct stat &st, const char *dir) {
  if (!S_ISDIR(st.st_mode)) return Error::fmt("%s: pool directory is not a directory", dir);
  uid_t me = geteuid();
  if (st.st_uid != me && st.st_uid != 0)
    return Error::fmt("%s: pool directory is owned by uid %u, not by you (uid %u) or root", dir,
                      static_cast<unsigned>(st.st_uid), static_cast<unsigned>(me));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
    return Error::fmt("%s: pool directory is writable by group or others (mode %04o) without the sticky bit", dir,
                      static_cast<unsigned>(st.st_mode & 07777));
  return {};
}

Result<int> open_pool_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0 && errno == ENOENT)
    return Error::fmt("%s: cannot open pool directory: %s: use --pool or UK_SLT_POOL", dir, std::strerror(errno));
  if (fd < 0) return Error::fmt("%s: cannot open pool directory: %s", dir, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return Error::fmt("%s: cannot stat pool directory: %s", dir, std::strerror(e));
  }
  Status trusted = check_pool_dir(st, dir);
  if (!trusted) {
    close(fd);
    return trusted.error();
  }
  return fd;
}

namespace {

// Error paths only: building the path costs a page of stack.
[[gnu::noinline, gnu::cold]] Error object_error(const char *dir, const char *object, int err, const char *what) {
  char path[4096];
  std::snprintf(path, sizeof path, "%s/%s", dir, object);
  if (err == ELOOP) return Error::fmt("%s: pool object is a symbolic link", path);
  if (err == ENOENT) return Error::fmt("%s: missing pool object: " UK_POOL_HINT_FMT, path, dir);
  return Error::fmt("%s: cannot %s pool object: %s", path, what, std::strerror(err));
}

[[gnu::noinline, gnu::cold]] Error check_error(const char *dir, const char *object, const struct stat &st,
                                               uint64_t expected_size) {
  char path[4096];
  std::snprintf(path, sizeof path, "%s/%s", dir, object);
  return check_pool_object(st, path, expected_size).error();
}

} // namespace

Result<int> open_pool_object(int dirfd, const char *dir, const char *object, uint64_t expected_size) {
  if (!is_object_name(object)) return Error::fmt("%s: invalid pool object name '%s'", dir, object);
  // No O_CLOEXEC: musl emulates it with an extra fcntl per open, and the
  // loaders close every pool fd before they enter the unikernel.
  int fd = openat(dirfd, object, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return object_error(dir, object, errno, "open");
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return object_error(dir, object, e, "stat");
  }
  if (!S_ISREG(st.st_mode) || (st.st_mode & 0222) || !trusted_owner(st.st_uid) ||
      static_cast<uint64_t>(st.st_size) != expected_size) {
    close(fd);
    return check_error(dir, object, st, expected_size);
  }
  return fd;
}

Status verify_pool_object(int fd, uint64_t size, const char *object, const char *what) {
  char got[kSha256HexLen + 1] = "";
  if (size == 0) {
    sha256_hex("", 0, got);
  } else {
    void *p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) return Error::fmt("%s: cannot map pool object to verify it: %s", what, std::strerror(errno));
    sha256_hex(p, size, got);
    munmap(p, size);
  }
  if (std::strncmp(got, object, kSha256HexLen) != 0 || std::strlen(object) != kSha256HexLen)
    return Error::fmt("%s: pool object content does not match its name (sha256 %s): corrupt or tampered pool", what,
                      got);
  return {};
}

} // namespace uk
