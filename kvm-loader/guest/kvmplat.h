/*
 * kvmplat: the KVM guest platform library (a corpus library added to every
 * KVM pack next to the unchanged boot, musl, gccrt and app libraries).
 * Internal interface between its files; nothing here is visible to the app.
 * General-purpose registers only (-mgeneral-regs-only): part of it runs at
 * CPL0, which this machine's nested KVM emulates without SSE.
 */
#ifndef KVMPLAT_H
#define KVMPLAT_H

#include <stddef.h>
#include <stdint.h>

#include "uk_kvm_abi.h"

#define KVMPLAT_HIDDEN __attribute__((visibility("hidden")))

/* The boot info, copied from the VMM's page at kernel entry. */
extern struct uk_kvm_boot_info kvmplat_boot KVMPLAT_HIDDEN;

/* One doorbell store: the VMM runs call `nr` on the structure at `arg`.
 * Booted without uk-kvm-run (PVH), the platform serves it (standalone.h). */
extern int kvmplat_standalone KVMPLAT_HIDDEN;
void kvmplat_standalone_call(unsigned nr, void *arg) KVMPLAT_HIDDEN;
static inline void kvmplat_hypercall(unsigned nr, void *arg) {
  if (kvmplat_standalone) {
    kvmplat_standalone_call(nr, arg);
    return;
  }
  __asm__ volatile("movq %1, (%0)" /* MMIO write: exits to the VMM */
                   : : "r"(UK_KVM_DOORBELL + 8ull * nr), "r"((uint64_t)(uintptr_t)arg) : "memory");
}

static inline uint64_t kvmplat_rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

struct kvmplat_syscall_frame { /* pushed by entry.S: a thread's whole user context */
  uint64_t nr; /* in: the number (%rax); out: the result */
  uint64_t a1, a2, a3, a4, a5, a6; /* %rdi %rsi %rdx %r10 %r8 %r9 */
  uint64_t rsp, rbx, rbp, r12, r13, r14, r15;
  uint64_t rflags, rip; /* %r11, %rcx */
};

/* syscall.c */
void kvmplat_syscall(struct kvmplat_syscall_frame *f) KVMPLAT_HIDDEN;
long kvmplat_set_fs(uint64_t base) KVMPLAT_HIDDEN;
/* threads.c: clone, futex, exit on the one vCPU (a thread runs until it blocks) */
long kvmplat_clone(struct kvmplat_syscall_frame *f) KVMPLAT_HIDDEN;
long kvmplat_futex(struct kvmplat_syscall_frame *f, int *switched) KVMPLAT_HIDDEN;
/* a thread's exit: 1 if another thread now runs in its frame, 0 if it was the last one */
int kvmplat_thread_exit(struct kvmplat_syscall_frame *f) KVMPLAT_HIDDEN;
long kvmplat_yield(struct kvmplat_syscall_frame *f, int *switched) KVMPLAT_HIDDEN;
void kvmplat_thread_set_fs(uint64_t base) KVMPLAT_HIDDEN;
uint64_t kvmplat_tid(void) KVMPLAT_HIDDEN;
long kvmplat_set_tid_address(uint64_t addr) KVMPLAT_HIDDEN;
/* memory.c: brk and anonymous mmap inside the premapped heap */
void kvmplat_memory_init(void) KVMPLAT_HIDDEN;
long kvmplat_brk(uint64_t want) KVMPLAT_HIDDEN;
long kvmplat_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, int64_t fd, uint64_t off) KVMPLAT_HIDDEN;
long kvmplat_munmap(uint64_t addr, uint64_t len) KVMPLAT_HIDDEN;
long kvmplat_mprotect(uint64_t addr, uint64_t len, uint64_t prot) KVMPLAT_HIDDEN;
/* clock.c */
long kvmplat_clock_gettime(uint64_t clock, uint64_t ts) KVMPLAT_HIDDEN;
long kvmplat_gettimeofday(uint64_t tv) KVMPLAT_HIDDEN;
/* small helpers (no libc: nothing of musl is called from here) */
void kvmplat_zero(void *p, size_t n) KVMPLAT_HIDDEN;
void kvmplat_copy(void *d, const void *s, size_t n) KVMPLAT_HIDDEN;

#endif
