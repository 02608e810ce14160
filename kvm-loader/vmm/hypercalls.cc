#include "hypercalls.h"

#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <vector>

#include "file_calls.h"
#include "layout.h"
#include "uk_kvm_abi.h"

namespace uk::kvm {
namespace {

template <class T> Result<T *> call_struct(Machine &m, uint64_t gpa) {
  auto p = m.mem.call_struct(gpa, sizeof(T));
  if (!p) return p.error();
  return reinterpret_cast<T *>(*p); // the vCPU is stopped: no one else writes it
}

// The guest's console: stdin, stdout, stderr of the VMM.
bool console_fd(int64_t fd, Access a) { return a == Access::Read ? fd == 0 : fd == 1 || fd == 2; }

int64_t host_io(int64_t fd, std::vector<iovec> &v, Access a) {
  if (a == Access::Write) { // whole buffers: loop on short writes
    int64_t total = 0;
    size_t i = 0;
    while (i < v.size()) {
      ssize_t n = writev(static_cast<int>(fd), v.data() + i, static_cast<int>(std::min<size_t>(v.size() - i, IOV_MAX)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return total ? total : -errno;
      total += n;
      size_t k = static_cast<size_t>(n);
      while (i < v.size() && k >= v[i].iov_len) k -= v[i++].iov_len;
      if (k) {
        v[i].iov_base = static_cast<uint8_t *>(v[i].iov_base) + k;
        v[i].iov_len -= k;
      }
    }
    return total;
  }
  for (;;) {
    ssize_t n = readv(static_cast<int>(fd), v.data(), static_cast<int>(std::min<size_t>(v.size(), IOV_MAX)));
    if (n < 0 && errno == EINTR) continue;
    return n < 0 ? -errno : n;
  }
}

// Direction of a transfer: read() writes guest memory.
Access guest_access(uint64_t nr) { return nr == UK_KVM_CALL_READ || nr == UK_KVM_CALL_READV ? Access::Write : Access::Read; }
Access host_dir(uint64_t nr) { return nr == UK_KVM_CALL_READ || nr == UK_KVM_CALL_READV ? Access::Read : Access::Write; }

void rw(Machine &m, uint64_t nr, uk_kvm_rw *c) {
  std::vector<iovec> v;
  if (c->fd >= kvmhost::kShareFirstFd) {
    c->ret = share_io(m, c->fd, c->data, c->len, guest_access(nr) == Access::Write);
    return;
  }
  if (!console_fd(c->fd, host_dir(nr))) {
    c->ret = -UK_KVM_EBADF;
    return;
  }
  if (!m.mem.pieces(c->data, c->len, guest_access(nr), &v)) {
    c->ret = -UK_KVM_EFAULT;
    return;
  }
  c->ret = host_io(c->fd, v, host_dir(nr));
}

void iov(Machine &m, uint64_t nr, uk_kvm_iov *c) {
  bool shared = c->fd >= kvmhost::kShareFirstFd;
  if (!shared && !console_fd(c->fd, host_dir(nr))) {
    c->ret = -UK_KVM_EBADF;
    return;
  }
  if (c->iovcnt > UK_KVM_IOV_MAX) {
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  std::vector<iovec> vec, host;
  if (!m.mem.pieces(c->iov, c->iovcnt * sizeof(uk_kvm_iovec), Access::Read, &vec)) {
    c->ret = -UK_KVM_EFAULT;
    return;
  }
  std::vector<uk_kvm_iovec> gv(c->iovcnt);
  uint8_t *dst = reinterpret_cast<uint8_t *>(gv.data());
  for (const iovec &p : vec) dst = static_cast<uint8_t *>(std::memcpy(dst, p.iov_base, p.iov_len)) + p.iov_len;
  uint64_t total = 0;
  for (const uk_kvm_iovec &g : gv) {
    if (add_overflows(total, g.len, &total) || total > 0x7ffff000) {
      c->ret = -UK_KVM_EINVAL;
      return;
    }
    if (g.len && !m.mem.pieces(g.base, g.len, guest_access(nr), &host)) {
      c->ret = -UK_KVM_EFAULT;
      return;
    }
  }
  if (shared) { // one ShareFs call per buffer, stopping at the first short one
    int64_t done = 0;
    for (const uk_kvm_iovec &g : gv) {
      if (!g.len) continue;
      int64_t n = share_io(m, c->fd, g.base, g.len, guest_access(nr) == Access::Write);
      if (n < 0) {
        c->ret = done ? done : n;
        return;
      }
      done += n;
      if (static_cast<uint64_t>(n) < g.len) break;
    }
    c->ret = done;
    return;
  }
  c->ret = host.empty() ? 0 : host_io(c->fd, host, host_dir(nr));
}

void set_fs(Machine &m, uk_kvm_set_fs *c) {
  // Canonical addresses only (KVM_SET_SREGS would accept what the CPU refuses).
  if (c->base >= (1ull << 47)) {
    c->ret = -UK_KVM_EPERM;
    return;
  }
  kvm_sregs s;
  if (!m.vm.get_sregs(&s)) {
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  s.fs.base = c->base;
  c->ret = m.vm.set_sregs(s) ? 0 : -UK_KVM_EINVAL;
}

// Linux's PROT_READ, PROT_WRITE, PROT_EXEC and PROT_SEM (accepted, no effect).
constexpr uint64_t kProtWrite = 2, kProtExec = 4, kProtKnown = 0xf;
constexpr uint64_t kCr3Pwt = 1u << 3; // page-level write-through of the PML4 access

// After the VMM changed page-table entries of guest [addr, addr + len):
// KVM must forget what it derived from the old ones. With shadow paging
// (this nested host) the shadow entries of those pages stay valid until an
// MMU notifier zaps them: changing the host protection of their memory
// (to none and back, contents kept) fires one. A CR3 that differs (its
// PWT bit flipped, harmless here) makes KVM reset the vCPU's MMU context
// and flush its TLB, which an ordinary EPT/NPT host needs. Reloading the
// same CR3 through KVM_SET_SREGS does neither: mprotect was not enforced
// before this.
// munmap's MADV_DONTNEED already fired the notifier: zap_host false.
Status flush_tlb(Machine &m, uint64_t addr, uint64_t len, bool zap_host) {
  for (uint64_t p = addr, end = zap_host ? addr + len : addr; p < end;) { // the caller checked that it does not wrap
    const Region *r = m.mem.find(p);
    if (!r) return Error::fmt("no region at 0x%lx", static_cast<unsigned long>(p));
    uint64_t n = std::min(end, r->addr + r->size) - p;
    uint8_t *h = r->host + (p - r->addr);
    int prot = r->kind == RegionKind::Pool ? PROT_READ : PROT_READ | PROT_WRITE;
    if (mprotect(h, n, PROT_NONE) != 0 || mprotect(h, n, prot) != 0)
      return Error::fmt("mprotect of the host pages: %s", std::strerror(errno));
    p += n;
  }
  kvm_sregs s;
  UK_TRY(m.vm.get_sregs(&s));
  s.cr3 ^= kCr3Pwt;
  return m.vm.set_sregs(s);
}

// mprotect as Linux answers it: EINVAL for an unaligned address or unknown
// bits, 0 for an empty range, ENOMEM for a range that wraps or is not wholly
// the unikernel's (its blocks and guest RAM; never the system pages), EACCES
// for PROT_WRITE on a pool page (a shared mapping of a read-only file).
// Errors are found in address order, as Linux walks its mappings; the
// guest checks its own mmap bookkeeping (pages it unmapped) before asking.
void mprotect_call(Machine &m, uk_kvm_mprotect *c) {
  uint64_t len = page_up(c->len), end;
  if (!page_aligned(c->addr)) { // Linux's order: alignment, empty, wrap, then the bits
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  if (c->len == 0) {
    c->ret = 0;
    return;
  }
  if (len < c->len || add_overflows(c->addr, len, &end)) {
    c->ret = -UK_KVM_ENOMEM;
    return;
  }
  if (c->prot & ~kProtKnown) {
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  for (uint64_t p = c->addr; p < end;) {
    const Region *r = m.mem.find(p);
    if (!r || r->kind == RegionKind::System || r->kind == RegionKind::PageTables) {
      c->ret = -UK_KVM_ENOMEM;
      return;
    }
    if (r->kind == RegionKind::Pool && (c->prot & kProtWrite)) {
      c->ret = -UK_KVM_EACCES;
      return;
    }
    p = r->addr + r->size;
  }
  uint64_t flags = ((c->prot & 7) ? kPteP | kPteU : 0) | ((c->prot & kProtWrite) ? kPteW : 0) |
                   ((c->prot & kProtExec) ? 0 : kPteNX);
  if (!m.pt->protect(c->addr, len, flags)) {
    c->ret = -UK_KVM_ENOMEM;
    return;
  }
  c->ret = flush_tlb(m, c->addr, len, true) ? 0 : -UK_KVM_EINVAL;
}

// munmap of guest RAM pages: not present any more, their host memory given
// back (they read as zero when mprotect maps them again).
void munmap_call(Machine &m, uk_kvm_munmap *c) {
  uint64_t end;
  if (!page_aligned(c->addr) || !page_aligned(c->len) || c->len == 0 || add_overflows(c->addr, c->len, &end) ||
      c->addr < m.ram_addr || end > m.ram_addr + m.ram_size) {
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  if (!m.pt->protect(c->addr, c->len, 0) ||
      madvise(m.ram + (c->addr - m.ram_addr), c->len, MADV_DONTNEED) != 0 || !flush_tlb(m, c->addr, c->len, false)) {
    c->ret = -UK_KVM_EINVAL;
    return;
  }
  c->ret = 0;
}

const char *owner_of(const Machine &m, uint64_t gpa) {
  const Region *r = m.mem.find(gpa);
  return r ? r->owner.c_str() : "unmapped memory";
}

} // namespace

const char *call_name(uint64_t nr) {
  switch (nr) {
  case UK_KVM_CALL_WRITE: return "write";
  case UK_KVM_CALL_READ: return "read";
  case UK_KVM_CALL_WRITEV: return "writev";
  case UK_KVM_CALL_READV: return "readv";
  case UK_KVM_CALL_EXIT: return "exit";
  case UK_KVM_CALL_FAULT: return "fault";
  case UK_KVM_CALL_SET_FS: return "set_fs";
  case UK_KVM_CALL_MPROTECT: return "mprotect";
  case UK_KVM_CALL_FILE: return "file";
  case UK_KVM_CALL_NO_NETWORK: return "no_network";
  case UK_KVM_CALL_MUNMAP: return "munmap";
  default: return "bad";
  }
}

int fault_status(uint64_t vector) {
  switch (vector) {
  case 0:
  case 16:
  case 19: return 128 + SIGFPE;
  case 1:
  case 3: return 128 + SIGTRAP;
  case 6: return 128 + SIGILL;
  case 17: return 128 + SIGBUS;
  default: return 128 + SIGSEGV;
  }
}

std::string describe_fault(const Machine &m, uint64_t vector, uint64_t error, uint64_t addr, uint64_t rip) {
  char line[512];
  const Region *r = m.mem.find(addr);
  if (vector == 14 && (error & 2) && r && r->kind == RegionKind::Pool)
    std::snprintf(line, sizeof line, "guest write to pool page 0x%lx of library %s (read-only, shared) at rip 0x%lx (%s)",
                  static_cast<unsigned long>(addr), r->owner.c_str(), static_cast<unsigned long>(rip), owner_of(m, rip));
  else if (vector == 14)
    std::snprintf(line, sizeof line, "guest page fault: %s of 0x%lx (%s, %s) at rip 0x%lx (%s)",
                  (error & 16) ? "execute" : (error & 2) ? "write" : "read", static_cast<unsigned long>(addr),
                  owner_of(m, addr), (error & 1) ? "protection" : "not mapped", static_cast<unsigned long>(rip),
                  owner_of(m, rip));
  else
    std::snprintf(line, sizeof line, "guest exception %lu (error code 0x%lx) at rip 0x%lx (%s)",
                  static_cast<unsigned long>(vector), static_cast<unsigned long>(error), static_cast<unsigned long>(rip),
                  owner_of(m, rip));
  return line;
}

Outcome handle_doorbell(Machine &m, uint64_t offset, uint32_t len, uint64_t gpa) {
  uint64_t nr = offset / 8;
  Outcome o;
  if (offset % 8 || len != 8 || nr == 0 || nr >= UK_KVM_CALL_MAX) {
    m.stats.exits["hypercall bad"]++; // unknown or malformed: no structure to answer through
    return o;
  }
  m.stats.exits[std::string("hypercall ") + call_name(nr)]++;
  auto fail = [&](const Error &) {
    m.stats.exits["hypercall refused"]++;
    return o;
  };
  switch (nr) {
  case UK_KVM_CALL_WRITE:
  case UK_KVM_CALL_READ: {
    auto c = call_struct<uk_kvm_rw>(m, gpa);
    if (!c) return fail(c.error());
    rw(m, nr, *c);
    break;
  }
  case UK_KVM_CALL_WRITEV:
  case UK_KVM_CALL_READV: {
    auto c = call_struct<uk_kvm_iov>(m, gpa);
    if (!c) return fail(c.error());
    iov(m, nr, *c);
    break;
  }
  case UK_KVM_CALL_EXIT: {
    auto c = call_struct<uk_kvm_exit>(m, gpa);
    if (!c) return fail(c.error());
    o.stop = true;
    o.status = static_cast<int>((*c)->status & 0xff);
    break;
  }
  case UK_KVM_CALL_FAULT: {
    auto c = call_struct<uk_kvm_fault>(m, gpa);
    if (!c) return fail(c.error());
    const uk_kvm_fault &f = **c;
    o.stop = true;
    o.status = fault_status(f.vector);
    o.message = describe_fault(m, f.vector, f.error, f.vector == 14 ? f.cr2 : f.rip, f.rip);
    break;
  }
  case UK_KVM_CALL_SET_FS: {
    auto c = call_struct<uk_kvm_set_fs>(m, gpa);
    if (!c) return fail(c.error());
    set_fs(m, *c);
    break;
  }
  case UK_KVM_CALL_MPROTECT: {
    auto c = call_struct<uk_kvm_mprotect>(m, gpa);
    if (!c) return fail(c.error());
    mprotect_call(m, *c);
    break;
  }
  case UK_KVM_CALL_MUNMAP: {
    auto c = call_struct<uk_kvm_munmap>(m, gpa);
    if (!c) return fail(c.error());
    munmap_call(m, *c);
    break;
  }
  case UK_KVM_CALL_NO_NETWORK: {
    auto c = call_struct<uk_kvm_no_network>(m, gpa);
    if (!c) return fail(c.error());
    o.stop = true;
    o.status = 127;
    o.message = "system call " + std::to_string((*c)->nr) +
                " (socket): the app needs a network, and uk-kvm-run gives VMs none yet (nginx: a separate issue)";
    break;
  }
  case UK_KVM_CALL_FILE: {
    auto c = call_struct<uk_kvm_file>(m, gpa);
    if (!c) return fail(c.error());
    (*c)->ret = file_call(m, **c);
    break;
  }
  }
  return o;
}

} // namespace uk::kvm
