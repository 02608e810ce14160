// The initial process stack the kernel would give a static executable:
//   argc, argv[], NULL, envp[], NULL, auxv (type, value)..., AT_NULL
// built as a word array; enter.S copies it below the current stack pointer
// (16-byte aligned at argc, as the kernel leaves it) and jumps to the entry.
#pragma once

#include <cstddef>
#include <cstdint>

#include "desc.h"
#include "error.h"

namespace uk {

struct InitialStack {
  const uint64_t *words;
  size_t count;
};

Result<InitialStack> build_initial_stack(const Desc &d, int argc, char **argv, char **envp);

} // namespace uk

extern "C" [[noreturn]] void uk_enter(const uint64_t *words, size_t count, uint64_t entry);
