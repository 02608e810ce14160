// uk-slt report says why a page is not shared, from the relocation scan:
// on a hand-made library whose call and .data.rel.ro pointer reach another
// library at a different slot per app (report/lib_why.S), on musl packed next
// to two builds of boot, and the cost of the private .data.rel.ro of ASLR
// descs. Expected values come from the ELF files themselves (symbols,
// sections, .rela.dyn), read here independently of the report.
#include <gtest/gtest.h>

#include <elf.h>
#include <fmt/format.h>

#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.h"
#include "elf_view.h"
#include "fs_util.h"
#include "process_util.h"
#include "reloc_scan.h"

namespace {

using namespace uk;
using namespace uk::test;

const std::string kWhyDir = UK_REPORT_TEST_DIR;
const std::string kLibDir = UK_LIB_DIR;

// Defined symbols of an ELF file (name -> value), read with ElfView.
std::map<std::string, uint64_t> symbols_of(const std::string &path) {
  std::map<std::string, uint64_t> out;
  auto bytes = read_file(path);
  if (!bytes) return out;
  auto elf = ElfView::parse(bytes->data(), bytes->size(), path.c_str());
  if (!elf) return out;
  for (size_t i = 1; i < elf->shnum(); i++) {
    const Elf64_Shdr &s = elf->shdr(i);
    if (s.sh_type != SHT_SYMTAB || s.sh_entsize != sizeof(Elf64_Sym)) continue;
    auto sb = elf->section_bytes(i);
    if (!sb) return out;
    for (size_t j = 1; j < s.sh_size / sizeof(Elf64_Sym); j++) {
      Elf64_Sym sy;
      std::memcpy(&sy, *sb + j * sizeof sy, sizeof sy);
      if (sy.st_shndx != SHN_UNDEF) out[std::string(elf->string_at(s.sh_link, sy.st_name))] = sy.st_value;
    }
  }
  return out;
}

struct Section {
  uint64_t addr = 0, size = 0;
};
Section section_of(const std::string &path, const std::string &name) {
  auto bytes = read_file(path);
  if (!bytes) return {};
  auto elf = ElfView::parse(bytes->data(), bytes->size(), path.c_str());
  if (!elf) return {};
  for (size_t i = 1; i < elf->shnum(); i++)
    if (elf->section_name(i) == name) return {elf->shdr(i).sh_addr, elf->shdr(i).sh_size};
  return {};
}

// R_X86_64_RELATIVE records of .rela.dyn whose place is in [lo, hi).
uint64_t relative_in(const std::string &path, uint64_t lo, uint64_t hi) {
  auto bytes = read_file(path);
  if (!bytes) return 0;
  auto elf = ElfView::parse(bytes->data(), bytes->size(), path.c_str());
  if (!elf) return 0;
  uint64_t n = 0;
  for (size_t i = 1; i < elf->shnum(); i++) {
    const Elf64_Shdr &s = elf->shdr(i);
    if (s.sh_type != SHT_RELA || !(s.sh_flags & SHF_ALLOC)) continue;
    auto rb = elf->section_bytes(i);
    if (!rb) return 0;
    for (size_t j = 0; j < s.sh_size / sizeof(Elf64_Rela); j++) {
      Elf64_Rela r;
      std::memcpy(&r, *rb + j * sizeof r, sizeof r);
      if (ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE && r.r_offset >= lo && r.r_offset < hi) n++;
    }
  }
  return n;
}

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Two apps, a and b, of tmain + why + peer, with peer built differently in
// each: peer gets two slots, so why's call to peer_fn and its pointer to it
// differ between a and b. Packed once for the suite, both modes.
class ReportWhy : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = make_temp_dir();
    std::string tmain = std::string(UK_ASLR_TEST_DIR) + "/tmain.o", why = kWhyDir + "/why.o";
    RunResult r = run({kTool, "--pool", dir_ + "/pool", "pack", "--aslr", "--no-platform", "--out-dir", dir_ + "/out",
                       "a=" + tmain + "," + why + "," + kWhyDir + "/peer1/peer.o",
                       "b=" + tmain + "," + why + "," + kWhyDir + "/peer2/peer.o"});
    pack_ = r.status == 0 ? "" : r.err;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }
  void SetUp() override { ASSERT_EQ(pack_, ""); }
  static std::string app(const std::string &a, const std::string &ext) { return dir_ + "/out/" + a + "/" + a + ext; }
  static RunResult report(const std::vector<std::string> &descs) {
    std::vector<std::string> argv = {kTool, "--pool", dir_ + "/pool", "report"};
    argv.insert(argv.end(), descs.begin(), descs.end());
    return run(argv);
  }
  static inline std::string dir_, pack_;
};

TEST_F(ReportWhy, HandMadeLibraryNamesTheCallAndThePointer) {
  RunResult r = report({app("a", ".desc"), app("b", ".desc")});
  ASSERT_EQ(r.status, 0) << r.err;
  uint64_t peer_a = symbols_of(app("a", ".elf")).at("peer_fn"), peer_b = symbols_of(app("b", ".elf")).at("peer_fn");
  ASSERT_NE(peer_a, peer_b);
  // The call is at why_call+1 (after push %rbx), its rel32 one byte later;
  // the pointer is the third quad of why_table, first in the rodata page.
  std::string want = fmt::format(
      "\nwhy pages are not shared (same build, different bytes):\n"
      "  why: 2 pages differ between the pool objects of a and b\n"
      "    page +0x0: R_X86_64_PLT32 at +0x2 in why_call+0x2 against peer_fn: address {0:#x} in a, {1:#x} in b\n"
      "    page +0x1000: R_X86_64_64 at +0x1010 in why_table+0x10 against peer_fn: address {0:#x} in a, {1:#x} in b\n",
      peer_a, peer_b);
  EXPECT_NE(r.out.find(want), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("same library, different bytes in 2 pages (first at +0x0): relocations below"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("outside every relocation"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("{:<14} {:>5} {:>8}", "peer", 2, 2)), std::string::npos) << r.out;

  // JSON: the same facts.
  RunResult j = report({"--json", app("a", ".desc"), app("b", ".desc")});
  ASSERT_EQ(j.status, 0) << j.err;
  EXPECT_NE(j.out.find("\"type\": \"R_X86_64_PLT32\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"in\": \"why_table+0x10\""), std::string::npos) << j.out;
}

TEST_F(ReportWhy, WithoutTheAslrLinkItSaysSoInsteadOfGuessing) {
  std::string moved = app("a", ".aslr.elf.away"), movedb = app("b", ".aslr.elf.away");
  ASSERT_EQ(std::rename(app("a", ".aslr.elf").c_str(), moved.c_str()), 0);
  ASSERT_EQ(std::rename(app("b", ".aslr.elf").c_str(), movedb.c_str()), 0);
  RunResult r = report({app("a", ".desc"), app("b", ".desc")});
  std::rename(moved.c_str(), app("a", ".aslr.elf").c_str());
  std::rename(movedb.c_str(), app("b", ".aslr.elf").c_str());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("  why: 2 pages differ between the pool objects of a and b\n"
                       "    no ASLR link (a.aslr.elf or b.aslr.elf) next to the descs to name the relocations: pack "
                       "with --aslr\n"
                       "    page +0x0: "),
            std::string::npos)
      << r.out;
  // Each page: only the count of differing bytes, no relocation named.
  EXPECT_EQ(r.out.find(" against "), std::string::npos) << r.out;
  size_t first = r.out.find("    page +0x0: "), second = r.out.find("    page +0x1000: ");
  ASSERT_NE(second, std::string::npos) << r.out;
  EXPECT_NE(r.out.substr(first, second - first).find(" differing bytes outside every relocation of the scan\n"),
            std::string::npos);
  EXPECT_NE(r.out.substr(second).find(" differing bytes outside every relocation of the scan\n"), std::string::npos);
}

TEST_F(ReportWhy, AslrDescsShowThePrivateRelro) {
  RunResult r = report({app("a", ".aslr.desc"), app("b", ".aslr.desc")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\nprivate .data.rel.ro in SLT [ASLR] (the loader writes its pointers in every instance):\n"
                       "library         apps   pages      bytes  pointers\n"
                       "why                2       1         24         3\n"
                       "  why relro +0x0: 3 pointers, first R_X86_64_64 at +0x0 against why_call\n"
                       "relro: 2 private pages (48 bytes) over one instance of each app\n"),
            std::string::npos)
      << r.out;
  // One pool object for why in ASLR mode: nothing differs there.
  EXPECT_EQ(r.out.find("why pages are not shared"), std::string::npos) << r.out;
}

TEST_F(ReportWhy, ScanRefusesAnUnknownRelocationTypeByNumber) {
  std::string elf = app("a", ".aslr.elf");
  auto bytes = read_file(elf);
  ASSERT_TRUE(bytes);
  Bytes b = *bytes;
  auto view = ElfView::parse(b.data(), b.size(), elf.c_str());
  ASSERT_TRUE(view);
  uint64_t place = 0;
  for (size_t i = 1; i < view->shnum() && !place; i++)
    if (view->section_name(i) == ".rela.uk.why.text") {
      Elf64_Rela r;
      uint64_t off = view->shdr(i).sh_offset;
      std::memcpy(&r, b.data() + off, sizeof r);
      r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 99);
      std::memcpy(b.data() + off, &r, sizeof r);
      place = r.r_offset;
    }
  ASSERT_NE(place, 0u);
  std::string bad = dir_ + "/bad.aslr.elf";
  write_text(bad, std::string(b.begin(), b.end()));
  auto scan = scan_link(bad);
  ASSERT_FALSE(scan);
  EXPECT_EQ(std::string(scan.error().what()),
            fmt::format("{}: why: relocation type 99 (unknown) at {:#x}: not an x86-64 relocation type uk-slt knows",
                        bad, place));
}

// Corpus: helloworld with the build's boot, exitcode with another build of
// boot (the same object with one more byte at its end: another identity,
// another slot).
// musl's pages that differ are named by relocations against symbols that
// boot defines, and no differing byte is left unexplained.
TEST(ReportWhyCorpus, MuslNextToTwoBuildsOfBoot) {
  std::string dir = make_temp_dir();
  std::string boot2 = dir + "/boot2/boot.o";
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/boot2 && cp " + kLibDir + "/boot.o " + boot2 + " && printf x >> " + boot2)
                            .c_str()),
            0);
  auto spec = [&](const std::string &a, const std::string &boot) {
    return a + "=" + boot + "," + kLibDir + "/musl.o," + kLibDir + "/gccrt.o," + kLibDir + "/" + a + ".o";
  };
  RunResult p = run({kTool, "--pool", dir + "/pool", "pack", "--aslr", "--no-platform", "--out-dir", dir + "/out",
                     spec("helloworld", kLibDir + "/boot.o"), spec("exitcode", boot2)});
  ASSERT_EQ(p.status, 0) << p.err;
  RunResult r = run({kTool, "--pool", dir + "/pool", "report", dir + "/out/helloworld/helloworld.desc",
                     dir + "/out/exitcode/exitcode.desc"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, uint64_t> boot_syms = symbols_of(kLibDir + "/boot.o");
  std::vector<std::string> lines = lines_of(r.out);
  size_t at = 0;
  while (at < lines.size() && lines[at].rfind("  musl: ", 0) != 0) at++;
  ASSERT_LT(at, lines.size()) << r.out;
  EXPECT_NE(lines[at].find(" pages differ between the pool objects of helloworld and exitcode"), std::string::npos);
  size_t pages = 0, relocs = 0;
  for (size_t i = at + 1; i < lines.size() && lines[i].rfind("    ", 0) == 0; i++) {
    if (lines[i].rfind("    page +0x", 0) == 0) pages++;
    EXPECT_EQ(lines[i].find("outside every relocation"), std::string::npos) << lines[i];
    size_t against = lines[i].find(" against ");
    if (against == std::string::npos) continue;
    relocs++;
    std::string sym = lines[i].substr(against + 9, lines[i].find(':', against) - against - 9);
    EXPECT_TRUE(boot_syms.count(sym)) << sym << " is not a symbol of boot: " << lines[i];
  }
  EXPECT_GT(pages, 0u) << r.out;
  EXPECT_GE(relocs, pages) << r.out;
  std::system(("rm -rf " + dir).c_str());
}

// The build's ASLR descs: musl's row is its .uk.musl.relro section (bytes,
// pages) and the RELATIVE records of .rela.dyn inside it (pointers).
TEST(ReportWhyCorpus, AslrRelroCostOfMusl) {
  std::string h = kCorpus + "/helloworld/helloworld.aslr", m = kCorpus + "/mandelbrot/mandelbrot.aslr";
  RunResult r = run({kTool, "--pool", kPool, "report", h + ".desc", m + ".desc"});
  ASSERT_EQ(r.status, 0) << r.err;
  Section relro = section_of(h + ".elf", ".uk.musl.relro");
  ASSERT_GT(relro.size, 0u);
  uint64_t pointers = relative_in(h + ".elf", relro.addr, relro.addr + relro.size);
  EXPECT_GT(pointers, 0u);
  std::string row = fmt::format("{:<14} {:>5} {:>7} {:>10} {:>9}\n", "musl", 2, (relro.size + 4095) / 4096,
                                relro.size, pointers);
  EXPECT_NE(r.out.find(row), std::string::npos) << row << r.out;
  EXPECT_NE(r.out.find("  musl relro +0x0: "), std::string::npos) << r.out;
}

} // namespace
