// ElfView: every offset from the file is checked before use.
#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "elf_view.h"

namespace uk {
namespace {

std::vector<uint8_t> minimal_exec() {
  std::vector<uint8_t> b(4096, 0);
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_EXEC;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = 1;
  std::memcpy(b.data(), &eh, sizeof eh);
  Elf64_Phdr ph{};
  ph.p_type = PT_LOAD;
  ph.p_offset = 0;
  ph.p_filesz = 4096;
  ph.p_memsz = 8192;
  std::memcpy(b.data() + eh.e_phoff, &ph, sizeof ph);
  return b;
}

Elf64_Ehdr &ehdr(std::vector<uint8_t> &b) { return *reinterpret_cast<Elf64_Ehdr *>(b.data()); }
Elf64_Phdr &phdr0(std::vector<uint8_t> &b) { return *reinterpret_cast<Elf64_Phdr *>(b.data() + sizeof(Elf64_Ehdr)); }

std::string err(const std::vector<uint8_t> &b, uint16_t type = 0) {
  auto r = ElfView::parse(b.data(), b.size(), "x.elf", type);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().what();
}

TEST(ElfView, AcceptsMinimalExecutable) {
  auto b = minimal_exec();
  auto r = ElfView::parse(b.data(), b.size(), "x.elf", ET_EXEC);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r->phnum(), 1u);
  EXPECT_EQ(r->phdr(0).p_memsz, 8192u);
  EXPECT_FALSE(r->bytes(4000, 200, "tail").ok());
  EXPECT_FALSE(r->bytes(UINT64_MAX, 2, "wrap").ok());
}

TEST(ElfView, RejectsTruncatedAndForeign) {
  auto b = minimal_exec();
  EXPECT_NE(err(std::vector<uint8_t>(b.begin(), b.begin() + 20)).find("truncated ELF header"), std::string::npos);
  auto c = b;
  c[0] = 'X';
  EXPECT_NE(err(c).find("bad magic"), std::string::npos);
  c = b;
  ehdr(c).e_machine = EM_AARCH64;
  EXPECT_NE(err(c).find("is not x86-64"), std::string::npos);
  c = b;
  c[EI_CLASS] = ELFCLASS32;
  EXPECT_NE(err(c).find("ELF64"), std::string::npos);
  EXPECT_NE(err(b, ET_REL).find("expected a relocatable object"), std::string::npos);
}

TEST(ElfView, RejectsHeadersOutOfBounds) {
  auto b = minimal_exec();
  auto c = b;
  ehdr(c).e_phoff = 4090;
  EXPECT_NE(err(c).find("program headers"), std::string::npos);
  c = b;
  ehdr(c).e_phnum = 0xffff;
  EXPECT_NE(err(c).find("outside the file"), std::string::npos);
  c = b;
  ehdr(c).e_shoff = 0xfffffffffffffff0ull;
  ehdr(c).e_shentsize = sizeof(Elf64_Shdr);
  ehdr(c).e_shnum = 2;
  EXPECT_NE(err(c).find("section headers"), std::string::npos);
  c = b;
  phdr0(c).p_offset = 0xfffffffffffff000ull;
  EXPECT_NE(err(c).find("segment 0"), std::string::npos);
  c = b;
  phdr0(c).p_filesz = 0x10000;
  EXPECT_NE(err(c).find("outside the file"), std::string::npos);
}

} // namespace
} // namespace uk
