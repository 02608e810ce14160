// uk-slt fsck: pool integrity. Every object in the pool directory is checked
// as the loaders check it (regular file, no write bit, owned by root or the
// caller, a positive number of pages) and against its name (the SHA-256 of
// its content, common/pool.h's verify_pool_object, the very check of
// `uk-slt-run --verify`). Each bad object is one line on stderr.
#pragma once

#include <cstddef>
#include <string>

#include "error.h"

namespace uk {

struct FsckOptions {
  std::string pool_dir;
  bool remove = false; // delete bad objects (clearing FS_IMMUTABLE_FL first)
};

struct FsckResult {
  size_t objects = 0, bad = 0, immutable = 0, removed = 0;
};

// An error only when the pool itself cannot be read; bad objects are
// counted in the result (and printed).
Result<FsckResult> run_fsck(const FsckOptions &opt);

} // namespace uk
