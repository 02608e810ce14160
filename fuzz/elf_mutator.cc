// A libFuzzer custom mutator for ELF shared objects and PIEs: most
// mutations rewrite one field of a structure the dynamic loader reads (the
// ELF header, a program header, a dynamic entry, a hash table word, a
// symbol, a relocation) with a value chosen to reach edge cases (0, ~0,
// small numbers, powers of two, a neighbour's value, a nearby address,
// SHN_ABS, STT_GNU_IFUNC...), found by walking the input's own headers; the
// rest are libFuzzer's own byte-level mutations. Whole-file mutations alone
// rarely keep an object loadable far enough to reach the tables.
#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

namespace {

struct Field {
  uint64_t off;
  unsigned width; // 1, 2, 4 or 8 bytes
  enum Kind { kPlain, kAddress, kShndx, kSymInfo, kRelInfo, kTag } kind;
};

template <class T> bool get(const uint8_t *d, size_t size, uint64_t off, T *v) {
  if (off > size || sizeof(T) > size - off) return false;
  std::memcpy(v, d + off, sizeof(T));
  return true;
}

// File offset of a virtual address through the PT_LOADs, or ~0.
uint64_t file_offset(const uint8_t *d, size_t size, const Elf64_Ehdr &eh, uint64_t vaddr) {
  for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
    Elf64_Phdr p;
    if (!get(d, size, eh.e_phoff + i * sizeof(Elf64_Phdr), &p)) break;
    if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr - p.p_vaddr < p.p_filesz) return p.p_offset + (vaddr - p.p_vaddr);
  }
  return ~uint64_t{0};
}

void add(std::vector<Field> &f, uint64_t off, unsigned width, Field::Kind k = Field::kPlain) { f.push_back({off, width, k}); }

// The fields of the structures this input has, as far as its headers can
// be followed (a few random entries of the big tables).
std::vector<Field> fields(const uint8_t *d, size_t size, std::mt19937_64 &rng) {
  std::vector<Field> f;
  Elf64_Ehdr eh;
  if (!get(d, size, 0, &eh)) return f;
  add(f, offsetof(Elf64_Ehdr, e_type), 2);
  add(f, offsetof(Elf64_Ehdr, e_entry), 8, Field::kAddress);
  add(f, offsetof(Elf64_Ehdr, e_phoff), 8);
  add(f, offsetof(Elf64_Ehdr, e_phnum), 2);
  uint64_t dyn_off = 0, dyn_len = 0;
  for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
    uint64_t p = eh.e_phoff + i * sizeof(Elf64_Phdr);
    Elf64_Phdr ph;
    if (!get(d, size, p, &ph)) break;
    add(f, p + offsetof(Elf64_Phdr, p_type), 4);
    add(f, p + offsetof(Elf64_Phdr, p_flags), 4);
    add(f, p + offsetof(Elf64_Phdr, p_offset), 8);
    add(f, p + offsetof(Elf64_Phdr, p_vaddr), 8, Field::kAddress);
    add(f, p + offsetof(Elf64_Phdr, p_filesz), 8);
    add(f, p + offsetof(Elf64_Phdr, p_memsz), 8);
    add(f, p + offsetof(Elf64_Phdr, p_align), 8);
    if (ph.p_type == PT_DYNAMIC) dyn_off = ph.p_offset, dyn_len = ph.p_filesz;
  }
  uint64_t symtab = 0, gnu = 0, sysv = 0, rela = 0, relasz = 0, jmprel = 0, pltrelsz = 0, nsyms = 0;
  for (uint64_t i = 0; dyn_len && i < dyn_len / sizeof(Elf64_Dyn) && i < 256; i++) {
    uint64_t p = dyn_off + i * sizeof(Elf64_Dyn);
    Elf64_Dyn e;
    if (!get(d, size, p, &e)) break;
    add(f, p, 8, Field::kTag);
    add(f, p + 8, 8, Field::kAddress);
    switch (e.d_tag) {
    case DT_SYMTAB: symtab = file_offset(d, size, eh, e.d_un.d_ptr); break;
    case DT_GNU_HASH: gnu = file_offset(d, size, eh, e.d_un.d_ptr); break;
    case DT_HASH: sysv = file_offset(d, size, eh, e.d_un.d_ptr); break;
    case DT_RELA: rela = file_offset(d, size, eh, e.d_un.d_ptr); break;
    case DT_RELASZ: relasz = e.d_un.d_val; break;
    case DT_JMPREL: jmprel = file_offset(d, size, eh, e.d_un.d_ptr); break;
    case DT_PLTRELSZ: pltrelsz = e.d_un.d_val; break;
    default: break;
    }
    if (e.d_tag == DT_NULL) break;
  }
  uint32_t w[4];
  if (sysv != ~uint64_t{0} && sysv && get(d, size, sysv, &w[0]) && get(d, size, sysv + 4, &w[1])) {
    nsyms = w[1];
    add(f, sysv, 4);
    add(f, sysv + 4, 4);
    uint64_t words = 2 + uint64_t{w[0]} + w[1];
    for (int k = 0; k < 4; k++) add(f, sysv + 4 * (2 + rng() % words), 4);
  }
  if (gnu != ~uint64_t{0} && gnu && get(d, size, gnu, &w)) {
    for (int k = 0; k < 4; k++) add(f, gnu + 4 * k, 4);
    uint64_t fixed = 16 + uint64_t{w[2]} * 8 + uint64_t{w[0]} * 4;
    for (int k = 0; k < 4; k++) add(f, gnu + 16 + rng() % (fixed + 64), 4); // Bloom words, buckets, chains
  }
  if (!nsyms) nsyms = 32; // GNU hash only: the first symbols
  if (symtab != ~uint64_t{0} && symtab) {
    for (int k = 0; k < 4; k++) {
      uint64_t s = symtab + (rng() % nsyms) * sizeof(Elf64_Sym);
      add(f, s + offsetof(Elf64_Sym, st_name), 4);
      add(f, s + offsetof(Elf64_Sym, st_info), 1, Field::kSymInfo);
      add(f, s + offsetof(Elf64_Sym, st_other), 1);
      add(f, s + offsetof(Elf64_Sym, st_shndx), 2, Field::kShndx);
      add(f, s + offsetof(Elf64_Sym, st_value), 8, Field::kAddress);
      add(f, s + offsetof(Elf64_Sym, st_size), 8);
    }
  }
  for (auto [table, bytes] : {std::pair{rela, relasz}, std::pair{jmprel, pltrelsz}}) {
    if (table == ~uint64_t{0} || !table || bytes < sizeof(Elf64_Rela)) continue;
    for (int k = 0; k < 4; k++) {
      uint64_t r = table + (rng() % (bytes / sizeof(Elf64_Rela))) * sizeof(Elf64_Rela);
      add(f, r + offsetof(Elf64_Rela, r_offset), 8, Field::kAddress);
      add(f, r + offsetof(Elf64_Rela, r_info), 8, Field::kRelInfo);
      add(f, r + offsetof(Elf64_Rela, r_addend), 8, Field::kAddress);
    }
  }
  std::vector<Field> in;
  for (const Field &x : f)
    if (x.off <= size && x.width <= size - x.off) in.push_back(x);
  return in;
}

uint64_t value_for(const Field &f, uint64_t old, const uint8_t *d, size_t size, std::mt19937_64 &rng) {
  static const uint64_t kTags[] = {DT_NULL, DT_NEEDED, DT_STRTAB, DT_SYMTAB, DT_HASH, DT_GNU_HASH, DT_RELA,
                                   DT_RELASZ, DT_JMPREL, DT_PLTRELSZ, DT_INIT, DT_FINI, DT_INIT_ARRAY,
                                   DT_INIT_ARRAYSZ, DT_FLAGS, DT_FLAGS_1, DT_SONAME, DT_PLTGOT, DT_VERSYM,
                                   DT_SYMBOLIC, DT_BIND_NOW, DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ, 36 /* DT_RELR */};
  switch (rng() % 10) {
  case 0: return 0;
  case 1: return ~uint64_t{0};
  case 2: return rng() % 64;
  case 3: return uint64_t{1} << (rng() % 64);
  case 4: return old + (rng() % 33) - 16;
  case 5: return old ^ (uint64_t{1} << (rng() % (8 * f.width)));
  case 6: { // another field's bytes: a value that is valid somewhere else in the file
    uint64_t v = 0, at = size > 8 ? rng() % (size - 8) & ~uint64_t{7} : 0;
    get(d, size, at, &v);
    return v;
  }
  default: break;
  }
  switch (f.kind) {
  case Field::kShndx: return rng() % 2 ? SHN_ABS : rng() % 2 ? SHN_UNDEF : SHN_COMMON;
  case Field::kSymInfo: return ELF64_ST_INFO(rng() % 3, rng() % 2 ? STT_GNU_IFUNC : rng() % 2 ? STT_TLS : rng() % 16);
  case Field::kRelInfo: return ELF64_R_INFO(rng() % 2 ? old >> 32 : rng() % 8, rng() % 43);
  case Field::kTag: return kTags[rng() % (sizeof kTags / sizeof kTags[0])];
  case Field::kAddress: return (old & ~uint64_t{0xfff}) + (rng() % 0x3000) - 0x1000;
  case Field::kPlain: break;
  }
  return rng();
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
  std::mt19937_64 rng(seed);
  if (rng() % 5 == 0) return LLVMFuzzerMutate(data, size, max_size);
  std::vector<Field> f = fields(data, size, rng);
  if (f.empty()) return LLVMFuzzerMutate(data, size, max_size);
  int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; i++) {
    const Field &x = f[rng() % f.size()];
    uint64_t old = 0;
    std::memcpy(&old, data + x.off, x.width);
    uint64_t v = value_for(x, old, data, size, rng);
    std::memcpy(data + x.off, &v, x.width); // little-endian: the low bytes
  }
  return size;
}
