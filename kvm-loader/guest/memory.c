/*
 * Memory inside the premapped guest RAM heap [heap_start, heap_end) of the
 * boot info, without exits: brk grows from heap_start within its first
 * quarter; anonymous mmap takes whole pages from the rest (first fit over a
 * bitmap). Pages are mapped read-write from boot on, so munmap only returns
 * them to the allocator; a page handed out again is zeroed first.
 * mprotect asks the VMM (it owns the page tables).
 */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "kvmplat.h"

#define PAGE 4096ull
#define MAX_PAGES (1u << 18) /* 1 GiB of mmap area: the VMM's --mem limit */


static uint64_t brk_start, brk_cur, brk_limit; /* brk: [brk_start, brk_limit) */
static uint64_t map_base, map_pages;          /* mmap: map_pages pages from map_base */
static uint64_t used[MAX_PAGES / 64];    /* page handed out */
static uint64_t touched[MAX_PAGES / 64]; /* page handed out at least once: zero before reuse */
static uint64_t reprotected[MAX_PAGES / 64]; /* mprotect made it other than read-write */
static uint64_t next_free;               /* first-fit search starts here */

void kvmplat_memory_init(void) {
  uint64_t start = kvmplat_boot.heap_start, end = kvmplat_boot.heap_end;
  uint64_t quarter = ((end - start) / 4) & ~(PAGE - 1);
  brk_start = brk_cur = start;
  brk_limit = start + quarter;
  map_base = brk_limit;
  map_pages = (end - map_base) / PAGE;
  if (map_pages > MAX_PAGES) map_pages = MAX_PAGES;
}

long kvmplat_brk(uint64_t want) {
  if (want >= brk_start && want <= brk_limit) {
    if (want > brk_cur) kvmplat_zero((void *)(uintptr_t)brk_cur, want - brk_cur); /* may be a shrunk-then-regrown break */
    brk_cur = want;
  }
  return (long)brk_cur; /* Linux: the unchanged break on failure */
}

static int bit(const uint64_t *m, uint64_t i) { return (m[i / 64] >> (i % 64)) & 1; }
static void set_bits(uint64_t *m, uint64_t i, uint64_t n, int v) {
  for (uint64_t k = i; k < i + n; k++) {
    if (v) m[k / 64] |= 1ull << (k % 64);
    else m[k / 64] &= ~(1ull << (k % 64));
  }
}

static void hand_out(uint64_t first, uint64_t n) {
  for (uint64_t k = first; k < first + n; k++)
    if (bit(touched, k)) kvmplat_zero((void *)(uintptr_t)(map_base + k * PAGE), PAGE);
  set_bits(used, first, n, 1);
  set_bits(touched, first, n, 1);
}

long kvmplat_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off) {
  (void)off;
  if (!(flags & MAP_ANONYMOUS) || fd != -1) return -ENODEV; /* no files to map on KVM */
  if (len == 0 || len > map_pages * PAGE) return -ENOMEM;
  uint64_t n = (len + PAGE - 1) / PAGE;
  if (flags & MAP_FIXED) {
    if ((addr & (PAGE - 1)) || addr < map_base || addr - map_base > (map_pages - n) * PAGE) return -ENOMEM;
    uint64_t first = (addr - map_base) / PAGE;
    set_bits(used, first, n, 0);
    hand_out(first, n);
    return (long)addr;
  }
  uint64_t run = 0;
  for (uint64_t k = next_free; k < map_pages; k++) {
    if (!(k % 64) && used[k / 64] == ~0ull && k + 64 <= map_pages) {
      run = 0;
      k += 63;
      continue;
    }
    if (bit(used, k)) {
      run = 0;
      continue;
    }
    if (++run == n) {
      uint64_t first = k + 1 - n;
      hand_out(first, n);
      if (first == next_free) next_free = first + n;
      (void)prot;
      return (long)(map_base + first * PAGE);
    }
  }
  return -ENOMEM;
}

long kvmplat_munmap(uint64_t addr, uint64_t len) {
  if ((addr & (PAGE - 1)) || len == 0) return -EINVAL;
  uint64_t n = (len + PAGE - 1) / PAGE;
  if (addr < map_base || addr - map_base > (map_pages - n) * PAGE) return 0; /* not ours: nothing to release */
  uint64_t first = (addr - map_base) / PAGE;
  int restore = 0;
  for (uint64_t k = first; k < first + n; k++) restore |= bit(reprotected, k);
  if (restore) { /* the next owner gets read-write pages again (e.g. a thread stack's guard page) */
    struct uk_kvm_mprotect c = {addr, n * PAGE, PROT_READ | PROT_WRITE, 0};
    kvmplat_hypercall(UK_KVM_CALL_MPROTECT, &c);
    set_bits(reprotected, first, n, 0);
  }
  set_bits(used, first, n, 0);
  if (first < next_free) next_free = first;
  return 0;
}

long kvmplat_mprotect(uint64_t addr, uint64_t len, uint64_t prot) {
  struct uk_kvm_mprotect c = {addr, len, prot, 0};
  kvmplat_hypercall(UK_KVM_CALL_MPROTECT, &c);
  uint64_t n = (len + PAGE - 1) / PAGE;
  if (c.ret == 0 && prot != (PROT_READ | PROT_WRITE) && addr >= map_base && n <= map_pages &&
      addr - map_base <= (map_pages - n) * PAGE)
    set_bits(reprotected, (addr - map_base) / PAGE, n, 1);
  return c.ret;
}
