#include "tls.h"

#include <cstdio>
#include <cstring>

namespace uk::dyn {
namespace {

uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); } // mod 2^64, a a power of two

} // namespace

Status layout_tls(DynObject *head, TlsLayout *out) {
  // Offsets grow downwards from the thread pointer: a module at tp - off
  // with off - memsz >= the previous module's off, and tp - off congruent
  // to its p_vaddr modulo its alignment (as glibc's and musl's layouts).
  uint64_t off = 0, align = 1;
  bool any = false;
  for (DynObject *o = head; o; o = o->next) {
    if (!o->has_tls) continue;
    any = true;
    uint64_t a = o->tls_align, first = (0 - o->tls_vaddr) & (a - 1);
    off = round_up(off + o->tls_memsz - first, a) + first;
    o->tls_tp_offset = off;
    if (a > align) align = a;
    if (off > (uint64_t{1} << 30)) return Error::fmt("%s: static TLS of all objects exceeds 1 GiB", o->name);
  }
  out->any = any;
  out->align = align;
  out->total = round_up(off, align);
  out->filesz = 0;
  for (DynObject *o = head; o; o = o->next)
    if (o->has_tls && o->tls_filesz) {
      uint64_t end = out->total - o->tls_tp_offset + o->tls_filesz;
      if (end > out->filesz) out->filesz = end;
    }
  return {};
}

namespace {

struct PhdrPlan {
  bool have_phdr = false, have_tls = false;
  size_t phnum = 0;
};

PhdrPlan plan_phdrs(const DynObject &app, const TlsLayout &tls) {
  PhdrPlan p;
  for (size_t i = 0; i < app.phnum; i++) {
    p.have_phdr |= app.phdrs[i].p_type == PT_PHDR;
    p.have_tls |= app.phdrs[i].p_type == PT_TLS;
  }
  p.phnum = app.phnum + (p.have_phdr ? 0 : 1) + (tls.any && !p.have_tls ? 1 : 0);
  return p;
}

} // namespace

uint64_t startup_headers_bytes(const DynObject &app, const TlsLayout &tls) {
  return round_up(tls.filesz, 64) + plan_phdrs(app, tls).phnum * sizeof(Elf64_Phdr);
}

StartupHeaders write_startup_headers(const DynObject &app, const DynObject *head, const TlsLayout &tls, uint8_t *area,
                                     bool verbose) {
  PhdrPlan plan = plan_phdrs(app, tls);
  bool have_phdr = plan.have_phdr, have_tls = plan.have_tls;
  uint64_t tmpl_bytes = round_up(tls.filesz, 64), phdr_bytes = plan.phnum * sizeof(Elf64_Phdr);
  uint8_t *tmpl = area; // page-aligned: aligned for any PT_TLS alignment we accept
  for (const DynObject *o = head; o; o = o->next)
    if (o->has_tls && o->tls_filesz)
      std::memcpy(tmpl + (tls.total - o->tls_tp_offset), reinterpret_cast<const void *>(o->base + o->tls_vaddr),
                  o->tls_filesz);

  Elf64_Phdr *ph = reinterpret_cast<Elf64_Phdr *>(tmpl + tmpl_bytes);
  uint64_t ph_addr = reinterpret_cast<uint64_t>(ph);
  size_t n = 0;
  Elf64_Phdr self{};
  self.p_type = PT_PHDR;
  self.p_flags = PF_R;
  self.p_vaddr = self.p_paddr = ph_addr - app.base; // musl: base = AT_PHDR - PT_PHDR.p_vaddr = app.base
  self.p_filesz = self.p_memsz = phdr_bytes;
  self.p_align = 8;
  Elf64_Phdr tls_ph{};
  tls_ph.p_type = PT_TLS;
  tls_ph.p_flags = PF_R;
  tls_ph.p_vaddr = tls_ph.p_paddr = reinterpret_cast<uint64_t>(tmpl) - app.base;
  tls_ph.p_filesz = tls.filesz;
  tls_ph.p_memsz = tls.total;
  tls_ph.p_align = tls.align;
  if (!have_phdr) ph[n++] = self;
  for (size_t i = 0; i < app.phnum; i++) {
    Elf64_Phdr p = app.phdrs[i];
    if (p.p_type == PT_PHDR) p = self;
    else if (p.p_type == PT_TLS) p = tls_ph;
    else if (p.p_type == PT_DYNAMIC) p.p_type = PT_NULL;
    ph[n++] = p;
  }
  if (tls.any && !have_tls) ph[n++] = tls_ph;
  if (verbose) {
    std::fprintf(stderr, "uk-dyn-run: TLS: block 0x%lx bytes, alignment 0x%lx, template 0x%lx bytes at %p\n",
                 static_cast<unsigned long>(tls.total), static_cast<unsigned long>(tls.align),
                 static_cast<unsigned long>(tls.filesz), static_cast<void *>(tmpl));
    for (const DynObject *o = head; o; o = o->next)
      if (o->has_tls)
        std::fprintf(stderr, "uk-dyn-run:   %s: tp-0x%lx, 0x%lx bytes (0x%lx initialised), alignment 0x%lx\n",
                     o->name, static_cast<unsigned long>(o->tls_tp_offset), static_cast<unsigned long>(o->tls_memsz),
                     static_cast<unsigned long>(o->tls_filesz), static_cast<unsigned long>(o->tls_align));
  }
  return StartupHeaders{ph_addr, n};
}

} // namespace uk::dyn
