#include "fsck.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fs_util.h"
#include "pool.h"
#include "progress.h"

namespace uk {
namespace {

// Object names in the pool directory, sorted (deterministic output).
Result<std::vector<std::string>> object_names(int dirfd, const std::string &dir) {
  int fd = dup(dirfd);
  DIR *d = fd < 0 ? nullptr : fdopendir(fd);
  if (!d) {
    if (fd >= 0) close(fd);
    return Error::fmt("%s: cannot list pool directory: %s", dir.c_str(), std::strerror(errno));
  }
  std::vector<std::string> names;
  while (struct dirent *e = readdir(d))
    if (is_object_name(e->d_name)) names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// What is wrong with one object, or ok.
Status check_one(int dirfd, const std::string &path, const std::string &name, bool *immutable) {
  int fd = openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP) return Error::fmt("%s: pool object is a symbolic link", path.c_str());
    return Error::fmt("%s: cannot open pool object: %s", path.c_str(), std::strerror(errno));
  }
  struct stat st;
  Status s = fstat(fd, &st) == 0 ? check_pool_object_any_size(st, path.c_str())
                                 : Error::fmt("%s: cannot stat: %s", path.c_str(), std::strerror(errno));
  if (s) s = verify_pool_object(fd, static_cast<uint64_t>(st.st_size), name.c_str(), path.c_str());
  *immutable = is_immutable(fd);
  close(fd);
  return s;
}

} // namespace

Result<FsckResult> run_fsck(const FsckOptions &opt) {
  auto dirfd = open_pool_dir(opt.pool_dir.c_str());
  if (!dirfd) return dirfd.error();
  auto names = object_names(*dirfd, opt.pool_dir);
  if (!names) {
    close(*dirfd);
    return names.error();
  }
  FsckResult r;
  Progress progress("fsck", names->size());
  for (const std::string &name : *names) {
    progress.step(name);
    std::string path = opt.pool_dir + "/" + name;
    bool immutable = false;
    Status s = check_one(*dirfd, path, name, &immutable);
    r.objects++;
    if (immutable) r.immutable++;
    if (s) continue;
    r.bad++;
    progress.clear();
    std::fprintf(stderr, "uk-slt: fsck: %s\n", s.error().what());
    if (!opt.remove) continue;
    if (Status rm = remove_pool_object(*dirfd, opt.pool_dir.c_str(), name.c_str()); !rm)
      std::fprintf(stderr, "uk-slt: fsck: %s\n", rm.error().what());
    else r.removed++;
  }
  close(*dirfd);
  return r;
}

} // namespace uk
