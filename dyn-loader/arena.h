// Bump allocator over anonymous mappings for everything the loader keeps
// while the program runs (objects, dependency lists, init/fini lists).
//
// Why not malloc: the loader's musl and the program's musl (libmusl.so)
// are two libcs in one process, and musl's malloc grows the heap with brk.
// Once the program's malloc has moved the break, a later brk from the
// loader's malloc would shrink it under the program. So nothing the loader
// does after entering the program (lazy binding, --invoke, exit statistics)
// allocates, and what it needs then lives here, never in the brk heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.h"

namespace uk::dyn {

class Arena {
public:
  // Zeroed memory, aligned to `align` (a power of two, at most 4096).
  Result<void *> alloc(size_t size, size_t align = 16);
  template <class T> Result<T *> make(size_t n) {
    auto p = alloc(sizeof(T) * (n ? n : 1), alignof(T));
    if (!p) return p.error();
    return static_cast<T *>(*p);
  }
  Result<char *> dup(const char *s);
  uint64_t pages() const { return pages_; }
  // Makes everything allocated so far read-only (before entering the
  // program: what lazy binding reads cannot be changed by the program).
  // Nothing may be allocated afterwards.
  Status seal();
  // Unmaps every chunk and starts again empty (the host build's tests and
  // fuzzers, which make one arena per object; the loader never calls it).
  void release();

private:
  static constexpr size_t kMaxChunks = 64;
  uint8_t *cur_ = nullptr, *end_ = nullptr;
  uint64_t pages_ = 0;
  struct Chunk {
    void *p;
    size_t n;
  } chunks_[kMaxChunks] = {};
  size_t nchunks_ = 0;
  bool sealed_ = false;
};

} // namespace uk::dyn
