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
#include "fs_util.h"
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

// Overflow-checked end of a slot: base + every part size.
bool slot_end_overflows(uint64_t base, const std::array<uint64_t, kSlotParts> &size, uint64_t *end);

class Registry {
public:
  static constexpr int kVersion = 1;
  // Missing file: an empty registry.
  static Result<Registry> load(const std::string &path);
  // The same on the file's bytes; `path` names it in errors.
  static Result<Registry> parse(const uint8_t *data, size_t size, const std::string &path);
  Status save(const std::string &path) const;

  const Slot *find(const std::string &id) const;
  // The slot containing addr, if any.
  const Slot *find_addr(uint64_t addr) const;
  // Existing slot for lib, or a new one at the end of the used range.
  Result<Slot> assign(const Library &lib);
  const std::vector<Slot> &slots() const { return slots_; }
  uint64_t next() const { return next_; }
  // gc: drops the slots no app uses; `next` moves back to the end of the
  // last slot kept, so the address space of trailing slots is reused.
  void remove_slots(const std::vector<std::string> &ids);

private:
  static Result<Registry> parse_json(const uint8_t *data, size_t size, const std::string &path);
  std::vector<Slot> slots_;
  uint64_t next_ = 0;
};

// Holds an exclusive flock on <registry>.lock for its lifetime. The lock
// file is created O_EXCL|O_NOFOLLOW in the registry's directory, which must
// pass the pool directory check (common/pool.h): by default it is the pool.
class RegistryLock {
public:
  static Result<RegistryLock> acquire(const std::string &registry_path);

private:
  explicit RegistryLock(FileLock l) : lock_(std::move(l)) {}
  FileLock lock_;
};

// Every command that writes into a pool (pack, align, extract) holds a
// shared lock on <pool>/.pool.lock; gc takes it exclusively, so any temp
// file gc finds there belongs to a pack that is no longer running.
inline constexpr const char *kPoolLockName = ".pool.lock";
// Creates the pool directory if needed, checks it (open_pool_dir) and takes
// the lock: shared and waiting, or (gc) exclusive, failing if busy.
Result<FileLock> lock_pool(const std::string &pool_dir, bool exclusive);

} // namespace uk
