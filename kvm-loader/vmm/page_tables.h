// The guest's 4-level page tables, built by the VMM in its own memory (the
// PageTables region: never mapped in the guest), with 4 KiB pages: each
// guest-virtual range (the desc's addresses, guest RAM, the system pages) to
// where the VMM placed it in guest-physical memory (phys_memory.h).
#pragma once

#include <cstdint>

#include "error.h"

namespace uk::kvm {

inline constexpr uint64_t kPteP = 1, kPteW = 2, kPteU = 4, kPtePS = 1ull << 7, kPteNX = 1ull << 63;
inline constexpr uint64_t kLargePage = 2ull << 20; // a PDE with kPtePS maps this much

class PageTables {
public:
  // host: the region's memory, zeroed; [gpa, gpa + size) its guest address.
  PageTables(uint8_t *host, uint64_t gpa, uint64_t size) : host_(host), gpa_(gpa), size_(size) {}
  Status init(); // allocates the root
  uint64_t root() const { return gpa_; }
  // Maps [va, va + len) to [pa, pa + len) with these flags; `large`: with
  // 2 MiB pages where both addresses are aligned (no page-table page per
  // 2 MiB: 128 KiB less per VM for 64 MiB of guest RAM).
  Status map(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags, bool large = false);
  // Changes the flags of pages already mapped (present or not, their
  // physical address is kept), splitting 2 MiB pages it covers in part or
  // whole; error if one has no page table.
  Status protect(uint64_t va, uint64_t len, uint64_t flags);
  uint64_t pages_used() const { return used_ / 4096; }

private:
  // The entry for va at `level` (0: a 4 KiB PTE, 1: a PDE), creating the
  // tables above it if `create`, splitting a 2 MiB page on the way down.
  Result<uint64_t *> entry(uint64_t va, int level, bool create);
  Result<uint64_t> new_table();
  uint64_t *table(uint64_t gpa) { return reinterpret_cast<uint64_t *>(host_ + (gpa - gpa_)); }
  uint8_t *host_;
  uint64_t gpa_, size_, used_ = 0;
};

} // namespace uk::kvm
