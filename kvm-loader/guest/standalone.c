/*
 * The platform without uk-kvm-run (booted through PVH, pvh.c): what the
 * VMM's hypercalls do, done here. Console writes (fd 1 and 2) go to COM1
 * as whole buffers (one `rep outsb`); the exit status to isa-debug-exit
 * (QEMU exits with (status << 1) | 1; without that device the vCPU halts
 * after a last line); FS base by wrmsr; no files: stdin reads give end of
 * file, calls on other descriptors -EBADF, calls naming a path -ENOSYS;
 * mprotect only where nothing changes (every page is mapped read-write);
 * a socket call or an exception stops the VM with one line on COM1.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kvmplat.h"
#include "standalone.h"

int kvmplat_standalone;

static int at_cpl0(void) {
  uint16_t cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  return (cs & 3) == 0;
}

/* pvh_entry.S, both with %edi op, %rsi, %rdx; every register preserved */
extern void kvmplat_priv_op(void) KVMPLAT_HIDDEN;
extern void kvmplat_priv_trap(void) KVMPLAT_HIDDEN;

/* Both calls step over the caller's red zone first (kvmplat is built with
 * one; the call pushes). */
void kvmplat_priv(uint64_t op, uint64_t a, uint64_t b) {
  if (at_cpl0()) /* the boot, an exception, a privileged syscall entry (TCG, VMX/SVM) */
    __asm__ volatile("lea -128(%%rsp), %%rsp; call kvmplat_priv_op; lea 128(%%rsp), %%rsp"
                     : : "D"(op), "S"(a), "d"(b) : "memory");
  else /* kvm-pvm's unprivileged syscall entry: the #UD trap */
    __asm__ volatile("lea -128(%%rsp), %%rsp; call kvmplat_priv_trap; lea 128(%%rsp), %%rsp"
                     : : "D"(op), "S"(a), "d"(b) : "memory");
}

void kvmplat_console_write(const char *s, uint64_t n) {
  if (n) kvmplat_priv(KVMPLAT_PRIV_CONSOLE, (uint64_t)(uintptr_t)s, n);
}

static void put(const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  kvmplat_console_write(s, n);
}

static void put_hex(uint64_t v) {
  char b[19] = "0x";
  int n = 2;
  for (int sh = 60; sh >= 0; sh -= 4)
    if ((v >> sh) || sh == 0 || n > 2) b[n++] = "0123456789abcdef"[(v >> sh) & 15];
  kvmplat_console_write(b, (uint64_t)n);
}

_Noreturn void kvmplat_standalone_exit(int64_t status) {
  kvmplat_priv(KVMPLAT_PRIV_EXIT, (uint64_t)status & 0xff, 0);
  put("kvmplat: exit status ");
  put_hex((uint64_t)status & 0xff);
  put(" (no isa-debug-exit device at port 0xf4: halted)\n");
  for (;;) kvmplat_priv(KVMPLAT_PRIV_HALT, 0, 0);
}

static int console_fd(int64_t fd) { return fd == 1 || fd == 2; }

static int64_t write_iov(const struct uk_kvm_iov *c) {
  if (!console_fd(c->fd)) return -EBADF;
  if (c->iovcnt > UK_KVM_IOV_MAX) return -EINVAL;
  const struct uk_kvm_iovec *v = (const struct uk_kvm_iovec *)(uintptr_t)c->iov;
  int64_t total = 0;
  for (uint64_t i = 0; i < c->iovcnt; i++) {
    kvmplat_console_write((const char *)(uintptr_t)v[i].base, v[i].len);
    total += (int64_t)v[i].len;
  }
  return total;
}

/* File system calls whose first argument is a descriptor: nothing is open
 * but the console, which is no file. */
static int64_t file_call(const struct uk_kvm_file *c) {
  switch (c->nr) {
  case SYS_close: return console_fd((int64_t)c->arg[0]) || c->arg[0] == 0 ? 0 : -EBADF;
  case SYS_lseek:
  case SYS_pread64:
  case SYS_pwrite64:
  case SYS_fstat:
  case SYS_ftruncate:
  case SYS_fsync:
  case SYS_fdatasync:
  case SYS_fchmod:
  case SYS_fcntl:
  case SYS_getdents64:
  case SYS_dup: return -EBADF;
  default: return -ENOSYS; /* open, stat, unlink...: no file system */
  }
}

static void fault(const struct uk_kvm_fault *f) {
  put("kvmplat: exception ");
  put_hex(f->vector);
  put(" error ");
  put_hex(f->error);
  put(" at rip ");
  put_hex(f->rip);
  put(" cr2 ");
  put_hex(f->cr2);
  put(": stopped\n");
  kvmplat_standalone_exit(127); /* uk-kvm-run's 128 + signal does not fit isa-debug-exit's range */
}

void kvmplat_standalone_call(unsigned nr, void *arg) {
  switch (nr) {
  case UK_KVM_CALL_WRITE: {
    struct uk_kvm_rw *c = arg;
    if (!console_fd(c->fd)) {
      c->ret = -EBADF;
      break;
    }
    kvmplat_console_write((const char *)(uintptr_t)c->data, c->len);
    c->ret = (int64_t)c->len;
    break;
  }
  case UK_KVM_CALL_READ: {
    struct uk_kvm_rw *c = arg;
    c->ret = c->fd == 0 ? 0 : -EBADF; /* stdin: end of file */
    break;
  }
  case UK_KVM_CALL_WRITEV: {
    struct uk_kvm_iov *c = arg;
    c->ret = write_iov(c);
    break;
  }
  case UK_KVM_CALL_READV: {
    struct uk_kvm_iov *c = arg;
    c->ret = c->fd == 0 ? 0 : -EBADF;
    break;
  }
  case UK_KVM_CALL_EXIT: kvmplat_standalone_exit(((struct uk_kvm_exit *)arg)->status);
  case UK_KVM_CALL_FAULT: fault(arg); break;
  case UK_KVM_CALL_SET_FS: {
    struct uk_kvm_set_fs *c = arg;
    kvmplat_priv(KVMPLAT_PRIV_SET_FS, c->base, 0);
    c->ret = 0;
    break;
  }
  case UK_KVM_CALL_MPROTECT: {
    struct uk_kvm_mprotect *c = arg;
    /* every page is mapped read-write-execute: only what keeps a page accessible is true */
    c->ret = (c->prot & (PROT_READ | PROT_WRITE)) == (PROT_READ | PROT_WRITE) ? 0 : -ENOSYS;
    break;
  }
  case UK_KVM_CALL_MUNMAP: {
    /* Pages stay mapped (there is no VMM to drop them), but a page mmap
     * hands out again must read as zero, as uk-kvm-run's refault gives. */
    struct uk_kvm_munmap *c = arg;
    __builtin_memset((void *)(uintptr_t)c->addr, 0, c->len);
    c->ret = 0;
    break;
  }
  case UK_KVM_CALL_FILE: {
    struct uk_kvm_file *c = arg;
    c->ret = file_call(c);
    break;
  }
  case UK_KVM_CALL_NO_NETWORK:
    put("kvmplat: socket call ");
    put_hex(((struct uk_kvm_no_network *)arg)->nr);
    put(": no network device\n");
    kvmplat_standalone_exit(127);
  default: break;
  }
}
