// Default mode: an aligned static ELF's PT_LOAD segments become blocks whose
// bytes are copied into anonymous guest memory.
#include <cstring>

#include "elf_view.h"
#include "guest_layout.h"
#include "layout.h"

namespace uk::kvm {

Result<GuestLayout> layout_from_elf(const uint8_t *data, size_t size, const char *path) {
  auto elf = ElfView::parse(data, size, path, ET_EXEC);
  if (!elf) return elf.error();
  GuestLayout g;
  g.platform = "kvm";
  g.copy_from = data;
  g.copy_size = size;
  g.entry = elf->ehdr().e_entry;
  for (size_t i = 0; i < elf->phnum(); i++) {
    const Elf64_Phdr &p = elf->phdr(i);
    if (p.p_type == PT_PHDR) {
      g.phdr = p.p_vaddr;
      g.phnum = elf->phnum();
    }
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    uint64_t lead = p.p_vaddr - page_down(p.p_vaddr), end;
    if (p.p_filesz > p.p_memsz || (p.p_offset & (kPageSize - 1)) != (p.p_vaddr & (kPageSize - 1)) ||
        add_overflows(p.p_vaddr, p.p_memsz, &end) || end > kSlotLimit || p.p_vaddr < kAppRegionBase)
      return Error::fmt("%s: program header %zu: PT_LOAD [0x%lx, +0x%lx) is not an aligned unikernel segment", path,
                        i, static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
    UK_TRY(elf->bytes(p.p_offset, p.p_filesz, "PT_LOAD contents"));
    LayoutBlock b;
    b.gpa = page_down(p.p_vaddr);
    b.size = page_up(end) - b.gpa;
    b.prot = static_cast<uint8_t>(((p.p_flags & PF_R) ? kProtR : 0) | ((p.p_flags & PF_W) ? kProtW : 0) |
                                  ((p.p_flags & PF_X) ? kProtX : 0));
    b.source = BlockSource::Copy;
    b.offset = p.p_offset - lead;
    b.filesz = lead + p.p_filesz;
    b.owner = "ELF segment";
    g.blocks.push_back(std::move(b));
  }
  if (g.phdr == 0) return Error::fmt("%s: no PT_PHDR (not an aligned unikernel)", path);
  // The platform kernel: kvmplat_header in the symbol table.
  for (size_t i = 0; i < elf->shnum() && !g.plat_header; i++) {
    const Elf64_Shdr &sh = elf->shdr(i);
    if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf64_Sym)) continue;
    auto syms = elf->section_bytes(i);
    if (!syms) return syms.error();
    for (uint64_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); k++) {
      Elf64_Sym s;
      std::memcpy(&s, *syms + k * sizeof s, sizeof s);
      if (elf->string_at(sh.sh_link, s.st_name) == "kvmplat_header") {
        g.plat_header = s.st_value;
        break;
      }
    }
  }
  if (!g.plat_header)
    return Error::fmt("%s: no KVM platform library (symbol kvmplat_header); pack it with --platform kvm", path);
  return g;
}

} // namespace uk::kvm
