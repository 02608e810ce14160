#include "staging.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace uk {

Result<FileLock> lock_app_dir(const std::string &dir, const std::string &app) {
  int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return Error::fmt("%s: cannot open: %s", dir.c_str(), std::strerror(errno));
  bool busy = false;
  auto lock = lock_file(dirfd, dir, kAppLockName, LOCK_EX | LOCK_NB, &busy);
  close(dirfd);
  if (busy)
    return Error::fmt("%s: busy: another uk-slt pack of %s into this directory is running", dir.c_str(), app.c_str());
  return lock;
}

Staging::~Staging() {
  for (const auto &f : files_)
    if (!f.tmp.empty()) std::remove((dir_ + "/" + f.tmp).c_str());
}

std::string Staging::add(const std::string &name) {
  files_.push_back({temp_name(name), name});
  return dir_ + "/" + files_.back().tmp;
}

Status Staging::commit() {
  for (size_t i = 0; i < files_.size(); i++) {
    std::string from = dir_ + "/" + files_[i].tmp, to = dir_ + "/" + files_[i].name;
    if (std::rename(from.c_str(), to.c_str()) != 0)
      return Error::fmt("%s: cannot rename into place: %s", to.c_str(), std::strerror(errno));
    files_[i].tmp.clear();
  }
  files_.clear();
  return {};
}

} // namespace uk
