#include "aslr_fixture.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>

#include "content_hash.h"
#include "elf_view.h"
#include "layout.h"
#include "process_util.h"

namespace uk::test {
namespace {

uint8_t prot_of(uint32_t pf) {
  return static_cast<uint8_t>(((pf & PF_R) ? kProtR : 0) | ((pf & PF_W) ? kProtW : 0) | ((pf & PF_X) ? kProtX : 0));
}

void put(char *dst, size_t cap, const std::string &s) {
  ASSERT_LT(s.size(), cap);
  std::memcpy(dst, s.c_str(), s.size() + 1);
}

// Address of a symbol of the PIE's .symtab, or 0.
uint64_t symbol(const ElfView &elf, const char *name) {
  for (size_t i = 0; i < elf.shnum(); i++) {
    const Elf64_Shdr &sh = elf.shdr(i);
    if (sh.sh_type != SHT_SYMTAB) continue;
    auto b = elf.section_bytes(i);
    if (!b) return 0;
    const auto *syms = reinterpret_cast<const Elf64_Sym *>(*b);
    for (size_t k = 0; k < sh.sh_size / sizeof(Elf64_Sym); k++)
      if (elf.string_at(sh.sh_link, syms[k].st_name) == name) return syms[k].st_value;
  }
  return 0;
}

} // namespace

AslrFixture make_aslr_fixture(const std::string &dir, const FixtureEdit &edit) {
  AslrFixture f{dir, dir + "/pie.desc", dir + "/pie.img", dir + "/pool"};
  mkdir(f.pool.c_str(), 0755);
  std::string bytes = read_text(kPieApp);
  auto elf = ElfView::parse(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), kPieApp.c_str(), ET_DYN);
  EXPECT_TRUE(elf) << (elf ? "" : elf.error().what());
  if (!elf) return f;
  auto d = std::make_unique<Desc>();
  put(d->app, sizeof d->app, "pie");
  put(d->platform, sizeof d->platform, "linuxu");
  d->layout = Layout::Aslr;
  put(d->image, sizeof d->image, "pie.img");

  // Block .app: every PT_LOAD from the image, at its link address (base 0).
  std::string image;
  uint64_t app_end = 0;
  const Elf64_Phdr *first = nullptr;
  for (size_t i = 0; i < elf->phnum(); i++) {
    const Elf64_Phdr &p = elf->phdr(i);
    if (p.p_type == PT_TLS) d->tls = DescTls{true, 0, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align ? p.p_align : 1};
    if (p.p_type != PT_LOAD) continue;
    if (!first) first = &p;
    uint64_t start = page_down(p.p_vaddr), lead = p.p_vaddr - start;
    DescMap &m = d->maps[d->nmaps++];
    m = DescMap{};
    m.block = 0, m.off = start, m.size = page_up(p.p_vaddr + p.p_memsz) - start, m.prot = prot_of(p.p_flags);
    m.source = MapSource::Image, m.offset = image.size(), m.filesz = lead + p.p_filesz;
    image += bytes.substr(p.p_offset - lead, m.filesz);
    image.resize(page_up(image.size()), '\0');
    app_end = page_up(p.p_vaddr + p.p_memsz);
  }
  EXPECT_NE(first, nullptr);
  if (!first) return f;
  d->entry = DescRef{0, elf->ehdr().e_entry};
  d->phdr = DescRef{0, first->p_vaddr + (elf->ehdr().e_phoff - first->p_offset)};
  d->phnum = elf->phnum();
  DescBlock &app = d->blocks[d->nblocks++];
  put(app.name, sizeof app.name, kAppBlock);
  app.size = app_end, app.has_base = false, app.lib = -1;

  // Block lib: one pool page, one spare page (a reserved gap).
  std::string page(kPageSize, '\0');
  const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, // mov $42, %eax
                                0xc3};                        // ret
  std::memcpy(page.data(), code, sizeof code);
  std::string object = sha256_hex(page.data(), page.size());
  std::string object_path = f.pool + "/" + object;
  write_text(object_path, page);
  chmod(object_path.c_str(), 0444);
  DescBlock &lib = d->blocks[d->nblocks++];
  put(lib.name, sizeof lib.name, "lib");
  lib.size = 2 * kPageSize, lib.has_base = false, lib.lib = 0;
  DescLib &l = d->libs[d->nlibs++];
  put(l.name, sizeof l.name, "lib");
  put(l.id, sizeof l.id, object);
  put(l.object, sizeof l.object, object);
  l.object_size = kPageSize, l.block = 1;
  DescMap &lm = d->maps[d->nmaps++];
  lm = DescMap{};
  lm.block = 1, lm.off = 0, lm.size = kPageSize, lm.prot = kProtR | kProtX, lm.source = MapSource::Pool, lm.lib = 0;

  // Relocations: the PIE's RELATIVE ones, then the two to lib.
  std::vector<DescReloc> relocs;
  for (size_t i = 0; i < elf->shnum(); i++) {
    const Elf64_Shdr &sh = elf->shdr(i);
    if (sh.sh_type != SHT_RELA) continue;
    auto b = elf->section_bytes(i);
    EXPECT_TRUE(b);
    if (!b) return f;
    const auto *r = reinterpret_cast<const Elf64_Rela *>(*b);
    for (size_t k = 0; k < sh.sh_size / sizeof(Elf64_Rela); k++) {
      EXPECT_EQ(ELF64_R_TYPE(r[k].r_info), static_cast<uint32_t>(R_X86_64_RELATIVE)) << "relocation " << k;
      relocs.push_back(DescReloc{static_cast<uint32_t>(r[k].r_offset), 0, 0, kRelocAbs64, 0, r[k].r_addend});
    }
  }
  uint64_t slot = symbol(*elf, "uk_slot_lib"), pc32 = symbol(*elf, "uk_pc32_lib");
  EXPECT_NE(slot, 0u);
  EXPECT_NE(pc32, 0u);
  relocs.push_back(DescReloc{static_cast<uint32_t>(slot), 0, 1, kRelocSlot64, 0, 0});
  relocs.push_back(DescReloc{static_cast<uint32_t>(pc32), 0, 1, kRelocPc32, 0, 0});
  if (edit) edit(*d, relocs);

  d->relocs = DescRelocs{true, image.size(), static_cast<uint32_t>(relocs.size())};
  image.append(reinterpret_cast<const char *>(relocs.data()), relocs.size() * sizeof(DescReloc));
  image.resize(page_up(image.size()), '\0');
  d->image_size = image.size();
  put(d->image_sha256, sizeof d->image_sha256, sha256_hex(image.data(), image.size()));
  write_text(f.image, image);
  std::string text(kDescMaxBytes, '\0');
  size_t n = format_desc(*d, text.data(), text.size());
  EXPECT_GT(n, 0u);
  text.resize(n);
  write_text(f.desc, text);
  return f;
}

} // namespace uk::test
