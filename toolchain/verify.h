// `uk-slt verify`: proves that the shared part of every ASLR library block
// reaches nothing outside its block. Re-decodes (Zydis) the bytes of the pool
// object from every instruction start (trampoline entries and function
// symbols) and checks every relative branch and every RIP-relative operand;
// checks that no load-time relocation writes into a shared (pool) map.
#pragma once

#include <string>
#include <vector>

#include "aslr_plan.h"
#include "error.h"

namespace uk {

// Problems found in one block's shared bytes, one line each ("" = none).
// `starts`: instruction starts (block offsets), `exec_size`: the executable
// range [0, exec_size) of `shared`, `block_size`: the whole block.
std::vector<std::string> verify_shared(const std::string &name, const uint8_t *shared, uint64_t shared_size,
                                       uint64_t exec_size, uint64_t table_size, uint64_t block_size,
                                       const std::vector<uint64_t> &starts);

// Every library of a plan, the given object bytes (pool contents) standing for
// block i's shared part when objects[i] is non-null.
std::vector<std::string> verify_plan(const AslrPlan &plan, const std::vector<const Bytes *> &objects);

struct VerifyOptions {
  std::vector<std::string> descs;
  std::string pool_dir;
};
// The CLI: each desc's `elf` gives the instruction starts, each `lib` its
// pool object. Prints every problem; error if there is any.
Status run_verify(const VerifyOptions &opt);

} // namespace uk
