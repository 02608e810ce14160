// The toolchain stages after align. Each one starts from the ImagePlan of an
// aligned ELF (see image_plan.h) and can be run alone from the CLI.
#pragma once

#include <string>

#include "error.h"
#include "image_plan.h"

namespace uk {

struct ExtractStats {
  size_t written = 0, reused = 0;
  uint64_t bytes_written = 0;
};

// extract: each library's shared pages into the pool, content-addressed,
// atomically, mode 0444. An object already there is verified, never rewritten.
// immutable: also set FS_IMMUTABLE_FL on each object (written or reused)
// where the file system and the caller allow (common/pool.h).
Status extract_objects(const ImagePlan &plan, const std::string &pool_dir, ExtractStats *stats,
                       bool immutable = false);
// One object: written if absent, verified (type, mode, size, hash) if present.
Status put_pool_object(const std::string &pool_dir, const std::string &object, const Bytes &bytes,
                       ExtractStats *stats, bool immutable = false);

// minify: the app's private image (app region + writable data), nothing shared.
Status write_image(const ImagePlan &plan, const std::string &image_path);

// desc: the description file; elf and image paths are written relative to it.
Status write_desc(const ImagePlan &plan, const std::string &desc_path, const std::string &elf_path,
                  const std::string &image_path);
// The same with the paths already relative to the desc's directory (they
// need not exist yet: pack writes under temp names, then renames).
Status write_desc_rel(const ImagePlan &plan, const std::string &desc_path, const std::string &elf_rel,
                      const std::string &image_rel);

} // namespace uk
