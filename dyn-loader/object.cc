#include "object.h"

#include <cstring>

namespace uk::dyn {

bool DynObject::contains(uint64_t vaddr, uint64_t len, uint32_t flags) const {
  uint64_t end;
  if (__builtin_add_overflow(vaddr, len, &end)) return false;
  for (size_t i = 0; i < nseg; i++) {
    const LoadSegment &s = seg[i];
    if (vaddr >= s.vaddr && end <= s.vaddr + s.memsz && (s.flags & flags) == flags) return true;
  }
  return false;
}

Result<uint64_t> DynObject::at(uint64_t vaddr, uint64_t len, uint32_t flags, const char *what) const {
  if (contains(vaddr, len, flags)) return base + vaddr;
  if (contains(vaddr, len, 0)) {
    const char *need = flags & PF_W ? "writable" : flags & PF_X ? "executable" : "readable";
    return Error::fmt("%s: %s at 0x%lx (0x%lx bytes) is not in a %s segment", name, what,
                      static_cast<unsigned long>(vaddr), static_cast<unsigned long>(len), need);
  }
  return Error::fmt("%s: %s at 0x%lx (0x%lx bytes) is outside every loadable segment", name, what,
                    static_cast<unsigned long>(vaddr), static_cast<unsigned long>(len));
}

bool DynObject::in_relro(uint64_t vaddr, uint64_t len) const {
  if (!relro_size) return false;
  uint64_t start = relro_vaddr & ~(kPage - 1), end = (relro_vaddr + relro_size) & ~(kPage - 1);
  return vaddr < end && vaddr + len > start;
}

const char *DynObject::str(uint64_t off) const {
  if (off >= strsz) return nullptr;
  const char *s = strtab + off;
  return std::memchr(s, '\0', strsz - off) ? s : nullptr;
}

Result<const char *> DynObject::sym_name(uint32_t i) const {
  if (i >= nsyms)
    return Error::fmt("%s: symbol index %u is beyond the %u symbols of DT_SYMTAB", name, i, nsyms);
  const char *s = str(symtab[i].st_name);
  if (!s)
    return Error::fmt("%s: symbol %u has its name at 0x%x, outside DT_STRTAB (0x%lx bytes)", name, i,
                      symtab[i].st_name, static_cast<unsigned long>(strsz));
  return s;
}

} // namespace uk::dyn
