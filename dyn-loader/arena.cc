#include "arena.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

namespace uk::dyn {
namespace {

// The first chunk is in bss: no mmap for the usual few KiB of objects.
alignas(4096) constinit uint8_t g_first_chunk[32 * 1024] = {};
bool g_first_chunk_used = false;

} // namespace

Result<void *> Arena::alloc(size_t size, size_t align) {
  if (sealed_) return Error::fmt("loader memory: allocation after the arena was sealed");
  if (!cur_ && !g_first_chunk_used) {
    g_first_chunk_used = true;
    cur_ = g_first_chunk;
    end_ = g_first_chunk + sizeof g_first_chunk;
    chunks_[nchunks_++] = Chunk{g_first_chunk, sizeof g_first_chunk};
  }
  uintptr_t p = (reinterpret_cast<uintptr_t>(cur_) + align - 1) & ~(uintptr_t{align} - 1);
  if (!cur_ || size > static_cast<size_t>(end_ - cur_) || p + size > reinterpret_cast<uintptr_t>(end_)) {
    size_t chunk = 64 * 1024;
    if (nchunks_ == kMaxChunks) return Error::fmt("loader memory: more than %zu chunks", kMaxChunks);
    if (size > chunk - 4096) {
      if (size > (size_t{1} << 32)) return Error::fmt("loader memory: request of %zu bytes is too large", size);
      chunk = (size + 4096 + 4095) & ~size_t{4095};
    }
    void *m = mmap(nullptr, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return Error::fmt("loader memory: mmap of %zu bytes failed: %s", chunk, std::strerror(errno));
    cur_ = static_cast<uint8_t *>(m);
    end_ = cur_ + chunk;
    chunks_[nchunks_++] = Chunk{m, chunk};
    pages_ += chunk / 4096;
    p = (reinterpret_cast<uintptr_t>(cur_) + align - 1) & ~(uintptr_t{align} - 1);
  }
  cur_ = reinterpret_cast<uint8_t *>(p + size);
  return reinterpret_cast<void *>(p);
}

Status Arena::seal() {
  sealed_ = true;
  for (size_t i = 0; i < nchunks_; i++)
    if (mprotect(chunks_[i].p, chunks_[i].n, PROT_READ) != 0)
      return Error::fmt("loader memory: cannot make it read-only: %s", std::strerror(errno));
  return {};
}

void Arena::release() {
  for (size_t i = 0; i < nchunks_; i++) {
    if (chunks_[i].p == g_first_chunk) {
      std::memset(g_first_chunk, 0, sizeof g_first_chunk); // alloc promises zeroed memory
      g_first_chunk_used = false;
    } else {
      munmap(chunks_[i].p, chunks_[i].n);
    }
  }
  cur_ = end_ = nullptr;
  pages_ = 0;
  nchunks_ = 0;
  sealed_ = false;
}

Result<char *> Arena::dup(const char *s) {
  size_t n = std::strlen(s) + 1;
  auto p = alloc(n, 1);
  if (!p) return p.error();
  std::memcpy(*p, s, n);
  return static_cast<char *>(*p);
}

} // namespace uk::dyn
