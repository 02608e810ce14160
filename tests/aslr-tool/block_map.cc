#include "block_map.h"

#include <elf.h>
#include <sys/mman.h>

#include <cstring>

#include "elf_view.h"
#include "fs_util.h"

namespace uk::test {

Result<MappedPlan> MappedPlan::map(const AslrPlan &plan) {
  MappedPlan m;
  for (const AslrBlock &b : plan.blocks) {
    void *p = mmap(nullptr, b.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return Error::fmt("mmap of block %s failed", b.name.c_str());
    m.bases_.push_back(static_cast<uint8_t *>(p));
    m.sizes_.push_back(b.size);
    for (const AslrMap &x : b.maps) {
      if (x.pool) std::memcpy(m.bases_.back() + x.off, b.shared.data() + x.src, x.size);
      else if (x.filesz) std::memcpy(m.bases_.back() + x.off, plan.image.data() + x.src, x.filesz);
    }
  }
  for (const AslrReloc &r : plan.relocs) {
    uint8_t *at = m.bases_[r.block] + r.offset;
    uint64_t v = reinterpret_cast<uint64_t>(m.bases_[r.target]) + static_cast<uint64_t>(r.addend);
    if (r.kind == kAslrAbs64 || r.kind == kAslrSlot64) {
      std::memcpy(at, &v, 8);
    } else if (r.kind == kAslrPc32) {
      int64_t d = static_cast<int64_t>(v - reinterpret_cast<uint64_t>(at));
      if (d < INT32_MIN || d > INT32_MAX) return Error::fmt("pc32 relocation out of range");
      int32_t d32 = static_cast<int32_t>(d);
      std::memcpy(at, &d32, 4);
    } else {
      return Error::fmt("relocation kind %u", r.kind);
    }
  }
  for (size_t i = 0; i < plan.blocks.size(); i++)
    for (const AslrMap &x : plan.blocks[i].maps) {
      int prot = ((x.prot & kProtR) ? PROT_READ : 0) | ((x.prot & kProtW) ? PROT_WRITE : 0) |
                 ((x.prot & kProtX) ? PROT_EXEC : 0);
      if (mprotect(m.bases_[i] + x.off, x.size, prot) != 0) return Error::fmt("mprotect failed");
    }
  return m;
}

MappedPlan::~MappedPlan() {
  for (size_t i = 0; i < bases_.size(); i++) munmap(bases_[i], sizes_[i]);
}

uint64_t elf_symbol(const std::string &elf_path, const std::string &name) {
  auto bytes = read_file(elf_path);
  if (!bytes) return 0;
  auto elf = ElfView::parse(bytes->data(), bytes->size(), elf_path.c_str());
  if (!elf) return 0;
  for (size_t i = 1; i < elf->shnum(); i++) {
    const Elf64_Shdr &s = elf->shdr(i);
    if (s.sh_type != SHT_SYMTAB || s.sh_entsize != sizeof(Elf64_Sym)) continue;
    auto syms = elf->section_bytes(i);
    if (!syms) return 0;
    const Elf64_Sym *sy = reinterpret_cast<const Elf64_Sym *>(*syms);
    for (size_t j = 1; j < s.sh_size / sizeof(Elf64_Sym); j++)
      if (elf->string_at(s.sh_link, sy[j].st_name) == name) return sy[j].st_value;
  }
  return 0;
}

void *runtime_address(const AslrPlan &plan, const MappedPlan &m, uint64_t link) {
  for (size_t i = 1; i < plan.blocks.size(); i++) {
    const AslrBlock &b = plan.blocks[i];
    if (link >= b.link_base && link < b.link_base + b.content_size)
      return m.base(i) + b.content_off + (link - b.link_base);
  }
  return nullptr;
}

} // namespace uk::test
