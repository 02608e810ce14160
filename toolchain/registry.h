// The persistent layout registry: library identity -> slot. A slot is
// reserved once, at the first app that uses the library, and never moves, so
// every pool object already written stays valid when apps are added.
// Stored as JSON next to the pool it describes; updated under a lock file and
// replaced atomically.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"
#include "library.h"

namespace uk {

struct Slot {
  std::string id;   // library identity (sha256 of its object)
  std::string name; // name when first registered (informational)
  uint64_t base = 0;
  std::array<uint64_t, kSlotParts> size{}; // text, rodata, data, bss (page multiples)

  uint64_t part_addr(size_t k) const {
    uint64_t a = base;
    for (size_t i = 0; i < k; i++) a += size[i];
    return a;
  }
  uint64_t end() const { return part_addr(kSlotParts); }
};

class Registry {
public:
  static constexpr int kVersion = 1;
  // Missing file: an empty registry.
  static Result<Registry> load(const std::string &path);
  Status save(const std::string &path) const;

  const Slot *find(const std::string &id) const;
  // The slot containing addr, if any.
  const Slot *find_addr(uint64_t addr) const;
  // Existing slot for lib, or a new one at the end of the used range.
  Result<Slot> assign(const Library &lib);
  const std::vector<Slot> &slots() const { return slots_; }
  uint64_t next() const { return next_; }

private:
  std::vector<Slot> slots_;
  uint64_t next_ = 0;
};

// Holds an exclusive flock on <registry>.lock for its lifetime.
class RegistryLock {
public:
  static Result<RegistryLock> acquire(const std::string &registry_path);
  RegistryLock(RegistryLock &&o) : fd_(o.fd_) { o.fd_ = -1; }
  RegistryLock(const RegistryLock &) = delete;
  ~RegistryLock();

private:
  explicit RegistryLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace uk
