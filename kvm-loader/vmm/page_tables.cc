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

Result<uint64_t *> PageTables::pte(uint64_t va, bool create) {
  if (va >> 47) return Error::fmt("guest address 0x%lx is outside the identity map", static_cast<unsigned long>(va));
  uint64_t *t = table(gpa_);
  for (int level = 3; level > 0; level--) {
    uint64_t &e = t[(va >> (12 + 9 * level)) & 511];
    if (!(e & kPteP)) {
      if (!create) return Error::fmt("guest address 0x%lx is not mapped", static_cast<unsigned long>(va));
      if (used_ + kPageSize > size_)
        return Error::fmt("page tables full at 0x%lx (guest memory too large?)", static_cast<unsigned long>(va));
      e = (gpa_ + used_) | kTableFlags;
      used_ += kPageSize;
    }
    t = table(e & kAddrMask);
  }
  return &t[(va >> 12) & 511];
}

Status PageTables::map(uint64_t va, uint64_t pa, uint64_t len, uint64_t flags) {
  for (uint64_t off = 0; off < len; off += kPageSize) {
    auto e = pte(va + off, true);
    if (!e) return e.error();
    **e = (pa + off) | flags | kPteP;
  }
  return {};
}

Status PageTables::protect(uint64_t va, uint64_t len, uint64_t flags) {
  for (uint64_t off = 0; off < len; off += kPageSize) UK_TRY(pte(va + off, false)); // all or nothing
  for (uint64_t off = 0; off < len; off += kPageSize) {
    uint64_t *e = *pte(va + off, false);
    *e = (*e & kAddrMask) | flags;
  }
  return {};
}

} // namespace uk::kvm
