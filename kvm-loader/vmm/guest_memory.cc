#include "guest_memory.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "desc.h"
#include "layout.h"

namespace uk::kvm {

Status GuestMemory::add(Region r) {
  uint64_t end;
  if (r.size == 0 || !page_aligned(r.addr) || !page_aligned(r.size) || !page_aligned(r.phys) ||
      add_overflows(r.addr, r.size, &end))
    return Error::fmt("guest region %s [0x%lx, +0x%lx) is not page-aligned", r.owner.c_str(),
                      static_cast<unsigned long>(r.addr), static_cast<unsigned long>(r.size));
  for (const Region &o : regions_)
    if (r.addr < o.addr + o.size && o.addr < end)
      return Error::fmt("guest region %s [0x%lx, 0x%lx) overlaps %s [0x%lx, 0x%lx)", r.owner.c_str(),
                        static_cast<unsigned long>(r.addr), static_cast<unsigned long>(end), o.owner.c_str(),
                        static_cast<unsigned long>(o.addr), static_cast<unsigned long>(o.addr + o.size));
  auto at = std::lower_bound(regions_.begin(), regions_.end(), r.addr,
                             [](const Region &x, uint64_t a) { return x.addr < a; });
  regions_.insert(at, std::move(r));
  return {};
}

const Region *GuestMemory::find(uint64_t addr) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), addr,
                             [](uint64_t a, const Region &x) { return a < x.addr; });
  if (it == regions_.begin()) return nullptr;
  --it;
  return addr - it->addr < it->size ? &*it : nullptr;
}

const Region *GuestMemory::find_phys(uint64_t gpa) const {
  for (const Region &r : regions_)
    if (gpa - r.phys < r.size) return &r;
  return nullptr;
}

Status GuestMemory::pieces(uint64_t addr, uint64_t len, Access a, std::vector<iovec> *out) const {
  uint64_t end;
  if (add_overflows(addr, len, &end))
    return Error::fmt("guest buffer 0x%lx + 0x%lx overflows", static_cast<unsigned long>(addr),
                      static_cast<unsigned long>(len));
  uint8_t need = a == Access::Write ? kProtW : kProtR;
  for (uint64_t p = addr; p < end;) {
    const Region *r = find(p);
    if (!r || !(r->prot & need))
      return Error::fmt("guest buffer [0x%lx, 0x%lx) is not %s guest memory at 0x%lx",
                        static_cast<unsigned long>(addr), static_cast<unsigned long>(end),
                        a == Access::Write ? "writable" : "readable", static_cast<unsigned long>(p));
    uint64_t n = std::min(end, r->addr + r->size) - p;
    uint8_t *h = r->host + (p - r->addr);
    if (!out->empty() && static_cast<uint8_t *>(out->back().iov_base) + out->back().iov_len == h && p != addr)
      out->back().iov_len += n; // the next block, stitched right after on the host
    else
      out->push_back({h, n});
    p += n;
  }
  return {};
}

Result<uint8_t *> GuestMemory::call_struct(uint64_t addr, uint64_t len) const {
  uint64_t end;
  if (addr & 7) return Error::fmt("hypercall structure at 0x%lx is not 8-byte aligned", static_cast<unsigned long>(addr));
  const Region *r = find(addr);
  if (add_overflows(addr, len, &end) || !r || !r->hypercall_ok || end > r->addr + r->size)
    return Error::fmt("hypercall structure [0x%lx, +%lu) is not in guest-writable memory",
                      static_cast<unsigned long>(addr), static_cast<unsigned long>(len));
  return r->host + (addr - r->addr);
}

} // namespace uk::kvm
