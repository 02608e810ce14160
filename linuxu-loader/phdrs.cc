#include "phdrs.h"

#include <elf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "layout.h"

namespace uk {
namespace {

unsigned long ul(uint64_t v) { return static_cast<unsigned long>(v); }

uint32_t pf_of(uint8_t prot) {
  return ((prot & kProtR) ? PF_R : 0) | ((prot & kProtW) ? PF_W : 0) | ((prot & kProtX) ? PF_X : 0);
}

// PT_TLS of the image's headers against the desc's tls record (addresses
// only with layout fixed: with aslr the image's p_vaddr is a link address).
Status check_tls(const Desc &d, const Elf64_Phdr *tls, bool compare_address, const char *desc_path) {
  if (!tls && !d.tls.present) return {};
  if (!tls || !d.tls.present)
    return Error::fmt("%s: the desc %s a 'tls' record but the program headers %s PT_TLS", desc_path,
                      d.tls.present ? "has" : "has no", tls ? "have a" : "have no");
  uint64_t align = tls->p_align ? tls->p_align : 1;
  if ((compare_address && tls->p_vaddr != d.tls_addr()) || tls->p_filesz != d.tls.filesz ||
      tls->p_memsz != d.tls.memsz || align != d.tls.align)
    return Error::fmt("%s: the desc's 'tls' record (0x%lx, file 0x%lx, memory 0x%lx, align 0x%lx) does not match the "
                      "PT_TLS of the program headers (0x%lx, file 0x%lx, memory 0x%lx, align 0x%lx)",
                      desc_path, ul(d.tls_addr()), ul(d.tls.filesz), ul(d.tls.memsz), ul(d.tls.align),
                      ul(tls->p_vaddr), ul(tls->p_filesz), ul(tls->p_memsz), ul(align));
  return {};
}

} // namespace

Result<ProgramHeaders> program_headers(const Desc &d, const char *desc_path) {
  // Inside a readable map of the desc (validated), so reading them is safe.
  const Elf64_Phdr *ph = reinterpret_cast<const Elf64_Phdr *>(d.phdr_addr());
  const Elf64_Phdr *tls = nullptr, *stack = nullptr, *self = nullptr;
  for (uint32_t i = 0; i < d.phnum; i++) {
    if (ph[i].p_type == PT_TLS && ph[i].p_memsz) tls = &ph[i]; // an empty PT_TLS is no TLS
    if (ph[i].p_type == PT_GNU_STACK) stack = &ph[i];
    if (ph[i].p_type == PT_PHDR) self = &ph[i];
  }
  if (d.layout == Layout::Fixed) {
    if (!self || self->p_vaddr != d.phdr_addr())
      return Error::fmt("%s: the program headers at 0x%lx have %s (musl's start-up needs it to find PT_TLS)",
                        desc_path, ul(d.phdr_addr()), self ? "a PT_PHDR for another address" : "no PT_PHDR");
    UK_TRY(check_tls(d, tls, true, desc_path));
    return ProgramHeaders{d.phdr_addr(), d.phnum};
  }
  UK_TRY(check_tls(d, tls, false, desc_path));
  uint64_t count = 2 + d.nmaps + (d.tls.present ? 1 : 0) + (stack ? 1 : 0);
  uint64_t bytes = page_up(count * sizeof(Elf64_Phdr));
  void *m = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED)
    return Error::fmt("%s: cannot map a page for the program headers: %s", desc_path, std::strerror(errno));
  Elf64_Phdr *out = static_cast<Elf64_Phdr *>(m);
  const uint64_t at = reinterpret_cast<uint64_t>(m);
  size_t n = 0;
  out[n++] = Elf64_Phdr{PT_PHDR, PF_R, 0, at, at, count * sizeof(Elf64_Phdr), count * sizeof(Elf64_Phdr), 8};
  out[n++] = Elf64_Phdr{PT_LOAD, PF_R, 0, at, at, bytes, bytes, kPageSize};
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &dm = d.maps[i];
    uint64_t a = d.map_addr(dm), file = dm.source == MapSource::Pool ? dm.size : dm.filesz;
    out[n++] = Elf64_Phdr{PT_LOAD, pf_of(dm.prot), dm.offset, a, a, file, dm.size, kPageSize};
  }
  if (d.tls.present)
    out[n++] = Elf64_Phdr{PT_TLS, PF_R, 0, d.tls_addr(), d.tls_addr(), d.tls.filesz, d.tls.memsz, d.tls.align};
  if (stack) out[n++] = *stack;
  if (mprotect(m, bytes, PROT_READ) != 0)
    return Error::fmt("%s: cannot make the program headers read-only: %s", desc_path, std::strerror(errno));
  return ProgramHeaders{at, count};
}

} // namespace uk
