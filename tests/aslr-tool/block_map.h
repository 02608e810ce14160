// Test support: places the blocks of an AslrPlan in this process, each at an
// address the kernel picks, applies its load-time relocations (the three
// DescReloc kinds) and gives every map its final protection. Lets the tests
// call rewritten library code at two different bases without starting an app.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aslr_plan.h"
#include "error.h"

namespace uk::test {

class MappedPlan {
public:
  static Result<MappedPlan> map(const AslrPlan &plan);
  MappedPlan(MappedPlan &&o) noexcept : bases_(std::move(o.bases_)), sizes_(std::move(o.sizes_)) { o.bases_.clear(); }
  MappedPlan(const MappedPlan &) = delete;
  ~MappedPlan();
  uint8_t *base(size_t block) const { return bases_[block]; }

private:
  MappedPlan() = default;
  std::vector<uint8_t *> bases_;
  std::vector<size_t> sizes_;
};

// Link address of symbol `name` in an ELF file, or 0.
uint64_t elf_symbol(const std::string &elf_path, const std::string &name);

// Run-time address of link address `link` in a mapped plan (nullptr if in no library block).
void *runtime_address(const AslrPlan &plan, const MappedPlan &m, uint64_t link);

} // namespace uk::test
