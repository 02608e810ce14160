// An object "loaded" into ordinary memory instead of mapped: its load
// segments laid out in one zeroed heap buffer exactly as map_object lays
// them out in the address space (file pages at their page-aligned places,
// the rest of the last file page of a segment with bss zeroed, the bss
// zero), so parse_dynamic, the hash tables, symbol lookup, the TLS layout
// and relocation planning run on it unchanged. Part of ukdyn_host only (the
// host-libc build for the unit tests and fuzzers, under the sanitizers):
// nothing here maps memory or runs code of the object, and the heap
// buffer lets AddressSanitizer see any access outside the image.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arena.h"
#include "error.h"
#include "object.h"

namespace uk::dyn {

inline constexpr uint64_t kMaxHostImageSpan = uint64_t{256} << 20; // heap for one image

struct HostImage {
  uint8_t *mem = nullptr;
  uint64_t len = 0;
  HostImage() = default;
  HostImage(const HostImage &) = delete;
  HostImage &operator=(const HostImage &) = delete;
  ~HostImage();
};

// The file's bytes as an object (headers checked as map_object checks
// them), laid out in `img`; then its dynamic section parsed. `name` is used
// in messages.
Result<DynObject *> load_host_object(const uint8_t *file, size_t size, const char *name, bool is_main, Arena &arena,
                                     HostImage &img);

} // namespace uk::dyn
