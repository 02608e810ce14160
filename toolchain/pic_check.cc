#include "pic_check.h"

#include <elf.h>

#include <string_view>

#include "elf_view.h"

namespace uk {
namespace {

const char *absolute_kind(uint32_t type) {
  switch (type) {
  case R_X86_64_32: return "R_X86_64_32";
  case R_X86_64_32S: return "R_X86_64_32S";
  case R_X86_64_64: return "R_X86_64_64";
  default: return nullptr;
  }
}

// The symbol a relocation is against: its name, or its section's name for a
// section symbol; "?" if the index is out of range.
std::string_view target_name(const ElfView &elf, size_t symtab, const Elf64_Sym *syms, size_t nsyms, size_t si) {
  if (si >= nsyms) return "?";
  const Elf64_Sym &s = syms[si];
  if (ELF64_ST_TYPE(s.st_info) == STT_SECTION) return s.st_shndx < elf.shnum() ? elf.section_name(s.st_shndx) : "?";
  return elf.string_at(elf.shdr(symtab).sh_link, s.st_name);
}

} // namespace

Status check_position_independent(const Bytes &object, const std::string &path) {
  auto view = ElfView::parse(object.data(), object.size(), path.c_str(), ET_REL);
  if (!view) return view.error();
  const ElfView &elf = *view;
  std::string first;
  size_t more = 0;
  for (size_t i = 1; i < elf.shnum(); i++) {
    const Elf64_Shdr &rs = elf.shdr(i);
    if (rs.sh_type != SHT_RELA || rs.sh_info == 0 || rs.sh_info >= elf.shnum()) continue;
    const Elf64_Shdr &target = elf.shdr(rs.sh_info);
    if (!(target.sh_flags & SHF_EXECINSTR) || !(target.sh_flags & SHF_ALLOC)) continue;
    if (elf.section_name(rs.sh_info) == kBoot32Section) continue; // see pic_check.h
    if (rs.sh_entsize != sizeof(Elf64_Rela))
      return Error::fmt("%s: section %zu: bad RELA entry size %lu", path.c_str(), i,
                        static_cast<unsigned long>(rs.sh_entsize));
    auto rb = elf.section_bytes(i);
    if (!rb) return rb.error();
    const Elf64_Sym *syms = nullptr;
    size_t nsyms = 0, symtab = rs.sh_link;
    if (symtab > 0 && symtab < elf.shnum() && elf.shdr(symtab).sh_type == SHT_SYMTAB &&
        elf.shdr(symtab).sh_entsize == sizeof(Elf64_Sym)) {
      auto sb = elf.section_bytes(symtab);
      if (!sb) return sb.error();
      syms = reinterpret_cast<const Elf64_Sym *>(*sb);
      nsyms = elf.shdr(symtab).sh_size / sizeof(Elf64_Sym);
    }
    const auto *rel = reinterpret_cast<const Elf64_Rela *>(*rb);
    for (size_t k = 0; k < rs.sh_size / sizeof(Elf64_Rela); k++) {
      const char *kind = absolute_kind(static_cast<uint32_t>(ELF64_R_TYPE(rel[k].r_info)));
      if (!kind) continue;
      if (!first.empty()) {
        more++;
        continue;
      }
      std::string_view sec = elf.section_name(rs.sh_info);
      std::string_view sym = syms ? target_name(elf, symtab, syms, nsyms, ELF64_R_SYM(rel[k].r_info)) : "?";
      first = Error::fmt("%s: %s at %.*s+0x%lx against %.*s: absolute address in code", path.c_str(), kind,
                         static_cast<int>(sec.size()), sec.data(), static_cast<unsigned long>(rel[k].r_offset),
                         static_cast<int>(sym.size()), sym.data())
                  .what();
    }
  }
  if (first.empty()) return {};
  return Error::fmt("%s%s: rebuild with -fPIC (uk-slt cflags prints every flag objects need)", first.c_str(),
                    more ? (", and " + std::to_string(more) + " more").c_str() : "");
}

} // namespace uk
