#include "placement.h"

#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "layout.h"

namespace uk {
namespace {

uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

using i128 = __int128;

} // namespace

void Rng::seed(uint64_t n) {
  for (uint64_t &w : s_) w = splitmix64(&n);
  seeded_ = true;
}

uint64_t Rng::next() {
  if (seeded_) { // xoshiro256**
    uint64_t r = rotl(s_[1] * 5, 7) * 9, t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
  }
  if (used_ == 32) {
    size_t got = 0;
    while (got < sizeof buf_) {
      ssize_t n = getrandom(reinterpret_cast<char *>(buf_) + got, sizeof buf_ - got, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failure_ = std::strerror(errno);
        return 0; // the caller checks failure() before using a base
      }
      got += static_cast<size_t>(n);
    }
    used_ = 0;
  }
  return buf_[used_++];
}

uint64_t Rng::below(uint64_t n) {
  // Lemire's multiply-shift with rejection of the biased low products.
  unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    uint64_t threshold = (0 - n) % n;
    while (low < threshold && !failure_) {
      m = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

AslrRange aslr_range() {
  struct rlimit rl;
  uint64_t gap = kStackGapMax;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < kStackGapMax)
    gap = rl.rlim_cur < kStackGapMin ? kStackGapMin : page_up(rl.rlim_cur);
  return {kAslrLow, kUserTop - kStackRandomMax - kStackGuardGap - gap};
}

namespace {

// Is relocation r a pc32 between two different blocks (an edge of the graph
// whose connected blocks must stay within rel32 reach of each other)?
bool links_blocks(const DescReloc &r) { return r.kind == kRelocPc32 && r.block != r.target; }

// The order to place the blocks in: by index, except that the blocks
// connected through pc32 relocations come one after the other, breadth-first
// from the first of them, so every one of them but the first is placed next
// to one already placed. (By index only, a block with pc32 relocations into
// two blocks placed independently before it, e.g. .app and musl, would have
// to be within rel32 reach of both: usually impossible.)
void placement_order(const Desc &d, const DescReloc *relocs, uint32_t n, bool any_pc32, uint32_t *order) {
  bool queued[kDescMaxBlocks] = {};
  uint32_t len = 0;
  for (uint32_t root = 0; root < d.nblocks; root++) {
    if (queued[root]) continue;
    queued[root] = true;
    order[len++] = root;
    for (uint32_t q = len - 1; any_pc32 && q < len; q++) // breadth-first from root
      for (uint32_t i = 0; i < n; i++) {
        const DescReloc &r = relocs[i];
        if (!links_blocks(r) || (r.block != order[q] && r.target != order[q])) continue;
        uint32_t other = r.block == order[q] ? r.target : r.block;
        if (!queued[other]) queued[other] = true, order[len++] = other;
      }
  }
}

} // namespace

Status place_blocks(Desc *d, const DescReloc *relocs, uint32_t n, bool any_pc32, Rng *rng, const char *desc_path,
                    PlaceStats *stats) {
  const AslrRange range = aslr_range();
  stats->range = range;
  uint32_t order[kDescMaxBlocks];
  placement_order(*d, relocs, n, any_pc32, order);
  bool placed_before[kDescMaxBlocks] = {};
  for (uint32_t k = 0; k < d->nblocks; k++) {
    const uint32_t b = order[k];
    DescBlock &blk = d->blocks[b];
    // Window for the base: the whole range, narrowed by every pc32
    // relocation between this block and one placed before it. A block no
    // pc32 relocation touches keeps the whole range.
    i128 lo = range.lo, hi = static_cast<i128>(range.hi) - static_cast<i128>(blk.size);
    if (any_pc32)
      for (uint32_t i = 0; i < n; i++) {
        const DescReloc &r = relocs[i];
        if (!links_blocks(r)) continue;
        // value = base(T) + addend - (base(B) + offset), in [INT32_MIN, INT32_MAX]
        if (r.block == b && placed_before[r.target]) {
          i128 c = static_cast<i128>(d->blocks[r.target].base) + r.addend - r.offset;
          if (c - INT32_MAX > lo) lo = c - INT32_MAX;
          if (c - INT32_MIN < hi) hi = c - INT32_MIN;
        } else if (r.target == b && placed_before[r.block]) {
          i128 c = static_cast<i128>(d->blocks[r.block].base) + r.offset - r.addend;
          if (c + INT32_MIN > lo) lo = c + INT32_MIN;
          if (c + INT32_MAX < hi) hi = c + INT32_MAX;
        }
      }
    i128 first = (lo + static_cast<i128>(kPageSize) - 1) & ~static_cast<i128>(kPageSize - 1);
    i128 last = hi & ~static_cast<i128>(kPageSize - 1);
    if (hi < 0 || first > last)
      return Error::fmt("%s: block '%s' (0x%lx bytes) has no base in [0x%lx, 0x%lx) that keeps its pc32 relocations "
                        "within rel32 reach",
                        desc_path, blk.name, static_cast<unsigned long>(blk.size),
                        static_cast<unsigned long>(range.lo), static_cast<unsigned long>(range.hi));
    uint64_t pages = static_cast<uint64_t>((last - first) / static_cast<i128>(kPageSize)) + 1;
    stats->bits[b] = static_cast<uint8_t>(63 - __builtin_clzll(pages));
    bool placed = false;
    for (int attempt = 0; attempt < kPlaceAttempts && !placed; attempt++) {
      uint64_t base = static_cast<uint64_t>(first) + rng->below(pages) * kPageSize;
      if (rng->failure())
        return Error::fmt("%s: getrandom failed: %s (use --seed N for a reproducible layout)", desc_path,
                          rng->failure());
      void *want = reinterpret_cast<void *>(base);
      void *got = mmap(want, blk.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                       -1, 0);
      if (got == want) {
        blk.base = base;
        placed = true;
        break;
      }
      if (got != MAP_FAILED) munmap(got, blk.size); // a kernel without MAP_FIXED_NOREPLACE
      else if (errno != EEXIST)
        return Error::fmt("%s: block '%s': cannot reserve [0x%lx, +0x%lx): %s", desc_path, blk.name,
                          static_cast<unsigned long>(base), static_cast<unsigned long>(blk.size), std::strerror(errno));
      stats->collisions++;
    }
    if (!placed)
      return Error::fmt("%s: block '%s': no free place found in %d attempts", desc_path, blk.name, kPlaceAttempts);
    placed_before[b] = true;
  }
  return {};
}

} // namespace uk
