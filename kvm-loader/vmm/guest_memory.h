// Guest memory as the VMM sees it: regions of guest-physical address space,
// each backed by host memory and registered as one KVM memslot. Every guest
// address a hypercall names is checked here, once, with overflow checks,
// before the VMM touches it.
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
  uint64_t gpa = 0, size = 0;
  uint8_t *host = nullptr;
  RegionKind kind = RegionKind::Private;
  uint8_t prot = 0;     // what the guest may do at CPL3 (ProtBits); System: 0
  bool hypercall_ok = false; // may hold a hypercall structure (guest-writable, or the kernel stack)
  std::string owner;    // library or what the region is, for messages
};

enum class Access : uint8_t { Read, Write };

class GuestMemory {
public:
  // Adds a region (no overlap with the others) and registers its memslot.
  Status add(int vm_fd, Region r);
  // Host iovecs for guest [gpa, gpa + len): every byte in a region the
  // guest may access that way at CPL3 (adjacent regions may split it).
  Status pieces(uint64_t gpa, uint64_t len, Access a, std::vector<iovec> *out) const;
  // A hypercall structure: 8-aligned, in one region that may hold one.
  Result<uint8_t *> call_struct(uint64_t gpa, uint64_t len) const;
  const Region *find(uint64_t gpa) const;
  const std::vector<Region> &regions() const { return regions_; }

private:
  std::vector<Region> regions_; // sorted by gpa
  uint32_t next_slot_ = 0;
};

} // namespace uk::kvm
