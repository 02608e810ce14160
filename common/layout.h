// Architecture and layout facts for x86-64 unikernels, as data.
//
// Address map of an aligned static unikernel (identical in every app):
//   0x400000            header area (kAppHeadersSize: four pages, room for
//                       290 program headers); the linker puts the ELF header
//                       and program headers in its top pages, right below
//                       the app table, so only those pages are in the image
//   0x404000            app table (struct uk_app_table, see unikernels/boot;
//                       struct uk_slt_table for Unikraft apps, see
//                       unikraft-patches/); UK_APP_TABLE_ADDR in
//                       unikernels/boot/uk_app.h and CONFIG_UK_SLT_TABLE_ADDR
//                       in unikraft-patches/slt.config must be this value
//   0x404000 + ...      init/fini arrays, TLS template (private, per app)
//   kSlotBase ..        library slots from the layout registry, each library
//                       at the same address in every app that uses it
//   < kSlotLimit        non-PIE code model: absolute 32-bit sign-extended
//                       addresses must stay below 2 GiB
#pragma once

#include <cstdint>

namespace uk {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kAppRegionBase = 0x400000;
inline constexpr uint64_t kAppHeadersSize = 4 * kPageSize; // ELF header + phdrs (a musl Unikraft app has 75 PT_LOADs)
inline constexpr uint64_t kAppTableAddr = kAppRegionBase + kAppHeadersSize;
inline constexpr uint64_t kSlotBase = 0x1000000;
inline constexpr uint64_t kSlotLimit = 0x80000000;

// The user address space a loader can map: from vm.mmap_min_addr's usual
// 64 KiB up to TASK_SIZE_MAX, 0x7ffffffff000. The kernel never maps the
// last page below 2^47 (the guard page that keeps SYSCALL from returning to
// a non-canonical address), so a map ending above kUserTop can never load.
inline constexpr uint64_t kUserMin = 0x10000;
inline constexpr uint64_t kUserTop = 0x7ffffffff000;
// The kernel's default stack_guard_gap (256 pages; a boot parameter can
// change it, /proc does not show it): no mapping may come that close below
// the stack.
inline constexpr uint64_t kStackGuardGap = 256 * 4096;

constexpr uint64_t page_down(uint64_t v) { return v & ~(kPageSize - 1); }
constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool page_aligned(uint64_t v) { return (v & (kPageSize - 1)) == 0; }

// The helpers for sums of untrusted numbers (ELF fields, registry and desc
// values): every such sum goes through add_overflows.
// Overflow-checked a + b: true (and *out unspecified) if it wraps.
constexpr bool add_overflows(uint64_t a, uint64_t b, uint64_t *out) {
  return __builtin_add_overflow(a, b, out);
}

// The page-rounded end of [start, start + size): true if the sum or its
// rounding up to a page wraps around the address space.
constexpr bool page_end_overflows(uint64_t start, uint64_t size, uint64_t *end) {
  uint64_t e = 0;
  if (add_overflows(start, size, &e) || add_overflows(e, kPageSize - 1, &e)) return true;
  *end = page_down(e);
  return false;
}

} // namespace uk
