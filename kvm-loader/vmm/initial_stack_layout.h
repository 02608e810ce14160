// The unikernel's initial stack in guest RAM, laid out as Linux lays it out
// for an executable (and as loader-common/initial_stack builds it for
// uk-slt-run): argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL, then
// the strings, the AT_RANDOM bytes and the AT_PLATFORM string at the top.
#pragma once

#include <cstdint>

#include "error.h"

namespace uk::kvm {

inline constexpr uint64_t kMainStackSize = 8ull << 20;

struct StackInfo {
  uint64_t phdr, phnum, entry;
};

// Writes into host memory `host` that the guest sees at [gpa, gpa + size).
// Returns the guest %rsp (argc), 16-byte aligned.
Result<uint64_t> write_initial_stack(uint8_t *host, uint64_t gpa, uint64_t size, const StackInfo &info, int argc,
                                     char **argv, char **envp);

} // namespace uk::kvm
