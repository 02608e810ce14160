// The initial process stack the kernel would give an executable:
//   argc, argv[], NULL, envp[], NULL, auxv (type, value)..., AT_NULL,
//   then the AT_RANDOM bytes and the AT_PLATFORM string
// built as one block of words. enter.S copies the block below the current
// stack pointer (16-byte aligned at argc, as the kernel leaves it), turns
// the two auxv values that point into the block into addresses, optionally
// releases the loader's own writable memory and jumps to the entry.
// Shared by uk-slt-run (static unikernels) and uk-dyn-run (dynamic ones).
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.h"

namespace uk {

struct InitialStack {
  const uint64_t *words;
  size_t count;
  // Word indices whose value is an offset into the block, to be rebased
  // once the block's final address is known (AT_RANDOM, AT_PLATFORM).
  const uint64_t *fixups; // kStackFixups entries
};
inline constexpr size_t kStackFixups = 2;

// What the auxiliary vector says about the program being entered.
struct EntryInfo {
  uint64_t phdr = 0;  // AT_PHDR: program headers in memory (with PT_TLS, for musl's start-up)
  uint64_t phnum = 0; // AT_PHNUM
  uint64_t entry = 0; // AT_ENTRY
  uint64_t base = 0;  // AT_BASE: the interpreter's load address (0: none)
};

Result<InitialStack> build_initial_stack(const EntryInfo &e, int argc, char **argv, char **envp);

// The loader's writable memory (data, bss) that nothing needs once the
// unikernel runs: [start, start + len), or len 0 if it cannot be found.
struct LoaderRange {
  uint64_t start, len;
};
LoaderRange loader_writable_range();

} // namespace uk

// Never returns. See enter.S.
extern "C" [[noreturn]] void uk_enter(const uint64_t *words, size_t count, uint64_t entry, const uint64_t *fixups,
                                      uint64_t unmap_start, uint64_t unmap_len);
