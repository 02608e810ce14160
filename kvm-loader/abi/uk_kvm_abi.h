/*
 * The ABI between uk-kvm-run (the VMM, C++ on the host) and kvmplat (the
 * guest platform library, C and assembly in the guest): one definition of
 * every address, selector and structure both sides use.
 *
 * Guest addresses travel as uk_gpa_t, an integer on both sides: the address
 * the guest's code uses (the desc's addresses, guest RAM, the system pages
 * below). Under uk-kvm-run the system pages and the doorbell are
 * identity-mapped; the unikernel's blocks and guest RAM sit wherever the VMM
 * packed them in guest-physical memory (kvm-loader/vmm/phys_memory.h), so the
 * guest never relies on guest virtual = guest physical there. The VMM never
 * dereferences a guest address before checking it (vmm/guest_memory.h).
 *
 * Hypercalls: the guest stores the address of the call's structure (8
 * bytes) to UK_KVM_DOORBELL + 8 * NR, a page with no memslot,
 * so the store exits to the VMM as an MMIO write from any privilege level.
 * The VMM reads the IN fields, does the call and writes the OUT fields
 * before the guest continues with the instruction after the store.
 * A hypercall whose structure is addressable (8-aligned, in guest-writable
 * memory) but whose arguments are bad gets ret = -EFAULT / -EINVAL / -EBADF;
 * one whose number, store size or structure address is bad is ignored
 * (counted as "bad" or "refused" in --stats). The VMM never stops for either.
 */
#ifndef UK_KVM_ABI_H
#define UK_KVM_ABI_H

/* Constants are shared with the guest's assembly: no C suffixes there. */
#ifdef __ASSEMBLER__
#define UK_KVM_U64(x) x
#else
#include <stdint.h>
#define UK_KVM_U64(x) x##ULL
typedef uint64_t uk_gpa_t;
#endif

#define UK_KVM_ABI_VERSION 2 /* 2: UK_KVM_CALL_MUNMAP */

/* Guest-physical layout below the app region (0x400000, common/layout.h).
 * None of it is in a pool: the VMM's private memory. */
#define UK_KVM_BOOT_INFO UK_KVM_U64(0x1000)    /* struct uk_kvm_boot_info, user read-only */
#define UK_KVM_GDT UK_KVM_U64(0x2000)          /* GDT, supervisor only */
#define UK_KVM_TSS UK_KVM_U64(0x3000)          /* 64-bit TSS, supervisor only */
#define UK_KVM_KSTACK_LOW UK_KVM_U64(0x8000)   /* exception stack [low, top), supervisor only */
#define UK_KVM_KSTACK_TOP UK_KVM_U64(0x10000)  /* TSS.rsp0 */
#define UK_KVM_PT_LOW UK_KVM_U64(0x100000)     /* page tables [low, high): never mapped in the guest */
#define UK_KVM_PT_HIGH UK_KVM_U64(0x400000)
#define UK_KVM_DOORBELL UK_KVM_U64(0xc0000000) /* hypercall doorbell page: mapped, no memslot */
#define UK_KVM_RAM_BASE UK_KVM_U64(0x100000000) /* guest RAM: heap (brk, mmap) then the stack */

/* GDT selectors (the VMM's GDT; STAR's layout for syscall/sysret). */
#define UK_KVM_SEL_KCODE 0x08
#define UK_KVM_SEL_KDATA 0x10
#define UK_KVM_SEL_UDATA 0x23 /* index 4, RPL 3 */
#define UK_KVM_SEL_UCODE 0x2b /* index 5, RPL 3 */
#define UK_KVM_SEL_TSS 0x30

/* Their flat descriptors (64-bit code: L=1, D=0; data: D/B=1; accessed set):
 * written by uk-kvm-run (vmm/vm.cc) and by the PVH boot (guest/pvh_entry.S). */
#define UK_KVM_GDT_KCODE UK_KVM_U64(0x00af9b000000ffff) /* P, DPL0, code exec/read, L, G */
#define UK_KVM_GDT_KDATA UK_KVM_U64(0x00cf93000000ffff) /* P, DPL0, data read/write, D/B, G */
#define UK_KVM_GDT_UDATA UK_KVM_U64(0x00cff3000000ffff) /* the same at DPL3 */
#define UK_KVM_GDT_UCODE UK_KVM_U64(0x00affb000000ffff) /* the same at DPL3 */

/* At offset 0 of the kvmplat library's text: how the VMM finds the platform
 * kernel's entry, which runs at CPL0 with %rdi = UK_KVM_BOOT_INFO. */
#define UK_KVM_PLAT_MAGIC UK_KVM_U64(0x544c50766b6b75) /* "ukkvPLT" */
#ifndef __ASSEMBLER__
struct uk_kvm_plat_header {
  uint64_t magic;
  uint32_t abi_version;
  uint32_t entry_offset; /* from the header */
};

/* Filled by the VMM before the first instruction; read-only to the guest. */
#endif
#define UK_KVM_BOOT_MAGIC UK_KVM_U64(0x6f6f62766b6b75) /* "ukkvboo" */
#ifndef __ASSEMBLER__
struct uk_kvm_boot_info {
  uint64_t magic;
  uint32_t abi_version;
  uint32_t cpl0_syscall; /* unused by the VMM: 0 */
  uk_gpa_t app_entry;    /* _start of the unikernel (boot library), entered at CPL3 */
  uk_gpa_t app_stack;    /* initial %rsp: argc, argv, envp, auxv (as Linux builds it) */
  uk_gpa_t heap_start;   /* anonymous guest RAM for brk and mmap: [start, end) */
  uk_gpa_t heap_end;
  uint64_t tsc_khz;      /* guest TSC frequency */
  int64_t realtime_ns;   /* CLOCK_REALTIME when the guest's TSC read boot_tsc */
  uint64_t boot_tsc;     /* 0 from the VMM: the guest kernel stores its TSC in its own copy */
  uint64_t pid;          /* what getpid returns */
};

/* Hypercall numbers (doorbell slot index). */
enum uk_kvm_call {
  UK_KVM_CALL_WRITE = 1,  /* struct uk_kvm_rw: write(fd, data, len) */
  UK_KVM_CALL_READ = 2,   /* struct uk_kvm_rw: read(fd, data, len) */
  UK_KVM_CALL_WRITEV = 3, /* struct uk_kvm_iov: writev(fd, iov, iovcnt) */
  UK_KVM_CALL_READV = 4,  /* struct uk_kvm_iov: readv(fd, iov, iovcnt) */
  UK_KVM_CALL_EXIT = 5,   /* struct uk_kvm_exit: the VM stops */
  UK_KVM_CALL_FAULT = 6,  /* struct uk_kvm_fault: an exception the guest cannot handle; the VM stops */
  UK_KVM_CALL_SET_FS = 7, /* struct uk_kvm_set_fs: FS base (arch_prctl ARCH_SET_FS) */
  UK_KVM_CALL_MPROTECT = 8, /* struct uk_kvm_mprotect: page permissions of mapped guest memory */
  UK_KVM_CALL_FILE = 9,   /* struct uk_kvm_file: a file system call on the VMM's --share DIR */
  UK_KVM_CALL_NO_NETWORK = 10, /* struct uk_kvm_no_network: a socket call; the VM stops (no network device) */
  UK_KVM_CALL_MUNMAP = 11, /* struct uk_kvm_munmap: guest RAM pages unmapped and their memory released */
  UK_KVM_CALL_MAX = 12
};

struct uk_kvm_rw {
  int64_t fd;       /* IN */
  uk_gpa_t data;    /* IN */
  uint64_t len;     /* IN */
  int64_t ret;      /* OUT: bytes, or -errno */
};

struct uk_kvm_iovec { /* struct iovec, guest addresses */
  uk_gpa_t base;
  uint64_t len;
};
#define UK_KVM_IOV_MAX 1024

struct uk_kvm_iov {
  int64_t fd;       /* IN */
  uk_gpa_t iov;     /* IN: iovcnt struct uk_kvm_iovec */
  uint64_t iovcnt;  /* IN */
  int64_t ret;      /* OUT */
};

struct uk_kvm_exit {
  int64_t status;   /* IN: exit_group's status (low 8 bits are the process's) */
};

struct uk_kvm_fault {
  uint64_t vector;  /* IN: exception vector */
  uint64_t error;   /* IN: error code (0 where the CPU pushes none) */
  uint64_t rip, cs, rflags, rsp, ss; /* IN: the interrupted context */
  uint64_t cr2;     /* IN: faulting address (page fault) */
};

struct uk_kvm_set_fs {
  uint64_t base;    /* IN */
  int64_t ret;      /* OUT: 0 or -errno */
};

struct uk_kvm_mprotect {
  uk_gpa_t addr;    /* IN: page-aligned; guest RAM, or the unikernel's own blocks */
  uint64_t len;     /* IN */
  uint64_t prot;    /* IN: PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4 (mapped again if it was unmapped) */
  int64_t ret;      /* OUT: 0, -EINVAL, -ENOMEM (not all mapped), -EACCES (writable pool page), as Linux */
};

/* The pages stop being mapped (a later access faults) and the VMM gives
 * their memory back to the host (MADV_DONTNEED): mapped again by
 * UK_KVM_CALL_MPROTECT, they read as zero. */
struct uk_kvm_munmap {
  uk_gpa_t addr;    /* IN: page-aligned, inside guest RAM */
  uint64_t len;     /* IN: page multiple */
  int64_t ret;      /* OUT: 0 or -EINVAL */
  uint64_t reserved;
};

#endif /* !__ASSEMBLER__ */

#ifndef __ASSEMBLER__
/* File system calls (open, openat, close, lseek, pread64, pwrite64, fstat,
 * newfstatat, faccessat, unlinkat, mkdirat, renameat2, ftruncate, fsync,
 * fcntl, getdents64, readlinkat, dup and their older forms): the Linux
 * x86-64 number and arguments as the guest made them; the VMM checks every
 * pointer argument by what that call does with it. */
struct uk_kvm_file {
  uint64_t nr;      /* IN: system call number */
  uint64_t arg[6];  /* IN */
  int64_t ret;      /* OUT: the system call's result, or -errno */
};
#endif

#ifndef __ASSEMBLER__
struct uk_kvm_no_network {
  uint64_t nr;      /* IN: the system call (socket, socketpair, ...) */
};
#endif

/* Error numbers the VMM returns (Linux's values, as the guest's libc expects). */
#define UK_KVM_EPERM 1
#define UK_KVM_EBADF 9
#define UK_KVM_ENOMEM 12
#define UK_KVM_EACCES 13
#define UK_KVM_EFAULT 14
#define UK_KVM_EINVAL 22
#define UK_KVM_ENOSYS 38

#if defined(__cplusplus)
static_assert(sizeof(struct uk_kvm_plat_header) == 16, "plat header");
static_assert(sizeof(struct uk_kvm_boot_info) == 80, "boot info");
static_assert(sizeof(struct uk_kvm_rw) == 32, "rw");
static_assert(sizeof(struct uk_kvm_iovec) == 16, "iovec");
static_assert(sizeof(struct uk_kvm_iov) == 32, "iov");
static_assert(sizeof(struct uk_kvm_exit) == 8, "exit");
static_assert(sizeof(struct uk_kvm_fault) == 64, "fault");
static_assert(sizeof(struct uk_kvm_set_fs) == 16, "set_fs");
static_assert(sizeof(struct uk_kvm_mprotect) == 32, "mprotect");
static_assert(sizeof(struct uk_kvm_munmap) == 32, "munmap");
static_assert(sizeof(struct uk_kvm_file) == 64, "file");
static_assert(__builtin_offsetof(struct uk_kvm_file, ret) == 56, "file.ret");
static_assert(__builtin_offsetof(struct uk_kvm_rw, ret) == 24, "rw.ret");
static_assert(__builtin_offsetof(struct uk_kvm_boot_info, boot_tsc) == 64, "boot_tsc");
#elif !defined(__ASSEMBLER__)
_Static_assert(sizeof(struct uk_kvm_plat_header) == 16, "plat header");
_Static_assert(sizeof(struct uk_kvm_boot_info) == 80, "boot info");
_Static_assert(sizeof(struct uk_kvm_rw) == 32, "rw");
_Static_assert(sizeof(struct uk_kvm_iov) == 32, "iov");
_Static_assert(sizeof(struct uk_kvm_fault) == 64, "fault");
_Static_assert(sizeof(struct uk_kvm_munmap) == 32, "munmap");
#endif

#endif
