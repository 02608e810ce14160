// Deterministic mutation tests: thousands of damaged descs and ELF files go
// through the parsers (under ASan/UBSan in CI). Each must be accepted or
// refused with a message, never crash or read out of bounds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>

#include "corpus.h"
#include "desc.h"
#include "elf_view.h"
#include "image_plan.h"
#include "library.h"
#include "process_util.h"
#include "registry.h"

namespace uk {
namespace {

std::string mutate(std::string s, std::mt19937_64 &rng) {
  switch (rng() % 5) {
  case 0: // flip bytes
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n && !s.empty(); k++)
      s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
    break;
  case 1: // truncate
    s.resize(s.empty() ? 0 : rng() % s.size());
    break;
  case 2: // overwrite with a random byte
    if (!s.empty()) s[rng() % s.size()] = static_cast<char>(rng());
    break;
  case 3: { // duplicate a slice
    if (s.empty()) break;
    size_t a = rng() % s.size(), n = rng() % 64;
    s.insert(rng() % s.size(), s.substr(a, n));
    break;
  }
  default: // set 8 bytes to an extreme value (offsets, sizes)
    if (s.size() >= 8) {
      size_t at = rng() % (s.size() - 7);
      uint64_t v = rng() % 2 ? ~0ull : (rng() % 2 ? 0x8000000000000000ull : rng());
      std::memcpy(&s[at], &v, 8);
    }
  }
  return s;
}

TEST(Mutated, DescParserNeverCrashes) {
  std::string good = test::read_text(test::desc_of("helloworld"));
  ASSERT_FALSE(good.empty());
  auto d = std::make_unique<Desc>();
  ASSERT_TRUE(parse_desc(good.data(), good.size(), "good", d.get()).is_ok());
  std::mt19937_64 rng(2026);
  int refused = 0;
  for (int i = 0; i < 20000; i++) {
    std::string m = mutate(good, rng);
    Status s = parse_desc(m.data(), m.size(), "mutated.desc", d.get());
    if (!s) {
      refused++;
      ASSERT_EQ(std::string(s.error().what()).rfind("mutated.desc", 0), 0u) << s.error().what();
    }
  }
  EXPECT_GT(refused, 10000); // most damage is caught
}

TEST(Mutated, ElfViewNeverReadsOutOfBounds) {
  const std::string elf = test::read_text(test::elf_of("exitcode"));
  ASSERT_GT(elf.size(), 16384u);
  std::string buf = elf;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; i++) {
    // Damage the headers (first page) or the section header table (last
    // pages), in place; a truncation shortens the file.
    size_t at = i % 4 == 0 ? elf.size() - 8192 : 0, len = 8192;
    std::string part = mutate(elf.substr(at, len), rng);
    size_t n = std::min(part.size(), len);
    size_t size = part.size() < len ? at + part.size() : elf.size();
    buf.replace(at, n, part, 0, n); // same length: buf keeps its size
    auto v = ElfView::parse(reinterpret_cast<const uint8_t *>(buf.data()), size, "m.elf");
    if (v) {
      for (size_t k = 0; k < v->shnum(); k++) (void)v->section_name(k);
      for (size_t k = 0; k < v->phnum(); k++) (void)v->phdr(k).p_memsz;
    }
    buf.replace(at, len, elf, at, len); // restore
    ASSERT_EQ(buf.size(), elf.size());
  }
}

TEST(Mutated, LibraryAndPlanRefuseDamagedFiles) {
  std::string dir = test::make_temp_dir();
  std::string obj = test::read_text(test::kCorpus + "/libs/exitcode.o");
  std::string elf = test::read_text(test::elf_of("exitcode"));
  auto reg = Registry::load(test::kPool + "/layout-registry.json");
  ASSERT_TRUE(reg.ok()) << reg.error().what();
  std::mt19937_64 rng(11);
  for (int i = 0; i < 300; i++) {
    test::write_text(dir + "/lib.o", mutate(obj, rng));
    auto l = load_library(dir + "/lib.o");
    if (!l) {
      EXPECT_NE(std::string(l.error().what()).find("lib.o"), std::string::npos);
    }
    test::write_text(dir + "/app.elf", mutate(elf, rng));
    auto p = plan_image(dir + "/app.elf", *reg);
    if (!p) {
      EXPECT_NE(std::string(p.error().what()).find("app.elf"), std::string::npos) << p.error().what();
    }
  }
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
} // namespace uk
