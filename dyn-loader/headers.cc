#include "headers.h"

#include <cstring>
#include <new>

#include "elf_view.h"
#include "layout.h"

namespace uk::dyn {
namespace {

bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

// Program headers: what the loader needs, every value checked.
Status read_program_headers(const ElfView &v, DynObject &o) {
  const char *n = o.name;
  const Elf64_Ehdr &eh = v.ehdr();
  if (eh.e_type == ET_EXEC)
    return Error::fmt("%s: is a fixed-address executable (ET_EXEC); uk-dyn-run loads shared objects and "
                      "position-independent executables (ET_DYN)", n);
  if (eh.e_type != ET_DYN) return Error::fmt("%s: is not a shared object or position-independent executable", n);
  if (eh.e_phnum == 0) return Error::fmt("%s: has no program headers", n);
  bool have_dyn = false;
  for (size_t i = 0; i < eh.e_phnum; i++) {
    const Elf64_Phdr &p = v.phdr(i);
    switch (p.p_type) {
    case PT_LOAD: {
      if (o.nseg == kMaxLoadSegments) return Error::fmt("%s: more than %zu PT_LOAD segments", n, kMaxLoadSegments);
      uint64_t end;
      if (p.p_memsz == 0) break; // maps nothing
      if (p.p_memsz > kMaxImageSpan)
        return Error::fmt("%s: segment %zu (vaddr 0x%lx, 0x%lx bytes in memory) is larger than the 64 GiB an object "
                          "may span", n, i, static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      if (__builtin_add_overflow(p.p_vaddr, p.p_memsz, &end) || end > (uint64_t{1} << 47))
        return Error::fmt("%s: segment %zu (vaddr 0x%lx, 0x%lx bytes) is outside the address space", n, i,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      if ((p.p_vaddr - p.p_offset) % kPage)
        return Error::fmt("%s: segment %zu: vaddr 0x%lx and file offset 0x%lx differ modulo the page size", n, i,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_offset));
      if ((p.p_flags & PF_W) && (p.p_flags & PF_X))
        return Error::fmt("%s: segment %zu (vaddr 0x%lx) is writable and executable (W^X)", n, i,
                          static_cast<unsigned long>(p.p_vaddr));
      if (o.nseg) {
        const LoadSegment &prev = o.seg[o.nseg - 1];
        if (page_down(p.p_vaddr) < page_up(prev.vaddr + prev.memsz))
          return Error::fmt("%s: segment %zu (vaddr 0x%lx) overlaps or shares a page with the previous one, or "
                            "segments are not in address order", n, i, static_cast<unsigned long>(p.p_vaddr));
      }
      o.seg[o.nseg++] = LoadSegment{p.p_vaddr, p.p_memsz, p.p_filesz, p.p_offset, p.p_flags};
      break;
    }
    case PT_DYNAMIC:
      if (have_dyn) return Error::fmt("%s: more than one PT_DYNAMIC", n);
      have_dyn = true;
      o.dyn_vaddr = p.p_vaddr;
      o.dyn_size = p.p_memsz;
      if (p.p_memsz < sizeof(Elf64_Dyn) || (p.p_vaddr & 7))
        return Error::fmt("%s: PT_DYNAMIC (vaddr 0x%lx, 0x%lx bytes) is misaligned or too small", n,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      break;
    case PT_TLS:
      if (o.has_tls) return Error::fmt("%s: more than one PT_TLS", n);
      if (p.p_align > 1 && !pow2(p.p_align))
        return Error::fmt("%s: PT_TLS alignment 0x%lx is not a power of two", n,
                          static_cast<unsigned long>(p.p_align));
      if (p.p_align > kPage || p.p_memsz > (uint64_t{1} << 30))
        return Error::fmt("%s: PT_TLS (0x%lx bytes, alignment 0x%lx) is too large", n,
                          static_cast<unsigned long>(p.p_memsz), static_cast<unsigned long>(p.p_align));
      o.has_tls = true;
      o.tls_vaddr = p.p_vaddr;
      o.tls_filesz = p.p_filesz;
      o.tls_memsz = p.p_memsz;
      o.tls_align = p.p_align ? p.p_align : 1;
      break;
    case PT_GNU_RELRO:
      o.relro_vaddr = p.p_vaddr;
      o.relro_size = p.p_memsz;
      break;
    default: // PT_INTERP (we are the interpreter), PT_PHDR, PT_NOTE, PT_GNU_*: nothing to do
      break;
    }
  }
  if (o.nseg == 0) return Error::fmt("%s: has no PT_LOAD segment", n);
  if (!have_dyn)
    return Error::fmt("%s: has no PT_DYNAMIC (a static executable?); uk-dyn-run loads dynamically linked objects", n);
  UK_TRY(o.at(o.dyn_vaddr, o.dyn_size, PF_R, "PT_DYNAMIC"));
  if (o.has_tls) UK_TRY(o.at(o.tls_vaddr, o.tls_filesz, PF_R, "PT_TLS initialisation image"));
  if (o.relro_size) {
    // Its page-rounded range (what mprotect covers: ld may pad p_memsz to
    // the end of the page) must lie in one writable segment's pages.
    uint64_t start = page_down(o.relro_vaddr), end = page_down(o.relro_vaddr + o.relro_size);
    bool ok = false;
    for (size_t i = 0; i < o.nseg; i++) {
      const LoadSegment &s = o.seg[i];
      if ((s.flags & PF_W) && o.relro_vaddr >= s.vaddr && start >= page_down(s.vaddr) &&
          end <= page_up(s.vaddr + s.memsz) && o.relro_vaddr < s.vaddr + s.memsz)
        ok = true;
    }
    if (!ok || o.relro_vaddr + o.relro_size < o.relro_vaddr)
      return Error::fmt("%s: PT_GNU_RELRO at 0x%lx (0x%lx bytes) is not inside a writable segment", n,
                        static_cast<unsigned long>(o.relro_vaddr), static_cast<unsigned long>(o.relro_size));
  }
  if (o.is_main) UK_TRY(o.at(eh.e_entry, 1, PF_X, "entry point"));
  o.entry = eh.e_entry;
  return {};
}

} // namespace

Result<uint64_t> header_bytes_needed(const uint8_t *hdr, size_t have, uint64_t file_size, const char *name) {
  if (have < sizeof(Elf64_Ehdr) || file_size < sizeof(Elf64_Ehdr))
    return Error::fmt("%s: truncated ELF header (%lu bytes)", name, static_cast<unsigned long>(file_size));
  Elf64_Ehdr eh;
  std::memcpy(&eh, hdr, sizeof eh);
  uint64_t ph_end;
  if (add_overflows(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), &ph_end) || ph_end > file_size)
    return uint64_t{have}; // outside the file: ElfView says so
  if (ph_end > kMaxHeaderBytes)
    return Error::fmt("%s: program headers (offset 0x%lx, %u entries) are not within the first %lu bytes", name,
                      static_cast<unsigned long>(eh.e_phoff), eh.e_phnum, static_cast<unsigned long>(kMaxHeaderBytes));
  return ph_end > have ? ph_end : uint64_t{have};
}

Result<DynObject *> read_object_headers(uint8_t *hdr, size_t have, uint64_t file_size, const char *path,
                                        const char *name, bool is_main, Arena &arena) {
  auto need = header_bytes_needed(hdr, have, file_size, name);
  if (!need) return need.error();
  if (*need > have) return Error::fmt("%s: program headers lie beyond the %zu bytes read", name, have);
  // Validated by ElfView against the file's size; its section header checks
  // are skipped (e_shoff cleared in our copy) as the loader never reads them.
  reinterpret_cast<Elf64_Ehdr *>(hdr)->e_shoff = 0;
  auto view = ElfView::parse(hdr, static_cast<size_t>(file_size), name);
  if (!view) return view.error();
  auto op = arena.make<DynObject>(1);
  if (!op) return op.error();
  DynObject &o = **op;
  new (&o) DynObject();
  auto p = arena.dup(path);
  if (!p) return p.error();
  auto nm = arena.dup(name);
  if (!nm) return nm.error();
  o.path = *p;
  o.name = *nm;
  o.is_main = is_main;
  UK_TRY(read_program_headers(*view, o));
  auto ph = arena.make<Elf64_Phdr>(view->phnum());
  if (!ph) return ph.error();
  std::memcpy(*ph, &view->phdr(0), view->phnum() * sizeof(Elf64_Phdr));
  o.phdrs = *ph;
  o.phnum = view->phnum();
  return &o;
}

} // namespace uk::dyn
