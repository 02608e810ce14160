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
Status verify_existing(int dirfd, const std::string &pool_dir, const std::string &object, uint64_t size) {
  auto fd = open_pool_object(dirfd, pool_dir.c_str(), object.c_str(), size);
  if (!fd) return fd.error();
  std::string path = pool_dir + "/" + object;
  auto have = read_fd(*fd, path);
  close(*fd);
  if (!have) return have.error();
  if (sha256_hex(have->data(), have->size()) != object)
    return Error::fmt("%s: pool object content does not match its name (tampered or corrupt pool)", path.c_str());
  return {};
}

} // namespace

Status put_pool_object(const std::string &pool_dir, const std::string &object, const Bytes &bytes,
                       ExtractStats *stats, bool immutable) {
  auto dirfd = open_pool_dir(pool_dir.c_str());
  if (!dirfd) return dirfd.error();
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{*dirfd};
  struct stat st;
  bool written = false;
  if (fstatat(*dirfd, object.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return Error::fmt("%s/%s: %s", pool_dir.c_str(), object.c_str(), std::strerror(errno));
    // New: temp file + rename that never replaces. If another pack wrote
    // the same object meanwhile, verify theirs.
    bool exists = false;
    Status w = write_file_atomic_at(*dirfd, pool_dir, object, bytes.data(), bytes.size(), kPoolObjectMode, true,
                                    &exists);
    if (!w && !exists) return w;
    written = w.is_ok();
  }
  if (written) {
    stats->written++;
    stats->bytes_written += bytes.size();
  } else {
    UK_TRY(verify_existing(*dirfd, pool_dir, object, bytes.size()));
    stats->reused++;
  }
  if (immutable) UK_TRY(make_immutable(pool_dir + "/" + object));
  return {};
}

Status extract_objects(const ImagePlan &plan, const std::string &pool_dir, ExtractStats *stats, bool immutable) {
  UK_TRY(make_dirs(pool_dir));
  for (const PoolObjectPlan &o : plan.objects) UK_TRY(put_pool_object(pool_dir, o.object, o.bytes, stats, immutable));
  return {};
}

} // namespace uk
