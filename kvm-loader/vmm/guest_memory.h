// Guest memory as the VMM sees it: regions of the guest's address space
// (the addresses its code uses and hypercalls name: the desc's addresses,
// guest RAM, the system pages), each backed by host memory and placed at a
// guest-physical address inside one of the VM's memslots (phys_memory.h).
// Every guest address a hypercall names is checked here, once, with
// overflow checks, before the VMM touches it.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"

namespace uk::kvm {

enum class RegionKind : uint8_t {
  System,     // boot info, GDT, TSS, kernel stack: supervisor only
  PageTables, // never mapped in the guest, never named by a hypercall
  Pool,       // pool object, KVM_MEM_READONLY, shared by every VM
  Private,    // private image or anonymous (bss, copied ELF segments)
  Ram,        // guest RAM: heap and stack
};

struct Region {
  uint64_t addr = 0, size = 0; // guest (virtual) address: what the guest's code and hypercalls name
  uint8_t *host = nullptr;
  uint64_t phys = 0;           // guest-physical address (in a memslot; the page tables map addr to it)
  RegionKind kind = RegionKind::Private;
  uint8_t prot = 0;     // what the guest may do at CPL3 (ProtBits); System: 0
  bool hypercall_ok = false; // may hold a hypercall structure (guest-writable, or the kernel stack)
  std::string owner;    // library or what the region is, for messages
};

enum class Access : uint8_t { Read, Write };

class GuestMemory {
public:
  // Adds a region (page-aligned, no overlap with the others).
  Status add(Region r);
  // Host iovecs for guest [addr, addr + len): every byte in a region the
  // guest may access that way at CPL3 (regions adjacent in the guest and
  // on the host give one iovec).
  Status pieces(uint64_t addr, uint64_t len, Access a, std::vector<iovec> *out) const;
  // A hypercall structure: 8-aligned, in one region that may hold one.
  Result<uint8_t *> call_struct(uint64_t addr, uint64_t len) const;
  const Region *find(uint64_t addr) const;
  const Region *find_phys(uint64_t gpa) const; // by guest-physical address (rare: exits name those)
  const std::vector<Region> &regions() const { return regions_; }

private:
  std::vector<Region> regions_; // sorted by addr
};

} // namespace uk::kvm
