#include "elf_patch.h"

#include <gtest/gtest.h>

#include "process_util.h"

namespace uk::test {

ElfPatch::ElfPatch(const std::string &path) : bytes_(read_text(path)) {
  EXPECT_GE(bytes_.size(), sizeof(Elf64_Ehdr)) << path;
  bytes_.resize(std::max(bytes_.size(), sizeof(Elf64_Ehdr)));
}

void ElfPatch::save(const std::string &path) const { write_text(path, bytes_); }

int ElfPatch::find_phdr(uint32_t type) {
  for (size_t i = 0; i < phnum(); i++)
    if (phdr(i).p_type == type) return static_cast<int>(i);
  return -1;
}

uint64_t ElfPatch::offset_of(uint64_t vaddr) {
  for (size_t i = 0; i < phnum(); i++) {
    const Elf64_Phdr &p = phdr(i);
    if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr < p.p_vaddr + p.p_filesz)
      return p.p_offset + (vaddr - p.p_vaddr);
  }
  ADD_FAILURE() << "vaddr 0x" << std::hex << vaddr << " is not in the file";
  return ~uint64_t{0};
}

Elf64_Dyn *ElfPatch::dyn(int64_t tag, int n) {
  int d = find_phdr(PT_DYNAMIC);
  if (d < 0) return nullptr;
  uint64_t off = phdr(static_cast<size_t>(d)).p_offset, count = phdr(static_cast<size_t>(d)).p_filesz / sizeof(Elf64_Dyn);
  for (uint64_t i = 0; i < count; i++) {
    Elf64_Dyn &e = at<Elf64_Dyn>(off + i * sizeof(Elf64_Dyn));
    if (e.d_tag == tag && n-- == 0) return &e;
    if (e.d_tag == DT_NULL) break;
  }
  return nullptr;
}

size_t ElfPatch::rela_count(bool jmprel) {
  return dyn_value(jmprel ? DT_PLTRELSZ : DT_RELASZ) / sizeof(Elf64_Rela);
}

Elf64_Rela *ElfPatch::rela(size_t i, bool jmprel) {
  uint64_t base = offset_of(dyn_value(jmprel ? DT_JMPREL : DT_RELA));
  return &at<Elf64_Rela>(base + i * sizeof(Elf64_Rela));
}

Elf64_Sym *ElfPatch::sym(const std::string &name) {
  uint64_t symtab = offset_of(dyn_value(DT_SYMTAB)), strtab = offset_of(dyn_value(DT_STRTAB));
  uint32_t n = at<uint32_t>(offset_of(dyn_value(DT_HASH)) + 4); // nchain: the number of symbols
  for (uint32_t i = 1; i < n; i++) {
    Elf64_Sym &s = at<Elf64_Sym>(symtab + i * sizeof(Elf64_Sym));
    if (std::strcmp(&bytes_[strtab + s.st_name], name.c_str()) == 0) return &s;
  }
  ADD_FAILURE() << "no dynamic symbol '" << name << "'";
  return nullptr;
}

uint64_t ElfPatch::dynstr_offset(const std::string &s) {
  uint64_t strtab = offset_of(dyn_value(DT_STRTAB)), size = dyn_value(DT_STRSZ);
  std::string key = std::string(1, '\0') + s + std::string(1, '\0');
  size_t at = bytes_.substr(strtab, size).find(key);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no string '" << s << "' in DT_STRTAB";
    return ~uint64_t{0};
  }
  return strtab + at + 1;
}

} // namespace uk::test
