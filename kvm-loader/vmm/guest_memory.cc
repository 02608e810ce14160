#include "guest_memory.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "desc.h"
#include "layout.h"

namespace uk::kvm {

Status GuestMemory::add(int vm_fd, Region r) {
  uint64_t end;
  if (r.size == 0 || !page_aligned(r.gpa) || !page_aligned(r.size) || add_overflows(r.gpa, r.size, &end))
    return Error::fmt("guest region %s [0x%lx, +0x%lx) is not page-aligned", r.owner.c_str(),
                      static_cast<unsigned long>(r.gpa), static_cast<unsigned long>(r.size));
  for (const Region &o : regions_)
    if (r.gpa < o.gpa + o.size && o.gpa < end)
      return Error::fmt("guest region %s [0x%lx, 0x%lx) overlaps %s [0x%lx, 0x%lx)", r.owner.c_str(),
                        static_cast<unsigned long>(r.gpa), static_cast<unsigned long>(end), o.owner.c_str(),
                        static_cast<unsigned long>(o.gpa), static_cast<unsigned long>(o.gpa + o.size));
  kvm_userspace_memory_region m{};
  m.slot = next_slot_;
  // Pool objects and read-only private blocks: a guest write exits to the VMM.
  m.flags = (r.kind == RegionKind::Pool || (r.kind == RegionKind::Private && !(r.prot & kProtW))) ? KVM_MEM_READONLY : 0;
  m.guest_phys_addr = r.gpa;
  m.memory_size = r.size;
  m.userspace_addr = reinterpret_cast<uint64_t>(r.host);
  if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &m) != 0)
    return Error::fmt("KVM_SET_USER_MEMORY_REGION for %s [0x%lx, +0x%lx): %s", r.owner.c_str(),
                      static_cast<unsigned long>(r.gpa), static_cast<unsigned long>(r.size), std::strerror(errno));
  next_slot_++;
  auto at = std::lower_bound(regions_.begin(), regions_.end(), r.gpa,
                             [](const Region &x, uint64_t g) { return x.gpa < g; });
  regions_.insert(at, std::move(r));
  return {};
}

const Region *GuestMemory::find(uint64_t gpa) const {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), gpa,
                             [](uint64_t g, const Region &x) { return g < x.gpa; });
  if (it == regions_.begin()) return nullptr;
  --it;
  return gpa - it->gpa < it->size ? &*it : nullptr;
}

Status GuestMemory::pieces(uint64_t gpa, uint64_t len, Access a, std::vector<iovec> *out) const {
  uint64_t end;
  if (add_overflows(gpa, len, &end))
    return Error::fmt("guest buffer 0x%lx + 0x%lx overflows", static_cast<unsigned long>(gpa),
                      static_cast<unsigned long>(len));
  uint8_t need = a == Access::Write ? kProtW : kProtR;
  for (uint64_t p = gpa; p < end;) {
    const Region *r = find(p);
    if (!r || !(r->prot & need))
      return Error::fmt("guest buffer [0x%lx, 0x%lx) is not %s guest memory at 0x%lx",
                        static_cast<unsigned long>(gpa), static_cast<unsigned long>(end),
                        a == Access::Write ? "writable" : "readable", static_cast<unsigned long>(p));
    uint64_t n = std::min(end, r->gpa + r->size) - p;
    out->push_back({r->host + (p - r->gpa), n});
    p += n;
  }
  return {};
}

Result<uint8_t *> GuestMemory::call_struct(uint64_t gpa, uint64_t len) const {
  uint64_t end;
  if (gpa & 7) return Error::fmt("hypercall structure at 0x%lx is not 8-byte aligned", static_cast<unsigned long>(gpa));
  const Region *r = find(gpa);
  if (add_overflows(gpa, len, &end) || !r || !r->hypercall_ok || end > r->gpa + r->size)
    return Error::fmt("hypercall structure [0x%lx, +%lu) is not in guest-writable memory",
                      static_cast<unsigned long>(gpa), static_cast<unsigned long>(len));
  return r->host + (gpa - r->gpa);
}

} // namespace uk::kvm
