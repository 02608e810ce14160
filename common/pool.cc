#include "pool.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

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

Status check_pool_object(const struct stat &st, const char *path, uint64_t expected_size) {
  if (!S_ISREG(st.st_mode)) return Error::fmt("%s: pool object is not a regular file", path);
  if (st.st_mode & 0222)
    return Error::fmt("%s: pool object is writable (mode %04o); pool objects must be read-only (0444)", path,
                      static_cast<unsigned>(st.st_mode & 07777));
  if (static_cast<uint64_t>(st.st_size) != expected_size)
    return Error::fmt("%s: pool object has %ld bytes, the desc expects %lu", path, static_cast<long>(st.st_size),
                      static_cast<unsigned long>(expected_size));
  return {};
}

Result<int> open_pool_object(const char *dir, const char *object, uint64_t expected_size) {
  char path[4096];
  if (!is_object_name(object)) return Error::fmt("%s: invalid pool object name '%s'", dir, object);
  if (std::snprintf(path, sizeof path, "%s/%s", dir, object) >= static_cast<int>(sizeof path))
    return Error::fmt("%s: pool path too long", dir);
  // No O_CLOEXEC: musl emulates it with an extra fcntl per open, and the
  // loaders close every pool fd before they enter the unikernel.
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP) return Error::fmt("%s: pool object is a symbolic link", path);
    if (e == ENOENT) return Error::fmt("%s: missing pool object (was the app packed into this pool?)", path);
    return Error::fmt("%s: cannot open pool object: %s", path, std::strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return Error::fmt("%s: cannot stat pool object: %s", path, std::strerror(e));
  }
  Status s = check_pool_object(st, path, expected_size);
  if (!s) {
    close(fd);
    return s.error();
  }
  return fd;
}

} // namespace uk
