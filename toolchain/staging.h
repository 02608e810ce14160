// The all-or-nothing write of one app's files by `uk-slt pack` (SLT, kvm and
// SLT [ASLR] files alike): under the per-app lock (<dir>/.pack.lock; a second
// pack of the same app into the same directory fails "busy"), every output is
// written under a temp name (fs_util.h's temp_name, which `gc` reclaims after
// a kill) and renamed into place only when all of them exist, in the order
// they were added, each desc after the files it names. Destroyed without
// commit(), the staging removes every temp file: a failed pack leaves the
// previous set of files untouched and no file of its own.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "fs_util.h"

namespace uk {

inline constexpr const char *kAppLockName = ".pack.lock";

// Takes the exclusive lock of app `app`'s directory `dir` (which must exist),
// without waiting.
Result<FileLock> lock_app_dir(const std::string &dir, const std::string &app);

class Staging {
public:
  explicit Staging(std::string dir) : dir_(std::move(dir)) {}
  ~Staging();
  Staging(const Staging &) = delete;
  Staging &operator=(const Staging &) = delete;
  // The temp path for final file `name` in the app's directory.
  std::string add(const std::string &name);
  // Renames every temp file onto its final name, in the order added.
  Status commit();
  const std::string &dir() const { return dir_; }

private:
  struct File {
    std::string tmp, name;
  };
  std::string dir_;
  std::vector<File> files_;
};

} // namespace uk
