#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "fs_util.h"
#include "pool.h"
#include "content_hash.h"
#include "stages.h"

namespace uk {

Status extract_objects(const ImagePlan &plan, const std::string &pool_dir, ExtractStats *stats) {
  UK_TRY(make_dirs(pool_dir));
  for (const PoolObjectPlan &o : plan.objects) {
    std::string path = pool_dir + "/" + o.object;
    struct stat st;
    if (lstat(path.c_str(), &st) == 0) {
      // Already in the pool: verify, never overwrite.
      UK_TRY(check_pool_object(st, path.c_str(), o.bytes.size()));
      auto have = read_file(path);
      if (!have) return have.error();
      if (sha256_hex(have->data(), have->size()) != o.object)
        return Error::fmt("%s: pool object content does not match its name (tampered or corrupt pool)", path.c_str());
      stats->reused++;
      continue;
    }
    if (errno != ENOENT) return Error::fmt("%s: %s", path.c_str(), std::strerror(errno));
    UK_TRY(write_file_atomic(path, o.bytes.data(), o.bytes.size(), kPoolObjectMode));
    stats->written++;
    stats->bytes_written += o.bytes.size();
  }
  return {};
}

} // namespace uk
