#include "page_tables.h"

#include "layout.h"

namespace uk::kvm {
namespace {
constexpr uint64_t kAddrMask = 0x000ffffffffff000ull;
constexpr uint64_t kTableFlags = kPteP | kPteW | kPteU; // leaves decide
} // namespace

Status PageTables::init() {
  if (size_ < kPageSize) return Error::fmt("no room for page tables");
  used_ = kPageSize; // the root (PML4) at gpa_
  return {};
}

Result<uint64_t> PageTables::new_table() {
  if (used_ + kPageSize > size_) return Error::fmt("page tables full (guest memory too large?)");
  uint64_t t = gpa_ + used_;
  used_ += kPageSize;
  return t;
}

Result<uint64_t *> PageTables::entry(uint64_t va, int level, bool create) {
  if (va >> 47) return Error::fmt("guest address 0x%lx is outside the guest's address space", static_cast<unsigned long>(va));
  uint64_t *t = table(gpa_);
  for (int l = 3; l > level; l--) {
    uint64_t &e = t[(va >> (12 + 9 * l)) & 511];
    if (!(e & kPteP)) {
      if (!create) return Error::fmt("guest address 0x%lx is not mapped", static_cast<unsigned long>(va));
      auto n = new_table();
      if (!n) return n.error();
      e = *n | kTableFlags;
    } else if (l == 1 && (e & kPtePS)) { // a 2 MiB page: 512 PTEs with its flags
      auto n = new_table();
      if (!n) return n.error();
      uint64_t *pt = table(*n), base = e & kAddrMask & ~(kLargePage - 1), flags = e & ~kAddrMask & ~kPtePS;
      for (uint64_t i = 0; i < 512; i++) pt[i] = (base + i * kPageSize) | flags;
      e = *n | kTableFlags;
    }
    t = table(e & kAddrMask);
  }
  return &t[(va >> (12 + 9 * level)) & 511];
}

Status PageTables::map(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags, bool large) {
  for (uint64_t off = 0; off < len;) {
    bool big = large && ((va + off) % kLargePage) == 0 && ((pa + off) % kLargePage) == 0 && len - off >= kLargePage;
    auto e = entry(va + off, big ? 1 : 0, true);
    if (!e) return e.error();
    **e = (pa + off) | flags | kPteP | (big ? kPtePS : 0);
    off += big ? kLargePage : kPageSize;
  }
  return {};
}

Status PageTables::protect(uint64_t va, uint64_t len, uint64_t flags) {
  // Every page must have its tables (else nothing changes); splitting a
  // 2 MiB page takes a free page-table page (3 MiB of them: ample).
  for (uint64_t off = 0; off < len; off += kPageSize) UK_TRY(entry(va + off, 1, false));
  for (uint64_t off = 0; off < len; off += kPageSize) {
    auto e = entry(va + off, 0, false);
    if (!e) return e.error();
    **e = (**e & kAddrMask) | flags;
  }
  return {};
}

} // namespace uk::kvm
