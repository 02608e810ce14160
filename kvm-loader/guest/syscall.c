/*
 * kvmplat's system calls. The LSTAR entry (entry.S) calls kvmplat_syscall
 * for every `syscall` of the unikernel. What needs no privilege is served
 * here, without an exit (time, memory, identity, signals as no-ops, random
 * bytes); console and the other I/O go to the VMM, one hypercall each; any
 * other call returns -ENOSYS.
 */
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "kvmplat.h"

#define ARCH_SET_FS 0x1002
#define TIOCGWINSZ 0x5413

static long rw(unsigned call, uint64_t fd, uint64_t data, uint64_t len) {
  struct uk_kvm_rw c = {(int64_t)fd, data, len, 0};
  kvmplat_hypercall(call, &c);
  return c.ret;
}

static long iov(unsigned call, uint64_t fd, uint64_t v, uint64_t n) {
  struct uk_kvm_iov c = {(int64_t)fd, v, n, 0};
  kvmplat_hypercall(call, &c);
  return c.ret;
}

static long file(struct kvmplat_syscall_frame *f) {
  struct uk_kvm_file c = {f->nr, {f->a1, f->a2, f->a3, f->a4, f->a5, f->a6}, 0};
  kvmplat_hypercall(UK_KVM_CALL_FILE, &c);
  return c.ret;
}

static _Noreturn void no_network(uint64_t nr) {
  struct uk_kvm_no_network c = {nr};
  for (;;) kvmplat_hypercall(UK_KVM_CALL_NO_NETWORK, &c);
}

/* getrlimit/prlimit64 (pid 0, no new limit): what a Linux process gets by default. */
static long kvmplat_prlimit(uint64_t res, uint64_t new_lim, uint64_t old_lim) {
  if (new_lim) return -EPERM;
  if (!old_lim) return 0;
  uint64_t *o = (uint64_t *)(uintptr_t)old_lim;
  uint64_t inf = ~0ull;
  o[0] = o[1] = inf;
  if (res == RLIMIT_NOFILE) o[0] = o[1] = 64; /* ShareFs's fd table */
  if (res == RLIMIT_STACK) o[0] = 8 << 20, o[1] = inf;
  return 0;
}

static _Noreturn void exit_vm(int64_t status) {
  struct uk_kvm_exit c = {status};
  for (;;) kvmplat_hypercall(UK_KVM_CALL_EXIT, &c);
}

long kvmplat_set_fs(uint64_t base) {
  struct uk_kvm_set_fs c = {base, 0};
  kvmplat_hypercall(UK_KVM_CALL_SET_FS, &c);
  return c.ret;
}

static long arch_prctl_set_fs(uint64_t base) {
  long r = kvmplat_set_fs(base);
  if (r == 0) kvmplat_thread_set_fs(base);
  return r;
}

static int rdrand64(uint64_t *v) {
  unsigned char ok;
  for (int tries = 0; tries < 16; tries++) {
    __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    if (ok) return 1;
  }
  return 0;
}

static long getrandom(uint64_t buf, uint64_t len) {
  unsigned char *p = (unsigned char *)(uintptr_t)buf;
  for (uint64_t done = 0; done < len;) {
    uint64_t v;
    if (!rdrand64(&v)) return done ? (long)done : -EAGAIN;
    for (int k = 0; k < 8 && done < len; k++, v >>= 8) p[done++] = (unsigned char)v;
  }
  return (long)len;
}

static void put_str(char *dst, const char *s) {
  while ((*dst++ = *s++)) {
  }
}

static long kvmplat_uname(uint64_t p) {
  struct utsname *u = (struct utsname *)(uintptr_t)p;
  kvmplat_zero(u, sizeof *u);
  put_str(u->sysname, "Linux"); /* the system call ABI the unikernel sees */
  put_str(u->nodename, "uk-kvm");
  put_str(u->release, "6.1.0-uk-kvm");
  put_str(u->version, "#1 kvmplat");
  put_str(u->machine, "x86_64");
  return 0;
}

static long dispatch(struct kvmplat_syscall_frame *f, int *switched) {
  uint64_t a1 = f->a1, a2 = f->a2, a3 = f->a3, a4 = f->a4, a5 = f->a5, a6 = f->a6;
  switch (f->nr) {
  /* I/O: the VMM */
  case SYS_read: return rw(UK_KVM_CALL_READ, a1, a2, a3);
  case SYS_write: return rw(UK_KVM_CALL_WRITE, a1, a2, a3);
  case SYS_readv: return iov(UK_KVM_CALL_READV, a1, a2, a3);
  case SYS_writev: return iov(UK_KVM_CALL_WRITEV, a1, a2, a3);
  case SYS_open:
  case SYS_openat:
  case SYS_close:
  case SYS_lseek:
  case SYS_pread64:
  case SYS_pwrite64:
  case SYS_fstat:
  case SYS_stat:
  case SYS_lstat:
  case SYS_newfstatat:
  case SYS_access:
  case SYS_faccessat:
  case SYS_faccessat2:
  case SYS_unlink:
  case SYS_unlinkat:
  case SYS_rmdir:
  case SYS_mkdir:
  case SYS_mkdirat:
  case SYS_rename:
  case SYS_renameat:
  case SYS_renameat2:
  case SYS_ftruncate:
  case SYS_fsync:
  case SYS_fdatasync:
  case SYS_fchmod:
  case SYS_fcntl:
  case SYS_getdents64:
  case SYS_readlink:
  case SYS_readlinkat:
  case SYS_dup: return file(f);
  case SYS_ioctl: return -ENOTTY;
  case SYS_socket:
  case SYS_socketpair: no_network(f->nr);
  case SYS_getrlimit: return kvmplat_prlimit(a1, 0, a2);
  case SYS_prlimit64: return a1 ? -EPERM : kvmplat_prlimit(a2, a3, a4); /* no terminal: TIOCGWINSZ fails as on a pipe */
  case SYS_exit: /* one thread */
    if (kvmplat_thread_exit(f)) {
      *switched = 1;
      return 0;
    }
    exit_vm((int64_t)a1);
  case SYS_exit_group: exit_vm((int64_t)a1);
  case SYS_clone: return kvmplat_clone(f);
  /* memory: inside the premapped heap */
  case SYS_brk: return kvmplat_brk(a1);
  case SYS_mmap: return kvmplat_mmap(a1, a2, a3, a4, (int64_t)a5, a6);
  case SYS_munmap: return kvmplat_munmap(a1, a2);
  case SYS_mprotect: return kvmplat_mprotect(a1, a2, a3);
  case SYS_madvise: return 0;
  case SYS_mremap: return -ENOMEM; /* musl's realloc then copies */
  /* time */
  case SYS_clock_gettime: return kvmplat_clock_gettime(a1, a2);
  case SYS_gettimeofday: return kvmplat_gettimeofday(a1);
  /* identity, scheduling, signals: one process, one thread, no signals */
  case SYS_arch_prctl: return a1 == ARCH_SET_FS ? arch_prctl_set_fs(a2) : -EINVAL;
  case SYS_set_tid_address: return kvmplat_set_tid_address(a1);
  case SYS_gettid: return (long)kvmplat_tid();
  case SYS_getpid: return (long)kvmplat_boot.pid;
  case SYS_getppid: return 0;
  case SYS_getuid:
  case SYS_geteuid:
  case SYS_getgid:
  case SYS_getegid: return 0;
  case SYS_sched_yield: return kvmplat_yield(f, switched);
  case SYS_rt_sigprocmask:
    if (a3) kvmplat_zero((void *)(uintptr_t)a3, a4 <= 128 ? a4 : 128); /* old mask: nothing blocked */
    return 0;
  case SYS_rt_sigaction:
    if (a3) kvmplat_zero((void *)(uintptr_t)a3, 32); /* old action: default (struct k_sigaction) */
    return 0;
  case SYS_sigaltstack: return 0;
  case SYS_futex: return kvmplat_futex(f, switched);
  case SYS_uname: return kvmplat_uname(a1);
  case SYS_getrandom: return getrandom(a1, a2);
  case SYS_kill:
  case SYS_tgkill:
  case SYS_tkill: { /* raise(): the signal's default action ends the process, as the shell reports it */
    uint64_t sig = f->nr == SYS_tgkill ? a3 : a2;
    if (sig == 0) return 0;
    exit_vm(128 + (int64_t)sig);
  }
  default: return -ENOSYS;
  }
}

void kvmplat_syscall(struct kvmplat_syscall_frame *f) {
  int switched = 0;
  long r = dispatch(f, &switched);
  if (!switched) f->nr = (uint64_t)r; /* a switch left the next thread's context, result included */
}
