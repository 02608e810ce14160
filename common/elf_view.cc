#include "elf_view.h"

#include <cstring>

#include "layout.h"

namespace uk {
namespace {

bool in_bounds(uint64_t off, uint64_t len, size_t size) {
  uint64_t end = 0;
  return !add_overflows(off, len, &end) && end <= size;
}

} // namespace

Result<ElfView> ElfView::parse(const uint8_t *data, size_t size, const char *name, uint16_t expect_type) {
  if (size < sizeof(Elf64_Ehdr)) return Error::fmt("%s: truncated ELF header (%zu bytes)", name, size);
  if (std::memcmp(data, ELFMAG, SELFMAG) != 0) return Error::fmt("%s: not an ELF file (bad magic)", name);
  const Elf64_Ehdr *eh = reinterpret_cast<const Elf64_Ehdr *>(data);
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return Error::fmt("%s: not a little-endian ELF64 file", name);
  if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
    return Error::fmt("%s: unknown ELF version", name);
  if (eh->e_machine != EM_X86_64) return Error::fmt("%s: machine %u is not x86-64", name, eh->e_machine);
  if (eh->e_type != ET_REL && eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
    return Error::fmt("%s: unsupported ELF type %u", name, eh->e_type);
  if (expect_type && eh->e_type != expect_type) {
    auto tn = [](unsigned t) { return t == ET_REL ? "relocatable object" : t == ET_EXEC ? "executable" : "shared object"; };
    return Error::fmt("%s: is a %s, expected a %s", name, tn(eh->e_type), tn(expect_type));
  }
  if (eh->e_ehsize != sizeof(Elf64_Ehdr)) return Error::fmt("%s: bad ELF header size %u", name, eh->e_ehsize);
  if (eh->e_phnum) {
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
      return Error::fmt("%s: bad program header entry size %u", name, eh->e_phentsize);
    if (!in_bounds(eh->e_phoff, uint64_t{eh->e_phnum} * sizeof(Elf64_Phdr), size) || (eh->e_phoff & 7))
      return Error::fmt("%s: program headers (offset 0x%lx, %u entries) are outside the file", name,
                        static_cast<unsigned long>(eh->e_phoff), eh->e_phnum);
  }
  ElfView v;
  v.data_ = data;
  v.size_ = size;
  v.name_ = name;
  if (eh->e_shoff) {
    if (eh->e_shentsize != sizeof(Elf64_Shdr))
      return Error::fmt("%s: bad section header entry size %u", name, eh->e_shentsize);
    size_t n = eh->e_shnum;
    if (n == 0) return Error::fmt("%s: extended section numbering is not supported", name);
    if (!in_bounds(eh->e_shoff, uint64_t{n} * sizeof(Elf64_Shdr), size) || (eh->e_shoff & 7))
      return Error::fmt("%s: section headers (offset 0x%lx, %zu entries) are outside the file", name,
                        static_cast<unsigned long>(eh->e_shoff), n);
    if (eh->e_shstrndx >= n) return Error::fmt("%s: section name table index %u out of range", name, eh->e_shstrndx);
    v.shnum_ = n;
    for (size_t i = 0; i < n; i++) {
      const Elf64_Shdr &s = v.shdr(i);
      if (s.sh_type != SHT_NOBITS && s.sh_type != SHT_NULL && !in_bounds(s.sh_offset, s.sh_size, size))
        return Error::fmt("%s: section %zu (offset 0x%lx, size 0x%lx) is outside the file", name, i,
                          static_cast<unsigned long>(s.sh_offset), static_cast<unsigned long>(s.sh_size));
      if (s.sh_addralign > 1 && (s.sh_addralign & (s.sh_addralign - 1)))
        return Error::fmt("%s: section %zu has alignment 0x%lx, not a power of two", name, i,
                          static_cast<unsigned long>(s.sh_addralign));
    }
  }
  for (size_t i = 0; i < eh->e_phnum; i++) {
    const Elf64_Phdr &p = v.phdr(i);
    if (p.p_type == PT_LOAD || p.p_type == PT_TLS) {
      if (!in_bounds(p.p_offset, p.p_filesz, size))
        return Error::fmt("%s: segment %zu (offset 0x%lx, size 0x%lx) is outside the file", name, i,
                          static_cast<unsigned long>(p.p_offset), static_cast<unsigned long>(p.p_filesz));
      if (p.p_filesz > p.p_memsz)
        return Error::fmt("%s: segment %zu has file size larger than memory size", name, i);
      uint64_t end = 0;
      if (page_end_overflows(p.p_vaddr, p.p_memsz, &end))
        return Error::fmt("%s: segment %zu (address 0x%lx, size 0x%lx) wraps around the address space", name, i,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
    }
  }
  return v;
}

std::string_view ElfView::section_name(size_t i) const {
  return string_at(ehdr().e_shstrndx, shdr(i).sh_name);
}

std::string_view ElfView::string_at(size_t strtab_index, uint64_t off) const {
  if (strtab_index >= shnum_) return {};
  const Elf64_Shdr &t = shdr(strtab_index);
  if (t.sh_type != SHT_STRTAB || off >= t.sh_size) return {};
  const char *base = reinterpret_cast<const char *>(data_ + t.sh_offset);
  const void *nul = std::memchr(base + off, '\0', t.sh_size - off);
  if (!nul) return {};
  return std::string_view(base + off, static_cast<const char *>(nul) - (base + off));
}

Result<const uint8_t *> ElfView::bytes(uint64_t off, uint64_t len, const char *what) const {
  if (!in_bounds(off, len, size_))
    return Error::fmt("%s: %s (offset 0x%lx, 0x%lx bytes) is outside the file", name_, what,
                      static_cast<unsigned long>(off), static_cast<unsigned long>(len));
  return data_ + off;
}

Result<const uint8_t *> ElfView::section_bytes(size_t i) const {
  const Elf64_Shdr &s = shdr(i);
  if (s.sh_type == SHT_NOBITS) return static_cast<const uint8_t *>(nullptr);
  return data_ + s.sh_offset; // checked in parse()
}

} // namespace uk
