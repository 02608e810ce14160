/*
 * kvmtest: a test-only KVM app (packed for KVM only, not part of the corpus
 * table) that misbehaves on purpose, from CPL3, to check that uk-kvm-run
 * stops or refuses it and survives:
 *   kvmtest pool-write     writes to a pool page (musl's text): the VM stops
 *   kvmtest hostile        raw hypercalls with bad addresses, sizes,
 *                          alignment and numbers; prints each status, then
 *                          "survived" and exits 0
 *   kvmtest syscalls       the system calls kvmplat serves in the guest
 *   kvmtest socket         a socket call: the VM stops (no network)
 *   kvmtest munmap         munmap really unmaps: a read of an unmapped page
 *                          stops the VM; reused pages read as zero
 *   kvmtest mprotect       mprotect beyond guest RAM answered as Linux
 *                          answers it, then a write to a page it made
 *                          read-only stops the VM
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "uk_kvm_abi.h"

/* The VMM writes the OUT fields: "memory" tells the compiler. */
static void ring(unsigned nr, uint64_t arg) {
  __asm__ volatile("movq %1, (%0)" : : "r"(UK_KVM_DOORBELL + 8ull * nr), "r"(arg) : "memory");
}

static void ring32(unsigned nr, uint32_t arg) { /* a 4-byte store: wrong size */
  __asm__ volatile("movl %1, (%0)" : : "r"(UK_KVM_DOORBELL + 8ull * nr), "r"(arg) : "memory");
}

static int hostile(void) {
  static struct uk_kvm_rw rw;
  static struct uk_kvm_iov iv;
  static struct uk_kvm_iovec vec[2];
  static char msg[] = "direct hypercall\n";

  /* A well-formed write, to show the path works. */
  rw = (struct uk_kvm_rw){1, (uint64_t)(uintptr_t)msg, sizeof msg - 1, 0};
  ring(UK_KVM_CALL_WRITE, (uint64_t)(uintptr_t)&rw);
  printf("good write: %ld\n", (long)rw.ret);

  struct {
    const char *name;
    uint64_t data, len;
  } bufs[] = {
      {"buffer out of range", 0x7fff00000000ull, 16},
      {"buffer overflowing", (uint64_t)(uintptr_t)msg, UINT64_MAX - 4},
      {"buffer in page tables", UK_KVM_PT_LOW, 16},
      {"buffer in system pages", UK_KVM_BOOT_INFO, 16},
      {"buffer at the doorbell", UK_KVM_DOORBELL, 8},
  };
  for (unsigned i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
    rw = (struct uk_kvm_rw){1, bufs[i].data, bufs[i].len, 0};
    ring(UK_KVM_CALL_WRITE, (uint64_t)(uintptr_t)&rw);
    printf("%s: %ld\n", bufs[i].name, (long)rw.ret);
  }
  /* read into read-only memory (a pool page: musl's text) */
  rw = (struct uk_kvm_rw){0, (uint64_t)(uintptr_t)&printf, 16, 0};
  ring(UK_KVM_CALL_READ, (uint64_t)(uintptr_t)&rw);
  printf("read into pool page: %ld\n", (long)rw.ret);
  /* bad fd */
  rw = (struct uk_kvm_rw){7, (uint64_t)(uintptr_t)msg, 4, 0};
  ring(UK_KVM_CALL_WRITE, (uint64_t)(uintptr_t)&rw);
  printf("write to fd 7: %ld\n", (long)rw.ret);

  /* iovecs: too many, overflowing total, one bad base */
  vec[0] = (struct uk_kvm_iovec){(uint64_t)(uintptr_t)msg, 4};
  vec[1] = (struct uk_kvm_iovec){(uint64_t)(uintptr_t)msg, UINT64_MAX - 2};
  iv = (struct uk_kvm_iov){1, (uint64_t)(uintptr_t)vec, 2, 0};
  ring(UK_KVM_CALL_WRITEV, (uint64_t)(uintptr_t)&iv);
  printf("iovec lengths overflowing: %ld\n", (long)iv.ret);
  iv = (struct uk_kvm_iov){1, (uint64_t)(uintptr_t)vec, UINT64_MAX / 8, 0};
  ring(UK_KVM_CALL_WRITEV, (uint64_t)(uintptr_t)&iv);
  printf("iovec count huge: %ld\n", (long)iv.ret);
  iv = (struct uk_kvm_iov){1, 0x10, 1, 0};
  ring(UK_KVM_CALL_WRITEV, (uint64_t)(uintptr_t)&iv);
  printf("iovec array unmapped: %ld\n", (long)iv.ret);

  /* mprotect of a system page, unaligned; munmap outside guest RAM */
  static struct uk_kvm_mprotect mp;
  mp = (struct uk_kvm_mprotect){UK_KVM_BOOT_INFO, 4096, 7, 0};
  ring(UK_KVM_CALL_MPROTECT, (uint64_t)(uintptr_t)&mp);
  printf("mprotect of a system page: %ld\n", (long)mp.ret);
  static struct uk_kvm_munmap mu;
  mu = (struct uk_kvm_munmap){(uint64_t)(uintptr_t)&printf & ~4095ull, 4096, 0, 0};
  ring(UK_KVM_CALL_MUNMAP, (uint64_t)(uintptr_t)&mu);
  printf("munmap outside guest RAM: %ld\n", (long)mu.ret);
  mp = (struct uk_kvm_mprotect){UK_KVM_RAM_BASE + 1, 4096, 3, 0};
  ring(UK_KVM_CALL_MPROTECT, (uint64_t)(uintptr_t)&mp);
  printf("mprotect unaligned: %ld\n", (long)mp.ret);
  static struct uk_kvm_set_fs fs;
  fs = (struct uk_kvm_set_fs){0x8000000000000000ull, 0};
  ring(UK_KVM_CALL_SET_FS, (uint64_t)(uintptr_t)&fs);
  printf("non-canonical FS base: %ld\n", (long)fs.ret);

  /* Structures the VMM cannot answer through: ignored (counted). */
  ring(UK_KVM_CALL_WRITE, (uint64_t)(uintptr_t)&rw + 1);   /* unaligned */
  ring(UK_KVM_CALL_WRITE, UK_KVM_PT_LOW);                  /* in the page tables */
  ring(UK_KVM_CALL_WRITE, UINT64_MAX - 8);                 /* overflowing */
  ring(UK_KVM_CALL_EXIT, (uint64_t)(uintptr_t)&printf);    /* read-only memory: not an exit */
  ring(UK_KVM_CALL_MAX, (uint64_t)(uintptr_t)&rw);         /* unknown number */
  ring(0, (uint64_t)(uintptr_t)&rw);                       /* number 0 */
  ring32(UK_KVM_CALL_EXIT, 0);                             /* wrong store size */
  __asm__ volatile("movq %1, (%0)" : : "r"(UK_KVM_DOORBELL + 8 * UK_KVM_CALL_EXIT + 4), "r"(0ull) : "memory"); /* unaligned slot */
  printf("survived\n");
  return 0;
}

static int syscalls(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("monotonic: %s\n", (b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)) ? "ok" : "backwards");
  struct timespec r;
  clock_gettime(CLOCK_REALTIME, &r);
  printf("realtime after 2020: %s\n", r.tv_sec > 1577836800 ? "ok" : "no");
  unsigned char rnd[32] = {0};
  long n = syscall(SYS_getrandom, rnd, sizeof rnd, 0);
  int nonzero = 0;
  for (unsigned i = 0; i < sizeof rnd; i++) nonzero |= rnd[i];
  printf("getrandom: %ld %s\n", n, nonzero ? "ok" : "zero");
  char *p = mmap(0, 3 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int zero = p != MAP_FAILED;
  for (size_t i = 0; zero && i < (3u << 20); i += 4096) zero = p[i] == 0;
  if (p != MAP_FAILED) memset(p, 0xab, 3 << 20), munmap(p, 3 << 20);
  /* Unmapped pages are handed out again only when asked for (or when no
   * never-unmapped run is left): MAP_FIXED at the same place. */
  char *q = mmap(p, 3 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  for (size_t i = 0; zero && q != MAP_FAILED && i < (3u << 20); i += 4096) zero = q[i] == 0;
  printf("mmap zeroed after reuse: %s\n", zero && q == p ? "ok" : "no");
  printf("mprotect read-only: %d\n", mprotect(q, 4096, PROT_READ));
  long b0 = syscall(SYS_brk, 0), b1 = syscall(SYS_brk, b0 + 8192);
  printf("brk grows: %s\n", b1 == b0 + 8192 ? "ok" : "no");
  errno = 0;
  long u = syscall(SYS_membarrier, 0, 0);
  printf("unknown system call: %ld errno %d\n", u, errno);
  return 0;
}

static int munmap_mode(void) {
  char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 0xab, 3 * 4096);
  printf("munmap: %d\n", munmap(p, 3 * 4096));
  char *f = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("next mmap avoids the unmapped pages: %s\n", f != MAP_FAILED && (f < p || f >= p + 3 * 4096) ? "yes" : "no");
  char *q = mmap(p, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("reused: %s, zeroed: %s\n", q == p ? "yes" : "no", q[0] == 0 && q[4096] == 0 ? "ok" : "no");
  errno = 0;
  int r = mprotect(p + 2 * 4096, 4096, PROT_READ);
  printf("mprotect of the unmapped page: %d errno %d\n", r, errno);
  fflush(stdout);
  return *(volatile char *)(p + 2 * 4096); /* unmapped: the VM stops */
}

static int data_page[4096 / sizeof(int)] __attribute__((aligned(4096))) = {1};

/* The system call itself (musl's mprotect rounds the address down first). */
static void try_mprotect(const char *what, void *addr, size_t len, int prot) {
  errno = 0;
  long r = syscall(SYS_mprotect, addr, len, prot);
  printf("%s: %ld errno %d\n", what, r, r ? errno : 0);
}

static int mprotect_mode(void) {
  void *text = (void *)((uintptr_t)&printf & ~4095ul); /* musl's text: a pool page in desc mode */
  try_mprotect("text read-write-exec", text, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  try_mprotect("text read-exec", text, 4096, PROT_READ | PROT_EXEC);
  try_mprotect("unmapped gap", (void *)0x800000, 4096, PROT_READ);
  try_mprotect("system pages", (void *)(uintptr_t)UK_KVM_BOOT_INFO, 4096, PROT_READ);
  try_mprotect("unaligned", (char *)data_page + 1, 4096, PROT_READ);
  try_mprotect("empty", data_page, 0, PROT_NONE);
  try_mprotect("wrapping", data_page, SIZE_MAX - 4096, PROT_READ);
  try_mprotect("data read-only", data_page, 4096, PROT_READ);
  printf("data still readable: %d\n", data_page[0]);
  try_mprotect("data read-write", data_page, 4096, PROT_READ | PROT_WRITE);
  data_page[1] = 2;
  try_mprotect("data read-only again", data_page, 4096, PROT_READ);
  fflush(stdout);
  data_page[2] = 3; /* read-only: the VM stops */
  return 1;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "pool-write") == 0) {
    *(volatile char *)(uintptr_t)&printf = 0; /* musl's text: a read-only pool page */
    printf("not stopped\n");
    return 1;
  }
  if (argc == 2 && strcmp(argv[1], "hostile") == 0) return hostile();
  if (argc == 2 && strcmp(argv[1], "syscalls") == 0) return syscalls();
  if (argc == 2 && strcmp(argv[1], "socket") == 0) {
    syscall(SYS_socket, 2, 1, 0);
    printf("not stopped\n");
    return 1;
  }
  if (argc == 2 && strcmp(argv[1], "munmap") == 0) return munmap_mode();
  if (argc == 2 && strcmp(argv[1], "mprotect") == 0) return mprotect_mode();
  fprintf(stderr, "usage: kvmtest pool-write|hostile|syscalls|socket|munmap|mprotect\n");
  return 2;
}
