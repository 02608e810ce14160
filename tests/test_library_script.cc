// Library objects (classification, size bounds, identity) and the generated
// linker script, on the real corpus objects and on bad inputs.
#include <elf.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>

#include "fs_util.h"
#include "layout.h"
#include "library.h"
#include "linker_script.h"
#include "process_util.h"
#include "registry.h"

namespace uk {
namespace {

const std::string kLibs = UK_CORPUS_DIR "/libs/";

TEST(Classify, SectionsGoWhereTheirFlagsSay) {
  EXPECT_EQ(classify_section(".text.memcpy", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR), Part::Text);
  EXPECT_EQ(classify_section(".rodata.str1.1", SHT_PROGBITS, SHF_ALLOC | SHF_MERGE | SHF_STRINGS), Part::Rodata);
  EXPECT_EQ(classify_section(".data.rel.ro.local", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE), Part::Rodata);
  EXPECT_EQ(classify_section(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE), Part::Data);
  EXPECT_EQ(classify_section(".bss.x", SHT_NOBITS, SHF_ALLOC | SHF_WRITE), Part::Bss);
  EXPECT_EQ(classify_section(".tbss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS), Part::Tls);
  EXPECT_EQ(classify_section(".init_array", SHT_INIT_ARRAY, SHF_ALLOC | SHF_WRITE), Part::AppInit);
  EXPECT_EQ(classify_section(".eh_frame", SHT_X86_64_UNWIND, SHF_ALLOC), Part::Discard);
  EXPECT_EQ(classify_section(".note.gnu.property", SHT_NOTE, SHF_ALLOC), Part::Discard);
  EXPECT_EQ(classify_section(".comment", SHT_PROGBITS, 0), Part::Discard);
}

TEST(Library, MuslIsOneLibraryWithBoundedParts) {
  auto l = load_library(kLibs + "musl.o");
  ASSERT_TRUE(l.ok()) << l.error().what();
  EXPECT_EQ(l->name, "musl");
  EXPECT_EQ(l->id.size(), 64u);
  EXPECT_GT(l->bound[0], 0x50000u); // ~580 KB of text
  for (uint64_t b : l->bound) EXPECT_TRUE(page_aligned(b));
  EXPECT_FALSE(l->sections[0].empty());
  EXPECT_TRUE(l->app_sections.empty());
}

// SHA-256 of a file by OpenSSL: independent of the toolchain's own hash.
std::string openssl_sha256(const std::string &path) {
  std::string bytes = test::read_text(path);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(), md);
  std::string hex;
  char b[3];
  for (unsigned char c : md) std::snprintf(b, sizeof b, "%02x", c), hex += b;
  return hex;
}

TEST(Library, IdentityIsTheContentHash) {
  auto a = load_library(kLibs + "boot.o");
  std::string dir = test::make_temp_dir();
  std::system(("cp " + kLibs + "boot.o " + dir + "/other-name.o").c_str());
  auto b = load_library(dir + "/other-name.o");
  auto m = load_library(kLibs + "musl.o");
  ASSERT_TRUE(a.ok() && b.ok() && m.ok());
  EXPECT_EQ(a->id, openssl_sha256(kLibs + "boot.o")); // the content's hash, not the name's
  EXPECT_EQ(m->id, openssl_sha256(kLibs + "musl.o"));
  EXPECT_EQ(b->id, a->id);                            // same bytes, another name: same library
  EXPECT_NE(m->id, a->id);
  EXPECT_EQ(b->name, "other-name"); // kept as the file names it (issue 7 item 7), never rewritten
  std::system(("rm -rf " + dir).c_str());
}

TEST(Library, RejectsBadObjects) {
  std::string dir = test::make_temp_dir();
  test::write_text(dir + "/text.o", std::string(100, 'x'));
  auto r = load_library(dir + "/text.o");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("bad magic"), std::string::npos);

  std::string musl = test::read_text(kLibs + "musl.o");
  test::write_text(dir + "/trunc.o", musl.substr(0, 40));
  r = load_library(dir + "/trunc.o");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("truncated ELF header"), std::string::npos);

  test::write_text(dir + "/cut.o", musl.substr(0, musl.size() / 2));
  r = load_library(dir + "/cut.o");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("outside the file"), std::string::npos);

  r = load_library(UK_CORPUS_DIR "/helloworld/helloworld.elf");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("is a executable, expected a relocatable object"), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

TEST(LinkerScript, PlacesEveryPartAtItsSlot) {
  std::vector<Library> libs;
  std::vector<Slot> slots;
  Registry reg = *Registry::load("/nonexistent/registry.json");
  for (const char *n : {"boot", "musl", "helloworld"}) {
    auto l = load_library(kLibs + n + ".o");
    ASSERT_TRUE(l.ok());
    auto s = reg.assign(*l);
    ASSERT_TRUE(s.ok());
    libs.push_back(*l);
    slots.push_back(*s);
  }
  // The slots themselves: page-aligned, above the app region, each part at
  // least as large as the library's part, no two slots overlapping.
  for (size_t i = 0; i < slots.size(); i++) {
    EXPECT_TRUE(page_aligned(slots[i].base));
    EXPECT_GE(slots[i].base, kSlotBase);
    for (size_t k = 0; k < kSlotParts; k++) EXPECT_GE(slots[i].size[k], libs[i].bound[k]) << libs[i].name << k;
    for (size_t j = 0; j < i; j++)
      EXPECT_TRUE(slots[i].base >= slots[j].end() || slots[j].base >= slots[i].end()) << i << " overlaps " << j;
  }
  std::string script = make_linker_script(libs, slots);
  // Every part that has sections is an output section at its slot address,
  // computed here from the slot's base and sizes (not by part_addr), with
  // each of its input sections and a size assertion against the slot.
  const char *suffix[kSlotParts] = {"text", "rodata", "data", "bss"};
  size_t load_phdrs = 0;
  for (size_t i = 0; i < libs.size(); i++) {
    uint64_t addr = slots[i].base;
    for (size_t k = 0; k < kSlotParts; k++) {
      SCOPED_TRACE(libs[i].name + "." + suffix[k]);
      if (!libs[i].sections[k].empty()) {
        char head[160];
        std::snprintf(head, sizeof head, "  .uk.%s.%s 0x%lx%s : { \"%s\"(", libs[i].name.c_str(), suffix[k],
                      static_cast<unsigned long>(addr), k == 3 ? " (NOLOAD)" : "", libs[i].path.c_str());
        size_t at = script.find(head);
        ASSERT_NE(at, std::string::npos) << head << "\n" << script.substr(0, 3000);
        std::string line = script.substr(at, script.find('\n', at) - at);
        for (const std::string &sec : libs[i].sections[k])
          EXPECT_NE(line.find(sec), std::string::npos) << sec << " missing from " << line.substr(0, 200);
        char assert_line[160];
        std::snprintf(assert_line, sizeof assert_line, "ASSERT(SIZEOF(.uk.%s.%s) <= 0x%lx,", libs[i].name.c_str(),
                      suffix[k], static_cast<unsigned long>(slots[i].size[k]));
        EXPECT_NE(script.find(assert_line), std::string::npos) << assert_line;
      }
      addr += slots[i].size[k];
    }
    load_phdrs += (libs[i].bound[0] != 0) + (libs[i].bound[1] != 0) + (libs[i].bound[2] || libs[i].bound[3]);
  }
  // musl has text, rodata, data and bss: all four placed.
  EXPECT_GT(libs[1].bound[0] * libs[1].bound[1] * libs[1].bound[2] * libs[1].bound[3], 0u);
  // One PT_LOAD per non-empty segment of each library, plus the app's.
  size_t n = 0;
  for (size_t p = script.find(" PT_LOAD "); p != std::string::npos; p = script.find(" PT_LOAD ", p + 1)) n++;
  EXPECT_EQ(n, load_phdrs + 1);
  char app_table[64];
  std::snprintf(app_table, sizeof app_table, ".uk.app 0x%lx", static_cast<unsigned long>(kAppTableAddr));
  EXPECT_NE(script.find(app_table), std::string::npos);
  EXPECT_NE(script.find("QUAD(main)"), std::string::npos);
  EXPECT_NE(script.find("ENTRY(_start)"), std::string::npos);
  EXPECT_NE(script.find("PT_TLS"), std::string::npos);
}

} // namespace
} // namespace uk
