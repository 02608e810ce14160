// The host memory behind the guest's physical address space: at most two
// memslots, each one contiguous host reservation (KVM requires a memslot to
// be one host range) into which the pieces are placed side by side, file
// pieces with MAP_FIXED:
//   private  guest-physical [0, size): the system pages and page tables at
//            their ABI addresses, then every private block (image pages
//            MAP_PRIVATE from the image file, bss and copied ELF segments
//            anonymous), then guest RAM; anonymous MAP_NORESERVE, so pages
//            the guest never touches cost nothing; a read-write memslot
//   pool     guest-physical [kPoolPhysBase, +size): every pool object once,
//            MAP_SHARED + PROT_READ from its O_RDONLY fd; KVM_MEM_READONLY
// The page tables map each block's guest address (the desc's) to where it
// landed. Why: a KVM_SET_USER_MEMORY_REGION costs milliseconds on this
// loaded nested host (uk-bench-kvm's memslot probe: about 4 ms a call at
// load 15), and one memslot per block made that 12-20 calls per VM; now it
// is two (one for an ELF), whatever the number of libraries.
#pragma once

#include <cstdint>

#include "error.h"

namespace uk::kvm {

// Above the doorbell (UK_KVM_DOORBELL), which must stay outside every memslot.
inline constexpr uint64_t kPoolPhysBase = 1ull << 32;

// A piece of a memslot: host memory and its guest-physical address.
struct PhysPiece {
  uint8_t *host = nullptr;
  uint64_t gpa = 0;
};

// The reservations stay mapped until the process exits (one VM per process):
// a VMM held at its exit, as the tests and bench/ hold it, still shows the
// guest's memory and its pool mappings.
class PhysMemory {
public:
  PhysMemory() = default;
  PhysMemory(const PhysMemory &) = delete;
  PhysMemory &operator=(const PhysMemory &) = delete;

  // Reserves both host ranges (pool_size 0: no pool memslot). Sizes are page multiples.
  Status reserve(uint64_t private_size, uint64_t pool_size);
  // The private piece at guest-physical `gpa` (the system pages, by ABI address).
  Result<PhysPiece> private_at(uint64_t gpa, uint64_t len) const;
  // The next `len` bytes of the private part, in the order they are asked
  // for, at a guest-physical address that is a multiple of `align`.
  Result<PhysPiece> take_private(uint64_t len, uint64_t align = 4096);
  // Maps bytes [off, off + len) of fd over a private piece, MAP_PRIVATE (copy on write).
  Status map_private_file(PhysPiece p, uint64_t len, int fd, uint64_t off, const char *what);
  // Maps a whole pool object (fd, size bytes) at the next place of the pool part.
  Result<PhysPiece> map_pool_object(int fd, uint64_t size, const char *what);
  // --ksm: the whole private part MADV_MERGEABLE (copied ELF segments included, as KSM
  // would see a Firecracker guest's memory).
  Status mergeable() const;
  // One KVM_SET_USER_MEMORY_REGION per part; returns how many memslots.
  Result<uint32_t> register_memslots(int vm_fd) const;

private:
  struct Part {
    uint8_t *host = nullptr;
    uint64_t gpa = 0, size = 0, used = 0;
  };
  Part private_, pool_;
};

} // namespace uk::kvm
