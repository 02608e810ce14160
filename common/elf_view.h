// A validated, read-only view of an ELF64 x86-64 file held in memory.
// Every offset taken from the file is checked here, once, with overflow
// checks; callers get typed pointers that are known to be in bounds.
// No allocation: usable from the loaders as well as the toolchain.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "error.h"

namespace uk {

class ElfView {
public:
  // Validates the ELF header and the program and section header tables.
  // `expect_type` is ET_REL, ET_EXEC or ET_DYN (0: any of them).
  static Result<ElfView> parse(const uint8_t *data, size_t size, const char *name, uint16_t expect_type = 0);

  const Elf64_Ehdr &ehdr() const { return *reinterpret_cast<const Elf64_Ehdr *>(data_); }
  size_t phnum() const { return ehdr().e_phnum; }
  size_t shnum() const { return shnum_; }
  const Elf64_Phdr &phdr(size_t i) const { return reinterpret_cast<const Elf64_Phdr *>(data_ + ehdr().e_phoff)[i]; }
  const Elf64_Shdr &shdr(size_t i) const { return reinterpret_cast<const Elf64_Shdr *>(data_ + ehdr().e_shoff)[i]; }
  // Section name (empty if the string table entry is bad).
  std::string_view section_name(size_t i) const;
  // Bounds-checked [off, off+len) in the file.
  Result<const uint8_t *> bytes(uint64_t off, uint64_t len, const char *what) const;
  // The contents of a section (nullptr for SHT_NOBITS), checked.
  Result<const uint8_t *> section_bytes(size_t i) const;
  // String from a string-table section, checked.
  std::string_view string_at(size_t strtab_index, uint64_t off) const;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  const char *name() const { return name_; }

private:
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  size_t shnum_ = 0;
  const char *name_ = "";
};

} // namespace uk
