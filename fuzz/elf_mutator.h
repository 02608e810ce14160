// A libFuzzer custom mutator for ELF64 inputs: most mutations rewrite one
// structural field (ELF header, a program header, a section header, a
// symbol) with a value chosen to sit on a boundary (0, 1, page and slot
// edges, the file size, values near 2^64, another field's value +/- a few),
// the rest are libFuzzer's own byte-level mutations. Whole-file mutations
// alone almost never produce a consistent header with one absurd field.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

namespace uk::fuzz {

struct Field {
  size_t off, width; // bytes
};

inline uint64_t read_le(const uint8_t *p, size_t w) {
  uint64_t v = 0;
  std::memcpy(&v, p, w);
  return v;
}

inline uint64_t interesting(std::mt19937_64 &rng, uint64_t old, uint64_t file_size) {
  static const uint64_t values[] = {0, 1, 2, 7, 8, 0x40, 0xfff, 0x1000, 0x1001, 0x400000, 0x401000, 0x1000000,
                                    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7ffffffff000,
                                    0x8000000000000000, 0xfffffffffffff000, 0xffffffffffffffff};
  switch (rng() % 6) {
  case 0: return values[rng() % (sizeof values / sizeof values[0])];
  case 1: return old + (rng() % 33) - 16;
  case 2: return file_size + (rng() % 17) - 8;
  case 3: return ~old + 1 + (rng() % 0x2000); // so that old + value wraps
  case 4: return old ^ (uint64_t{1} << (rng() % 64));
  default: return rng();
  }
}

// Picks a structural field of the ELF in data[0..size), or returns false.
inline bool pick_field(const uint8_t *data, size_t size, std::mt19937_64 &rng, Field *f) {
  if (size < sizeof(Elf64_Ehdr) || std::memcmp(data, ELFMAG, SELFMAG) != 0) return false;
  Elf64_Ehdr eh;
  std::memcpy(&eh, data, sizeof eh);
  bool have_ph = eh.e_phnum && eh.e_phoff < size && eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) <= size;
  bool have_sh = eh.e_shnum && eh.e_shoff < size && eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) <= size;
  switch (rng() % 4) {
  case 0: { // ELF header
    static const Field fields[] = {{offsetof(Elf64_Ehdr, e_type), 2},     {offsetof(Elf64_Ehdr, e_entry), 8},
                                   {offsetof(Elf64_Ehdr, e_phoff), 8},    {offsetof(Elf64_Ehdr, e_shoff), 8},
                                   {offsetof(Elf64_Ehdr, e_phentsize), 2}, {offsetof(Elf64_Ehdr, e_phnum), 2},
                                   {offsetof(Elf64_Ehdr, e_shentsize), 2}, {offsetof(Elf64_Ehdr, e_shnum), 2},
                                   {offsetof(Elf64_Ehdr, e_shstrndx), 2}};
    *f = fields[rng() % (sizeof fields / sizeof fields[0])];
    return true;
  }
  case 1: { // a program header
    if (!have_ph) return false;
    static const Field fields[] = {{offsetof(Elf64_Phdr, p_type), 4},   {offsetof(Elf64_Phdr, p_flags), 4},
                                   {offsetof(Elf64_Phdr, p_offset), 8}, {offsetof(Elf64_Phdr, p_vaddr), 8},
                                   {offsetof(Elf64_Phdr, p_filesz), 8}, {offsetof(Elf64_Phdr, p_memsz), 8},
                                   {offsetof(Elf64_Phdr, p_align), 8}};
    Field pf = fields[rng() % (sizeof fields / sizeof fields[0])];
    *f = {eh.e_phoff + (rng() % eh.e_phnum) * sizeof(Elf64_Phdr) + pf.off, pf.width};
    return true;
  }
  case 2: { // a section header
    if (!have_sh) return false;
    static const Field fields[] = {{offsetof(Elf64_Shdr, sh_name), 4},      {offsetof(Elf64_Shdr, sh_type), 4},
                                   {offsetof(Elf64_Shdr, sh_flags), 8},     {offsetof(Elf64_Shdr, sh_offset), 8},
                                   {offsetof(Elf64_Shdr, sh_size), 8},      {offsetof(Elf64_Shdr, sh_link), 4},
                                   {offsetof(Elf64_Shdr, sh_info), 4},      {offsetof(Elf64_Shdr, sh_addralign), 8},
                                   {offsetof(Elf64_Shdr, sh_entsize), 8}};
    Field sf = fields[rng() % (sizeof fields / sizeof fields[0])];
    *f = {eh.e_shoff + (rng() % eh.e_shnum) * sizeof(Elf64_Shdr) + sf.off, sf.width};
    return true;
  }
  default: { // a symbol of the first symbol table
    if (!have_sh) return false;
    for (size_t i = 0; i < eh.e_shnum; i++) {
      Elf64_Shdr sh;
      std::memcpy(&sh, data + eh.e_shoff + i * sizeof sh, sizeof sh);
      if (sh.sh_type != SHT_SYMTAB || sh.sh_offset >= size || sh.sh_size > size - sh.sh_offset) continue;
      size_t n = sh.sh_size / sizeof(Elf64_Sym);
      if (n == 0) return false;
      static const Field fields[] = {{offsetof(Elf64_Sym, st_name), 4}, {offsetof(Elf64_Sym, st_info), 1},
                                     {offsetof(Elf64_Sym, st_shndx), 2}, {offsetof(Elf64_Sym, st_value), 8},
                                     {offsetof(Elf64_Sym, st_size), 8}};
      Field yf = fields[rng() % (sizeof fields / sizeof fields[0])];
      *f = {sh.sh_offset + (rng() % n) * sizeof(Elf64_Sym) + yf.off, yf.width};
      return true;
    }
    return false;
  }
  }
}

inline size_t mutate_elf(uint8_t *data, size_t size, size_t max_size, unsigned seed) {
  std::mt19937_64 rng(seed);
  Field f;
  if (rng() % 4 != 0 && pick_field(data, size, rng, &f) && f.off + f.width <= size) {
    int n = 1 + static_cast<int>(rng() % 2); // sometimes two related fields
    for (int k = 0; k < n; k++) {
      if (k && !pick_field(data, size, rng, &f)) break;
      if (f.off + f.width > size) break;
      uint64_t v = interesting(rng, read_le(data + f.off, f.width), size);
      std::memcpy(data + f.off, &v, f.width); // little-endian: the low bytes
    }
    return size;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

} // namespace uk::fuzz

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  return uk::fuzz::mutate_elf(data, size, max_size, seed);
}
