#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "fs_util.h"
#include "pool.h"
#include "content_hash.h"
#include "stages.h"

namespace uk {

Status put_pool_object(const std::string &pool_dir, const std::string &object, const Bytes &bytes,
                       ExtractStats *stats) {
  std::string path = pool_dir + "/" + object;
  struct stat st;
  if (lstat(path.c_str(), &st) == 0) {
    // Already in the pool: verify, never overwrite.
    UK_TRY(check_pool_object(st, path.c_str(), bytes.size()));
    auto have = read_file(path);
    if (!have) return have.error();
    if (sha256_hex(have->data(), have->size()) != object)
      return Error::fmt("%s: pool object content does not match its name (tampered or corrupt pool)", path.c_str());
    stats->reused++;
    return {};
  }
  if (errno != ENOENT) return Error::fmt("%s: %s", path.c_str(), std::strerror(errno));
  UK_TRY(write_file_atomic(path, bytes.data(), bytes.size(), kPoolObjectMode));
  stats->written++;
  stats->bytes_written += bytes.size();
  return {};
}

Status extract_objects(const ImagePlan &plan, const std::string &pool_dir, ExtractStats *stats) {
  UK_TRY(make_dirs(pool_dir));
  for (const PoolObjectPlan &o : plan.objects) UK_TRY(put_pool_object(pool_dir, o.object, o.bytes, stats));
  return {};
}

} // namespace uk
