// Room for the initial stack: uk_enter copies the stack block below the
// current stack pointer. If the stack cannot grow that far (a small
// RLIMIT_STACK, or a mapping just below the stack: the kernel keeps
// stack_guard_gap between a growing stack and an accessible mapping below
// it) the copy would die with SIGSEGV half-way. check_stack_room finds out
// before anything is written, from the stack mapping in /proc/self/maps and
// getrlimit(RLIMIT_STACK), and says what is missing.
#pragma once

#include <cstdint>

#include "error.h"

#include "layout.h" // kStackGuardGap

namespace uk {

// What the decision needs, read from the process (or given by a test).
struct StackView {
  uint64_t sp = 0;                        // current stack pointer
  uint64_t vma_start = 0, vma_end = 0;    // the mapping that holds sp
  uint64_t prev_end = 0;                  // end of the mapping below it (0: none)
  bool prev_accessible = false;           // that mapping has any of r, w, x
  uint64_t rlimit = UINT64_MAX;           // RLIMIT_STACK soft limit (UINT64_MAX: unlimited)
};

// Can [sp - bytes, sp) be written, growing the stack if needed?
Status stack_room(const StackView &v, uint64_t bytes);

// Reads the StackView of the calling thread and checks `bytes`. Fast path
// (one mincore): the whole range is mapped already and no fixed mapping the
// loader made (note_fixed_mapping) reaches into it, so it is the stack's own
// memory. Otherwise /proc/self/maps decides (reading it costs about as much
// as the rest of the start-up); if it cannot be read, only RLIMIT_STACK is
// checked.
Status check_stack_room(uint64_t bytes);

// Called by a loader for every mapping it places at a fixed address (a desc
// map may sit right below the stack, where mincore cannot tell it from the
// stack). Mappings the kernel places keep the stack guard gap.
void note_fixed_mapping(uint64_t start, uint64_t end);

} // namespace uk
