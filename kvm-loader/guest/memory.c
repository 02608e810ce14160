/*
 * Memory inside the premapped guest RAM heap [heap_start, heap_end) of the
 * boot info, without exits: brk grows from heap_start within its first
 * quarter; anonymous mmap takes whole pages from the rest (first fit over a
 * bitmap). Pages are mapped read-write from boot on; munmap really unmaps:
 * the VMM (it owns the page tables) marks the pages not present and gives
 * their memory back to the host, so a later access faults as on Linux, and
 * when mmap hands them out again one mprotect hypercall maps them again,
 * zero-filled by the host. So a munmap costs one exit; mmap prefers pages
 * never unmapped (no exit) and reuses unmapped ones, one exit per run,
 * only when no such run is left.
 * mprotect asks the VMM, after checking that every page of the mmap area in
 * the range is mapped (-ENOMEM otherwise, as Linux).
 */
#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "kvmplat.h"

#define PAGE 4096ull
#define MAX_PAGES (1u << 18) /* 1 GiB of mmap area: the VMM's --mem limit */


static uint64_t brk_start, brk_cur, brk_limit; /* brk: [brk_start, brk_limit) */
static uint64_t map_base, map_pages;          /* mmap: map_pages pages from map_base */
static uint64_t used[MAX_PAGES / 64];     /* page handed out */
static uint64_t released[MAX_PAGES / 64]; /* unmapped by munmap: not present, zero on the host */
static uint64_t next_free;                /* no page below is free and never unmapped */

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

static uint64_t page_addr(uint64_t k) { return map_base + k * PAGE; }

/* Maps the released pages of [first, first + n) again, one hypercall per run. */
static long map_again(uint64_t first, uint64_t n) {
  for (uint64_t k = first; k < first + n;) {
    if (!bit(released, k)) {
      k++;
      continue;
    }
    uint64_t run = k;
    while (run < first + n && bit(released, run)) run++;
    struct uk_kvm_mprotect c = {page_addr(k), (run - k) * PAGE, PROT_READ | PROT_WRITE, -ENOSYS};
    kvmplat_hypercall(UK_KVM_CALL_MPROTECT, &c);
    if (c.ret != 0) return c.ret;
    set_bits(released, k, run - k, 0);
    k = run;
  }
  return 0;
}

static long hand_out(uint64_t first, uint64_t n) {
  long r = map_again(first, n);
  if (r == 0) set_bits(used, first, n, 1);
  return r;
}

/* Unmaps [first, first + n) of the mmap area: not present, memory released. */
static long release(uint64_t first, uint64_t n) {
  struct uk_kvm_munmap c = {page_addr(first), n * PAGE, -ENOSYS, 0};
  kvmplat_hypercall(UK_KVM_CALL_MUNMAP, &c);
  if (c.ret != 0) return c.ret;
  set_bits(released, first, n, 1);
  set_bits(used, first, n, 0);
  return 0;
}

static int any_used(uint64_t first, uint64_t n) {
  for (uint64_t k = first; k < first + n; k++)
    if (bit(used, k)) return 1;
  return 0;
}

/* Pages are handed out read-write; any other protection is one mprotect more. */
static long with_prot(uint64_t addr, uint64_t len, uint64_t prot) {
  if (prot == (PROT_READ | PROT_WRITE)) return (long)addr;
  struct uk_kvm_mprotect c = {addr, len, prot, -ENOSYS};
  kvmplat_hypercall(UK_KVM_CALL_MPROTECT, &c);
  return c.ret == 0 ? (long)addr : c.ret;
}

long kvmplat_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off) {
  (void)off;
  if (!(flags & MAP_ANONYMOUS) || fd != -1) return -ENODEV; /* no files to map on KVM */
  if (len == 0 || len > map_pages * PAGE) return -ENOMEM;
  uint64_t n = (len + PAGE - 1) / PAGE;
  if (flags & MAP_FIXED) {
    if ((addr & (PAGE - 1)) || addr < map_base || addr - map_base > (map_pages - n) * PAGE) return -ENOMEM;
    uint64_t first = (addr - map_base) / PAGE;
    /* A fixed mapping replaces what was there with zero pages, as on Linux. */
    long r = any_used(first, n) ? release(first, n) : 0;
    if (r == 0) r = hand_out(first, n);
    return r == 0 ? with_prot(addr, n * PAGE, prot) : -ENOMEM;
  }
  /* First fit over pages never unmapped (no exit), then over unmapped ones too
   * (one exit per run to map them again). The unmapped pages' memory is back
   * with the host, so skipping them costs the host nothing. */
  for (int pass = 0; pass < 2; pass++) {
    uint64_t run = 0;
    for (uint64_t k = pass ? 0 : next_free; k < map_pages; k++) {
      uint64_t busy = used[k / 64] | (pass ? 0 : released[k / 64]);
      if (!(k % 64) && busy == ~0ull && k + 64 <= map_pages) {
        run = 0;
        k += 63;
        continue;
      }
      if ((busy >> (k % 64)) & 1) {
        run = 0;
        continue;
      }
      if (++run == n) {
        uint64_t first = k + 1 - n;
        if (hand_out(first, n) != 0) return -ENOMEM;
        if (first == next_free) next_free = first + n;
        return with_prot(page_addr(first), n * PAGE, prot);
      }
    }
  }
  return -ENOMEM;
}

long kvmplat_munmap(uint64_t addr, uint64_t len) {
  if ((addr & (PAGE - 1)) || len == 0) return -EINVAL;
  uint64_t n = (len + PAGE - 1) / PAGE;
  if (addr < map_base || addr - map_base > (map_pages - n) * PAGE) return 0; /* not ours: nothing to release */
  uint64_t first = (addr - map_base) / PAGE;
  return any_used(first, n) ? release(first, n) : 0; /* Linux: unmapping nothing is no error */
}

long kvmplat_mprotect(uint64_t addr, uint64_t len, uint64_t prot) {
  if (addr & (PAGE - 1)) return -EINVAL;
  uint64_t n = (len + PAGE - 1) / PAGE;
  /* Pages of the mmap area must be handed out (mapped), as on Linux. */
  if (len && addr >= map_base && addr - map_base < map_pages * PAGE) {
    uint64_t first = (addr - map_base) / PAGE;
    if (n > map_pages - first) return -ENOMEM;
    for (uint64_t k = first; k < first + n; k++)
      if (!bit(used, k)) return -ENOMEM;
  }
  struct uk_kvm_mprotect c = {addr, len, prot, -ENOSYS};
  kvmplat_hypercall(UK_KVM_CALL_MPROTECT, &c);
  return c.ret;
}
