// Library objects (classification, size bounds, identity) and the generated
// linker script, on the real corpus objects and on bad inputs.
#include <elf.h>
#include <gtest/gtest.h>

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

TEST(Library, IdentityIsTheContentHash) {
  auto a = load_library(kLibs + "boot.o");
  std::string dir = test::make_temp_dir();
  std::system(("cp " + kLibs + "boot.o " + dir + "/other-name.o").c_str());
  auto b = load_library(dir + "/other-name.o");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_EQ(b->name, "other_name");
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
  std::string script = make_linker_script(libs, slots);
  char want[128];
  std::snprintf(want, sizeof want, ".uk.musl.text 0x%lx : {", static_cast<unsigned long>(slots[1].base));
  EXPECT_NE(script.find(want), std::string::npos) << script.substr(0, 3000);
  std::snprintf(want, sizeof want, ".uk.musl.rodata 0x%lx : {", static_cast<unsigned long>(slots[1].part_addr(1)));
  EXPECT_NE(script.find(want), std::string::npos);
  EXPECT_NE(script.find("ASSERT(SIZEOF(.uk.musl.text) <="), std::string::npos);
  EXPECT_NE(script.find(".uk.app 0x404000"), std::string::npos);
  EXPECT_NE(script.find("QUAD(main)"), std::string::npos);
  EXPECT_NE(script.find("ENTRY(_start)"), std::string::npos);
  EXPECT_NE(script.find("PT_TLS"), std::string::npos);
  // Deterministic: the same inputs give the same script.
  EXPECT_EQ(script, make_linker_script(libs, slots));
}

} // namespace
} // namespace uk
