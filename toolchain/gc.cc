#include "gc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "desc.h"
#include "fs_util.h"
#include "pack.h"
#include "pool.h"
#include "progress.h"
#include "registry.h"

namespace uk {
namespace {

struct ObjectUse {
  std::string lib;
  std::set<std::string> apps;
};

// What the descs under some directories use, and the temp files found
// there (per directory).
struct Usage {
  std::map<std::string, ObjectUse> objects; // pool object -> users
  std::set<std::string> ids;                // library identities (registry slots)
  std::map<std::string, std::vector<std::string>> temps; // directory -> temp file names
};

bool ends_with(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

Status record_desc(const std::string &path, Usage *u) {
  auto text = read_file(path, kDescMaxBytes);
  if (!text) return text.error();
  auto d = std::make_unique<Desc>();
  Status s = parse_desc(reinterpret_cast<const char *>(text->data()), text->size(), path.c_str(), d.get());
  if (!s) return s;
  for (uint32_t i = 0; i < d->nlibs; i++) {
    ObjectUse &o = u->objects[d->libs[i].object];
    o.lib = d->libs[i].name;
    o.apps.insert(d->app);
    u->ids.insert(d->libs[i].id);
  }
  return {};
}

// Walks `dir` (symlinks are not followed): descs and temp files.
Status scan(const std::string &dir, Usage *u, int depth = 0) {
  if (depth > 32) return Error::fmt("%s: directories nested too deep", dir.c_str());
  DIR *d = opendir(dir.c_str());
  if (!d) return Error::fmt("%s: cannot read directory: %s", dir.c_str(), std::strerror(errno));
  std::vector<std::string> names;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string &n : names) {
    std::string path = dir + "/" + n;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      UK_TRY(scan(path, u, depth + 1));
    } else if (S_ISREG(st.st_mode)) {
      if (n.rfind(kTempPrefix, 0) == 0) u->temps[dir].push_back(n);
      else if (ends_with(n, ".desc")) {
        Status s = record_desc(path, u);
        if (!s) return Error::fmt("%s; gc cannot tell what it uses", s.error().what());
      }
    }
  }
  return {};
}

Result<Usage> scan_all(const std::vector<std::string> &dirs) {
  Usage u;
  for (const std::string &d : dirs) UK_TRY(scan(d, &u));
  return u;
}

struct Closer {
  int fd;
  ~Closer() {
    if (fd >= 0) close(fd);
  }
};

} // namespace

Status run_gc(const GcOptions &opt) {
  const char *verb = opt.dry_run ? "would remove" : "removed";
  // No pack or extract may run meanwhile: one may have written an object
  // that no desc names yet.
  auto pool_lock = lock_pool(opt.pool_dir, true);
  if (!pool_lock) return pool_lock.error();
  auto reg_lock = RegistryLock::acquire(opt.registry);
  if (!reg_lock) return reg_lock.error();
  auto usage = scan_all(opt.dirs);
  if (!usage) return usage.error();

  auto pool = open_pool_dir(opt.pool_dir.c_str());
  if (!pool) return pool.error();
  Closer closer{*pool};
  size_t objects = 0, slots = 0, temps = 0;
  uint64_t bytes = 0;
  auto remove_at = [&](int dirfd, const std::string &dir, const std::string &name) -> Status {
    if (opt.dry_run || unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return {};
    return Error::fmt("%s/%s: cannot remove: %s", dir.c_str(), name.c_str(), std::strerror(errno));
  };

  // Pool objects no desc uses, and temp files of packs no longer running.
  DIR *d = fdopendir(dup(*pool));
  if (!d) return Error::fmt("%s: cannot read directory: %s", opt.pool_dir.c_str(), std::strerror(errno));
  std::vector<std::string> names;
  while (dirent *e = readdir(d)) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  Progress progress(opt.dry_run ? "gc --dry-run" : "gc", names.size());
  for (const std::string &n : names) {
    progress.step(n);
    struct stat st;
    if (fstatat(*pool, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (is_object_name(n) && !usage->objects.count(n)) {
      UK_TRY(remove_at(*pool, opt.pool_dir, n));
      progress.clear();
      std::printf("gc: %s object %s (%ld bytes)\n", verb, n.c_str(), static_cast<long>(st.st_size));
      objects++;
      bytes += static_cast<uint64_t>(st.st_size);
    } else if (n.rfind(kTempPrefix, 0) == 0 && !S_ISDIR(st.st_mode)) {
      UK_TRY(remove_at(*pool, opt.pool_dir, n));
      progress.clear();
      std::printf("gc: %s temp file %s/%s\n", verb, opt.pool_dir.c_str(), n.c_str());
      temps++;
    }
  }
  progress.clear();

  // Registry slots no desc uses.
  auto reg = Registry::load(opt.registry);
  if (!reg) return reg.error();
  std::vector<std::string> unused;
  for (const Slot &s : reg->slots()) {
    if (usage->ids.count(s.id)) continue;
    unused.push_back(s.id);
    std::printf("gc: %s slot %s %s 0x%lx..0x%lx\n", verb, s.name.c_str(), s.id.substr(0, 12).c_str(),
                static_cast<unsigned long>(s.base), static_cast<unsigned long>(s.end()));
    slots++;
  }
  if (!unused.empty() && !opt.dry_run) {
    reg->remove_slots(unused);
    UK_TRY(reg->save(opt.registry));
  }

  // Temp files in app directories whose pack is not running (the pool's
  // own, if it lies under DIR..., were handled above).
  struct stat pool_st;
  if (fstat(*pool, &pool_st) != 0) return Error::fmt("%s: cannot stat: %s", opt.pool_dir.c_str(), std::strerror(errno));
  for (const auto &[dir, files] : usage->temps) {
    int dirfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) continue;
    Closer c{dirfd};
    struct stat dst;
    if (fstat(dirfd, &dst) != 0 || (dst.st_dev == pool_st.st_dev && dst.st_ino == pool_st.st_ino)) continue;
    FileLock app_lock;
    struct stat st;
    if (fstatat(dirfd, kAppLockName, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      bool busy = false;
      auto l = lock_file(dirfd, dir, kAppLockName, LOCK_EX | LOCK_NB, &busy);
      if (!l) {
        std::printf("gc: kept the temp files in %s (%s)\n", dir.c_str(), busy ? "a pack is running" : l.error().what());
        continue;
      }
      app_lock = std::move(*l);
    }
    for (const std::string &f : files) {
      UK_TRY(remove_at(dirfd, dir, f));
      std::printf("gc: %s temp file %s/%s\n", verb, dir.c_str(), f.c_str());
      temps++;
    }
  }
  std::printf("gc: %s %zu objects (%lu bytes), %zu slots, %zu temp files\n", verb, objects,
              static_cast<unsigned long>(bytes), slots, temps);
  return {};
}

Status run_ls(const GcOptions &opt) {
  auto usage = scan_all(opt.dirs);
  if (!usage) return usage.error();
  auto pool = open_pool_dir(opt.pool_dir.c_str());
  if (!pool) return pool.error();
  Closer closer{*pool};
  DIR *d = fdopendir(dup(*pool));
  if (!d) return Error::fmt("%s: cannot read directory: %s", opt.pool_dir.c_str(), std::strerror(errno));
  std::vector<std::string> names;
  while (dirent *e = readdir(d))
    if (is_object_name(e->d_name)) names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  std::printf("%-64s %10s %-16s %s\n", "object", "bytes", "library", "apps");
  uint64_t total = 0;
  for (const std::string &n : names) {
    struct stat st;
    if (fstatat(*pool, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    auto it = usage->objects.find(n);
    std::string apps;
    if (it != usage->objects.end())
      for (const std::string &a : it->second.apps) apps += (apps.empty() ? "" : ",") + a;
    std::printf("%s %10ld %-16s %s\n", n.c_str(), static_cast<long>(st.st_size),
                it == usage->objects.end() ? "-" : it->second.lib.c_str(), apps.empty() ? "-" : apps.c_str());
    total += static_cast<uint64_t>(st.st_size);
  }
  std::printf("%zu objects, %lu bytes\n", names.size(), static_cast<unsigned long>(total));
  return {};
}

} // namespace uk
