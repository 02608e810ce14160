// Damaging ELF files on purpose: an ELF object read into memory, the
// offsets of its headers, dynamic entries, hash tables and relocations
// (addresses translated to file offsets through PT_LOAD), and writes of
// raw values at file offsets. The tests save the result next to a copy of
// the app and check what uk-dyn-run says about it.
#pragma once

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace uk::test {

class ElfPatch {
public:
  explicit ElfPatch(const std::string &path); // reads the file (gtest failure if unreadable)
  void save(const std::string &path) const;

  Elf64_Ehdr &ehdr() { return at<Elf64_Ehdr>(0); }
  Elf64_Phdr &phdr(size_t i) { return at<Elf64_Phdr>(ehdr().e_phoff + i * sizeof(Elf64_Phdr)); }
  size_t phnum() { return ehdr().e_phnum; }
  // Index of the first program header of this type, or -1.
  int find_phdr(uint32_t type);
  // File offset of a virtual address (through PT_LOAD), or ~0.
  uint64_t offset_of(uint64_t vaddr);
  // The dynamic section entry with this tag (the n-th of them), or null.
  Elf64_Dyn *dyn(int64_t tag, int n = 0);
  uint64_t dyn_value(int64_t tag) { return dyn(tag) ? dyn(tag)->d_un.d_val : 0; }
  // Relocation i of DT_RELA (jmprel: of DT_JMPREL).
  Elf64_Rela *rela(size_t i, bool jmprel = false);
  size_t rela_count(bool jmprel = false);
  // The dynamic symbol with this name (DT_SYMTAB, counted by DT_HASH), or
  // null (gtest failure).
  Elf64_Sym *sym(const std::string &name);
  // File offset of the NUL-terminated string `s` in DT_STRTAB, starting a
  // string (preceded by NUL), or ~0 (gtest failure).
  uint64_t dynstr_offset(const std::string &s);

  template <class T> T &at(uint64_t off) { return *reinterpret_cast<T *>(&bytes_[off]); }
  std::string &bytes() { return bytes_; }

private:
  std::string bytes_;
};

} // namespace uk::test
