#include "phys_memory.h"

#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "layout.h"
#include "uk_kvm_abi.h"

namespace uk::kvm {
namespace {

Result<uint8_t *> reserve_range(uint64_t size, int prot, const char *what) {
  void *p = mmap(nullptr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return Error::fmt("%s: cannot reserve %lu bytes: %s", what, static_cast<unsigned long>(size), std::strerror(errno));
  return static_cast<uint8_t *>(p);
}

} // namespace

Status PhysMemory::reserve(uint64_t private_size, uint64_t pool_size) {
  if (!page_aligned(private_size) || !page_aligned(pool_size) || private_size < UK_KVM_PT_HIGH)
    return Error::fmt("guest-physical memory: sizes 0x%lx, 0x%lx are not page multiples",
                      static_cast<unsigned long>(private_size), static_cast<unsigned long>(pool_size));
  // The doorbell's guest-physical page must stay outside every memslot.
  if (private_size > UK_KVM_DOORBELL)
    return Error::fmt("guest-physical memory: private blocks and guest RAM (%lu MiB) do not fit below the doorbell "
                      "at 0x%lx (use a smaller --mem)",
                      static_cast<unsigned long>(private_size >> 20), static_cast<unsigned long>(UK_KVM_DOORBELL));
  auto p = reserve_range(private_size, PROT_READ | PROT_WRITE, "guest private memory");
  if (!p) return p.error();
  private_ = Part{*p, 0, private_size, UK_KVM_PT_HIGH}; // system pages and page tables first
  if (pool_size) {
    // PROT_NONE until each object is mapped over its part: nothing else is ever readable there.
    auto q = reserve_range(pool_size, PROT_NONE, "guest pool memory");
    if (!q) return q.error();
    pool_ = Part{*q, kPoolPhysBase, pool_size, 0};
  }
  return {};
}

Result<PhysPiece> PhysMemory::private_at(uint64_t gpa, uint64_t len) const {
  uint64_t end;
  if (add_overflows(gpa, len, &end) || end > UK_KVM_PT_HIGH)
    return Error::fmt("guest-physical [0x%lx, +0x%lx) is not in the system area", static_cast<unsigned long>(gpa),
                      static_cast<unsigned long>(len));
  return PhysPiece{private_.host + gpa, gpa};
}

Result<PhysPiece> PhysMemory::take_private(uint64_t len, uint64_t align) {
  uint64_t end, start = (private_.used + align - 1) / align * align; // align: a small power of two
  if (!page_aligned(len) || add_overflows(start, len, &end) || end > private_.size)
    return Error::fmt("guest private memory: 0x%lx more bytes do not fit in the reservation",
                      static_cast<unsigned long>(len));
  PhysPiece p{private_.host + start, private_.gpa + start};
  private_.used = end;
  return p;
}

Status PhysMemory::map_private_file(PhysPiece p, uint64_t len, int fd, uint64_t off, const char *what) {
  if (!len) return {};
  void *q = mmap(p.host, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, static_cast<off_t>(off));
  if (q == MAP_FAILED) return Error::fmt("%s: cannot map: %s", what, std::strerror(errno));
  return {};
}

Result<PhysPiece> PhysMemory::map_pool_object(int fd, uint64_t size, const char *what) {
  uint64_t len = page_up(size), end;
  if (add_overflows(pool_.used, len, &end) || end > pool_.size)
    return Error::fmt("%s: does not fit in the pool memslot", what);
  PhysPiece p{pool_.host + pool_.used, pool_.gpa + pool_.used};
  if (len && mmap(p.host, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
    return Error::fmt("%s: cannot map pool object: %s", what, std::strerror(errno));
  pool_.used = end;
  return p;
}

Status PhysMemory::mergeable() const {
  if (madvise(private_.host, private_.size, MADV_MERGEABLE) != 0)
    return Error::fmt("--ksm: madvise(MADV_MERGEABLE): %s", std::strerror(errno));
  return {};
}

Result<uint32_t> PhysMemory::register_memslots(int vm_fd) const {
  uint32_t slot = 0;
  for (const Part *p : {&private_, &pool_}) {
    if (!p->size) continue;
    kvm_userspace_memory_region m{};
    m.slot = slot;
    m.flags = p == &pool_ ? KVM_MEM_READONLY : 0; // a guest write to a pool page exits to the VMM
    m.guest_phys_addr = p->gpa;
    m.memory_size = p->size;
    m.userspace_addr = reinterpret_cast<uint64_t>(p->host);
    if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &m) != 0)
      return Error::fmt("KVM_SET_USER_MEMORY_REGION for the %s memslot [0x%lx, +0x%lx): %s",
                        p == &pool_ ? "pool" : "private", static_cast<unsigned long>(p->gpa),
                        static_cast<unsigned long>(p->size), std::strerror(errno));
    slot++;
  }
  return slot;
}

} // namespace uk::kvm
