/*
 * kvmplat without uk-kvm-run: booted by a standard monitor through the PVH
 * entry (pvh_entry.S, pvh.c), the platform serves what the VMM's
 * hypercalls would (standalone.c): the console on COM1, the exit status on
 * QEMU's isa-debug-exit device, FS base by wrmsr, no files. Those need
 * CPL0; the syscall handler may run without privilege (this machine's
 * kvm-pvm, where `int N` raises #UD), so from CPL3 they go through a `ud2`
 * at a known address whose #UD handler runs them (pvh_entry.S).
 * Shared by C and assembly.
 */
#ifndef KVMPLAT_STANDALONE_H
#define KVMPLAT_STANDALONE_H

#define KVMPLAT_UD_VECTOR 6      /* #UD: the standalone IDT sends it to kvmplat_pvh_ud */
#define KVMPLAT_COM1 0x3f8       /* 16550 data register: QEMU's first serial port */
#define KVMPLAT_DEBUG_EXIT 0xf4  /* -device isa-debug-exit's default iobase: QEMU exits (v << 1) | 1 */

/* kvmplat_priv_op's operations (%edi), arguments in %rsi, %rdx */
#define KVMPLAT_PRIV_CONSOLE 1   /* %rsi bytes at, %rdx count: to COM1 */
#define KVMPLAT_PRIV_EXIT 2      /* %sil: status to the debug-exit port */
#define KVMPLAT_PRIV_SET_FS 3    /* %rsi: FS base (MSR 0xc0000100) */
#define KVMPLAT_PRIV_HALT 4      /* stop the vCPU for good */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* kvmplat_standalone and kvmplat_standalone_call: kvmplat.h */
/* One privileged operation, from any privilege level. */
void kvmplat_priv(uint64_t op, uint64_t a, uint64_t b) __attribute__((visibility("hidden")));
void kvmplat_console_write(const char *s, uint64_t n) __attribute__((visibility("hidden")));
_Noreturn void kvmplat_standalone_exit(int64_t status) __attribute__((visibility("hidden")));
/* The #UD handler of the standalone IDT (pvh_entry.S) */
extern const char kvmplat_pvh_ud[] __attribute__((visibility("hidden")));
#endif

#endif
