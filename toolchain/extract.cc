#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "content_hash.h"
#include "fs_util.h"
#include "pool.h"
#include "stages.h"

namespace uk {
namespace {

// An object already in the pool: checked as the loaders check it, and its
// bytes against its name. Never overwritten.
Status verify_existing(int dirfd, const std::string &pool_dir, const PoolObjectPlan &o) {
  auto fd = open_pool_object(dirfd, pool_dir.c_str(), o.object.c_str(), o.bytes.size());
  if (!fd) return fd.error();
  std::string path = pool_dir + "/" + o.object;
  auto have = read_fd(*fd, path);
  close(*fd);
  if (!have) return have.error();
  if (sha256_hex(have->data(), have->size()) != o.object)
    return Error::fmt("%s: pool object content does not match its name (tampered or corrupt pool)", path.c_str());
  return {};
}

} // namespace

Status extract_objects(const ImagePlan &plan, const std::string &pool_dir, ExtractStats *stats) {
  UK_TRY(make_dirs(pool_dir));
  auto dirfd = open_pool_dir(pool_dir.c_str());
  if (!dirfd) return dirfd.error();
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{*dirfd};
  for (const PoolObjectPlan &o : plan.objects) {
    struct stat st;
    if (fstatat(*dirfd, o.object.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return Error::fmt("%s/%s: %s", pool_dir.c_str(), o.object.c_str(), std::strerror(errno));
      // New: temp file + rename that never replaces. If another pack
      // wrote the same object meanwhile, verify theirs.
      bool exists = false;
      Status w = write_file_atomic_at(*dirfd, pool_dir, o.object, o.bytes.data(), o.bytes.size(), kPoolObjectMode,
                                      true, &exists);
      if (w) {
        stats->written++;
        stats->bytes_written += o.bytes.size();
        continue;
      }
      if (!exists) return w;
    }
    UK_TRY(verify_existing(*dirfd, pool_dir, o));
    stats->reused++;
  }
  return {};
}

} // namespace uk
