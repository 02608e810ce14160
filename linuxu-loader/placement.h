// ASLR placement for layout-aslr descs: every block gets its own random,
// page-aligned base anywhere in the user address space where it fits,
// independently of every other block (Linux's own mmap randomisation moves
// all libraries by one shared offset; here each one moves on its own).
//
// The range is [kAslrLow, below the lowest stack): from 4 GiB (nothing of
// a non-PIE layout lives up there) to the lowest top the kernel may give the
// stack (kUserTop minus its 16 GiB of stack randomisation) minus the room
// the stack may grow into (RLIMIT_STACK, at least 128 MiB, as the kernel
// keeps for its mmap base) and the kernel's stack guard gap: about 2^35
// possible bases per block. The range does not depend on where this
// process's stack happens to be, so --seed N reproduces a layout (unless a
// candidate collides with the loader's own randomised mappings and is drawn
// again). Each block is reserved PROT_NONE with
// MAP_FIXED_NOREPLACE (a collision with the loader, the stack, the vDSO or
// another block draws a new base, a bounded number of times); its maps are
// then mapped over its own reservation.
//
// A block no pc32 relocation touches keeps the whole range (with the
// corpus: every block, boot and .app included). pc32 relocations between
// two blocks (out-of-line stubs of a library that needs them) narrow the
// range of the one placed second to what keeps every one of them within
// rel32 reach: the blocks they connect are placed one after the other,
// breadth-first, each next to one already placed, and get about 2^20
// possible bases each (2^32 bytes of pages) instead of 2^35.
#pragma once

#include <cstdint>

#include "desc.h"
#include "error.h"

namespace uk {

inline constexpr uint64_t kAslrLow = 1ull << 32;
inline constexpr uint64_t kStackGapMin = 128ull << 20;
inline constexpr uint64_t kStackGapMax = 16ull << 30;
inline constexpr uint64_t kStackRandomMax = 16ull << 30; // x86-64 stack randomisation (22 bits of pages)
inline constexpr int kPlaceAttempts = 64;              // per block, on collisions

// Random numbers: getrandom(2), or a deterministic xoshiro256** seeded from
// --seed N (splitmix64), so a layout can be reproduced.
class Rng {
public:
  void seed(uint64_t n);
  uint64_t next();
  uint64_t below(uint64_t n); // uniform in [0, n), n > 0, no modulo bias
  const char *failure() const { return failure_; }

private:
  bool seeded_ = false;
  uint64_t s_[4] = {};
  uint64_t buf_[32] = {};
  unsigned used_ = 32;
  const char *failure_ = nullptr;
};

struct AslrRange {
  uint64_t lo, hi; // bases in [lo, hi - block size]
};
AslrRange aslr_range();

struct PlaceStats {
  AslrRange range{};
  uint32_t collisions = 0;
  uint8_t bits[kDescMaxBlocks] = {}; // per block: log2 of its number of possible bases, rounded down
};

// Chooses and reserves a base for every block of d (sets d->blocks[i].base).
// `relocs` (count n) constrain the blocks that pc32 relocations connect.
Status place_blocks(Desc *d, const DescReloc *relocs, uint32_t n, bool any_pc32, Rng *rng, const char *desc_path,
                    PlaceStats *stats);

} // namespace uk
