// Sums of numbers taken from an ELF file (segment address + size, section
// sizes + padding, COMMON symbol sizes) are overflow-checked: a wrapping sum
// is refused with a message naming the segment, section or symbol, never
// used to size a buffer.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "corpus.h"
#include "fs_util.h"
#include "image_plan.h"
#include "layout.h"
#include "library.h"
#include "process_util.h"
#include "registry.h"

namespace uk {
namespace {

class ElfSums : public ::testing::Test {
protected:
  void SetUp() override { dir = test::make_temp_dir(); }
  void TearDown() override { std::system(("rm -rf " + dir).c_str()); }
  std::string save(const std::string &name, const std::string &bytes) {
    std::string p = dir + "/" + name;
    test::write_text(p, bytes);
    return p;
  }
  template <class T> static T &at(std::string &b, uint64_t off) { return *reinterpret_cast<T *>(&b[off]); }
  std::string dir;
};

// The first read-only PT_LOAD inside a library slot of helloworld.elf.
size_t library_text_segment(std::string &b) {
  const auto &eh = *reinterpret_cast<const Elf64_Ehdr *>(b.data());
  for (size_t i = 0; i < eh.e_phnum; i++) {
    const auto &p = *reinterpret_cast<const Elf64_Phdr *>(b.data() + eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (p.p_type == PT_LOAD && p.p_vaddr >= kSlotBase && !(p.p_flags & PF_W)) return i;
  }
  ADD_FAILURE() << "helloworld.elf has no library text segment";
  return 0;
}

TEST_F(ElfSums, SegmentEndThatWrapsIsRefusedNamingTheSegment) {
  auto reg = Registry::load(test::kPool + "/layout-registry.json");
  ASSERT_TRUE(reg.ok()) << reg.error().what();
  std::string b = test::read_text(test::elf_of("helloworld"));
  ASSERT_GT(b.size(), sizeof(Elf64_Ehdr));
  size_t i = library_text_segment(b);
  uint64_t phoff = at<Elf64_Ehdr>(b, 0).e_phoff + i * sizeof(Elf64_Phdr);
  Elf64_Phdr &p = at<Elf64_Phdr>(b, phoff);
  uint64_t vaddr = p.p_vaddr;
  // vaddr + memsz wraps to 0x1000: the slot-end check sees a small end.
  p.p_memsz = (~vaddr + 1) + 0x1000;
  std::string path = save("wrap.elf", b);
  auto r = plan_image(path, *reg);
  ASSERT_FALSE(r.ok());
  char want[256];
  std::snprintf(want, sizeof want, "%s: segment %zu (address 0x%lx, size 0x%lx) wraps around the address space",
                path.c_str(), i, static_cast<unsigned long>(vaddr), static_cast<unsigned long>(p.p_memsz));
  EXPECT_EQ(std::string(r.error().what()), want);
  // An end below 2^64 whose page rounding wraps.
  p.p_memsz = ~vaddr - 0x10;
  path = save("wrap2.elf", b);
  r = plan_image(path, *reg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("wraps around the address space"), std::string::npos)
      << r.error().what();
}

// Index of the first section of this type in a relocatable object.
size_t find_section(std::string &b, uint32_t type) {
  const auto &eh = *reinterpret_cast<const Elf64_Ehdr *>(b.data());
  for (size_t i = 1; i < eh.e_shnum; i++)
    if (reinterpret_cast<const Elf64_Shdr *>(b.data() + eh.e_shoff)[i].sh_type == type) return i;
  ADD_FAILURE() << "no section of type " << type;
  return 0;
}

TEST_F(ElfSums, SectionSizeThatWrapsTheSlotBoundIsRefused) {
  std::string b = test::read_text(test::kCorpus + "/libs/musl.o");
  ASSERT_GT(b.size(), sizeof(Elf64_Ehdr));
  size_t i = find_section(b, SHT_NOBITS);
  Elf64_Shdr &s = at<Elf64_Shdr>(b, at<Elf64_Ehdr>(b, 0).e_shoff + i * sizeof(Elf64_Shdr));
  s.sh_size = ~uint64_t{0} - 2; // + alignment padding wraps
  std::string path = save("bigbss.o", b);
  auto lib = load_library(path);
  ASSERT_FALSE(lib.ok()) << "bss bound 0x" << std::hex << lib->bound[3];
  EXPECT_NE(std::string(lib.error().what()).find(path + ": section "), std::string::npos) << lib.error().what();
  EXPECT_NE(std::string(lib.error().what()).find("size overflows the bss part"), std::string::npos)
      << lib.error().what();
}

TEST_F(ElfSums, CommonSymbolSizeThatWrapsIsRefused) {
  std::string b = test::read_text(test::kCorpus + "/libs/exitcode.o");
  ASSERT_GT(b.size(), sizeof(Elf64_Ehdr));
  size_t i = find_section(b, SHT_SYMTAB);
  const Elf64_Shdr &s = at<Elf64_Shdr>(b, at<Elf64_Ehdr>(b, 0).e_shoff + i * sizeof(Elf64_Shdr));
  ASSERT_GE(s.sh_size / sizeof(Elf64_Sym), 2u);
  // Two COMMON symbols whose sizes only wrap when added together.
  for (size_t k = 1; k <= 2 && k < s.sh_size / sizeof(Elf64_Sym); k++) {
    Elf64_Sym &sym = at<Elf64_Sym>(b, s.sh_offset + k * sizeof(Elf64_Sym));
    sym.st_shndx = SHN_COMMON;
    sym.st_value = 16; // alignment
    sym.st_size = (~uint64_t{0} >> 1) + 0x1000;
  }
  std::string path = save("common.o", b);
  auto lib = load_library(path);
  ASSERT_FALSE(lib.ok()) << "bss bound 0x" << std::hex << lib->bound[3];
  EXPECT_NE(std::string(lib.error().what()).find(path + ": COMMON symbol"), std::string::npos) << lib.error().what();
  EXPECT_NE(std::string(lib.error().what()).find("size overflows the bss part"), std::string::npos)
      << lib.error().what();
}

} // namespace
} // namespace uk
