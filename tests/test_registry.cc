// Layout registry: slots never move when apps (libraries) are added, the
// file round-trips, and a damaged registry is refused with a reason.
#include <gtest/gtest.h>

#include <cstdlib>

#include "layout.h"
#include "process_util.h"
#include "registry.h"

namespace uk {
namespace {

Library lib(const std::string &name, char id, uint64_t text, uint64_t ro, uint64_t data, uint64_t bss) {
  Library l;
  l.name = name;
  l.path = "/x/" + name + ".o";
  l.id = std::string(64, id);
  l.bound = {text, ro, data, bss};
  return l;
}

class RegistryTest : public ::testing::Test {
protected:
  void SetUp() override { dir = test::make_temp_dir(); path = dir + "/registry.json"; }
  void TearDown() override { std::system(("rm -rf " + dir).c_str()); }
  std::string load_err(const std::string &text) {
    test::write_text(path, text);
    auto r = Registry::load(path);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.error().what();
  }
  std::string dir, path;
};

TEST_F(RegistryTest, MissingFileIsEmpty) {
  auto r = Registry::load(path);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_TRUE(r->slots().empty());
  EXPECT_EQ(r->next(), kSlotBase);
}

TEST_F(RegistryTest, SlotsArePageAlignedAndDisjoint) {
  auto r = Registry::load(path);
  ASSERT_TRUE(r.ok());
  auto a = r->assign(lib("boot", 'a', 0x1000, 0x1000, 0, 0));
  auto b = r->assign(lib("musl", 'b', 0x5e000, 0x33000, 0x1000, 0x3000));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->base, kSlotBase);
  EXPECT_EQ(b->base, a->end());
  EXPECT_EQ(b->part_addr(1), b->base + 0x5e000);
  EXPECT_EQ(b->part_addr(3), b->base + 0x5e000 + 0x33000 + 0x1000);
  EXPECT_TRUE(page_aligned(b->end()));
}

TEST_F(RegistryTest, AddingAppsNeverMovesExistingLibraries) {
  {
    auto r = Registry::load(path);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->assign(lib("boot", 'a', 0x1000, 0, 0, 0)).ok());
    ASSERT_TRUE(r->assign(lib("musl", 'b', 0x2000, 0x1000, 0x1000, 0)).ok());
    ASSERT_TRUE(r->save(path).is_ok());
  }
  auto r = Registry::load(path);
  ASSERT_TRUE(r.ok()) << r.error().what();
  uint64_t boot = r->find(std::string(64, 'a'))->base, musl = r->find(std::string(64, 'b'))->base;
  // A second app: a new library first, then the existing ones (any order).
  auto z = r->assign(lib("zlib", 'c', 0x4000, 0x1000, 0, 0x1000));
  auto m = r->assign(lib("musl-renamed", 'b', 0x2000, 0x1000, 0x1000, 0));
  auto b = r->assign(lib("boot", 'a', 0x1000, 0, 0, 0));
  ASSERT_TRUE(z.ok() && m.ok() && b.ok());
  EXPECT_EQ(m->base, musl);
  EXPECT_EQ(b->base, boot);
  EXPECT_GE(z->base, r->find(std::string(64, 'b'))->end());
  EXPECT_EQ(r->slots().size(), 3u);
  ASSERT_TRUE(r->save(path).is_ok());
  auto again = Registry::load(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->find(std::string(64, 'c'))->base, z->base);
}

TEST_F(RegistryTest, FindsSlotByAddress) {
  auto r = Registry::load(path);
  auto a = r->assign(lib("boot", 'a', 0x1000, 0x1000, 0, 0));
  EXPECT_EQ(r->find_addr(a->base + 0x1800)->id, a->id);
  EXPECT_EQ(r->find_addr(a->end()), nullptr);
}

TEST_F(RegistryTest, RefusesWhenFull) {
  auto r = Registry::load(path);
  auto big = r->assign(lib("huge", 'd', kSlotLimit, 0, 0, 0));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(std::string(big.error().what()).find("registry is full"), std::string::npos);
}

std::string reg_json(const std::string &head, const std::string &slots = "") {
  return "{" + head + R"(,"slots":[)" + slots + "]}";
}
std::string slot_json(const std::string &fields) {
  return R"({"id":")" + std::string(64, 'a') + R"(","name":"x",)" + fields + "}";
}
constexpr const char *kHead = R"("format":"uk-slt-layout-registry","version":1)";
constexpr const char *kSizes = R"("text":"0x1000","rodata":"0x0","data":"0x0","bss":"0x0")";

// issue 7 item 2: a field of the wrong JSON type is an error naming the
// file, never an escaping exception; numbers out of range are not truncated.
TEST_F(RegistryTest, WrongFieldTypesAreRefusedNamingTheFile) {
  const std::string p = path + ": ";
  EXPECT_EQ(load_err(R"({"format":1,"version":1,"next":"0x1000000","slots":[]})"),
            p + "'format' must be a string");
  EXPECT_EQ(load_err(R"({"format":"uk-slt-layout-registry","version":"1","next":"0x1000000","slots":[]})"),
            p + "'version' must be an unsigned integer");
  EXPECT_EQ(load_err(R"({"format":"uk-slt-layout-registry","version":4294967297,"next":"0x1000000","slots":[]})"),
            p + "unsupported registry version 4294967297 (this build reads 1)");
  EXPECT_EQ(load_err(R"({"format":"uk-slt-layout-registry","version":-1,"next":"0x1000000","slots":[]})"),
            p + "'version' must be an unsigned integer");
  EXPECT_EQ(load_err(R"({"format":"uk-slt-layout-registry","version":1.5,"next":"0x1000000","slots":[]})"),
            p + "'version' must be an unsigned integer");
  EXPECT_EQ(load_err(std::string("{") + kHead + R"(,"next":4096,"slots":[]})"), p + "'next' must be a string");
  EXPECT_EQ(load_err(std::string("{") + kHead + R"(,"next":"0x1000000","slots":{}})"),
            p + "'slots' must be an array");
  std::string head = std::string(kHead) + R"(,"next":"0x1001000")";
  EXPECT_EQ(load_err(reg_json(head, R"({"id":7,"name":"x","base":"0x1000000",)" + std::string(kSizes) + "}")),
            p + "slot 0: 'id' must be a string");
  EXPECT_EQ(load_err(reg_json(head, R"({"id":")" + std::string(64, 'a') + R"(","name":["x"],"base":"0x1000000",)" +
                                        kSizes + "}")),
            p + "slot 0: 'name' must be a string");
  EXPECT_EQ(load_err(reg_json(head, slot_json(R"("base":16777216,)" + std::string(kSizes)))),
            p + "slot 0: 'base' must be a string");
  EXPECT_EQ(load_err(reg_json(head, slot_json(R"("base":"0x1000000","text":null,"rodata":"0x0","data":"0x0","bss":"0x0")"))),
            p + "slot 0: 'text' must be a string");
  EXPECT_EQ(load_err(reg_json(head, slot_json(R"("base":"0x1000000",)" + std::string(kSizes) + R"(,"name":"a b")"))),
            p + "slot 0: name 'a b' is not a valid library name");
  EXPECT_EQ(load_err(reg_json(head, "[1]")), p + "slot 0 is not an object");
  // Sizes whose sum wraps: one message, never a slot that wraps.
  EXPECT_EQ(load_err(reg_json(std::string(kHead) + R"(,"next":"0x1001000")",
                              slot_json(R"("base":"0x1000000","text":"0xfffffffffffff000","rodata":"0x2000","data":"0x0","bss":"0x0")"))),
            p + "slot 0 (x): base 0x1000000 + sizes overflow");
}

// issue 7 item 3: 'next' is where the next slot goes: page-aligned, in the
// slot range, not before the end of the last slot.
TEST_F(RegistryTest, NextIsValidated) {
  const std::string p = path + ": ";
  EXPECT_EQ(load_err(reg_json(std::string(kHead) + R"(,"next":"0x1000001")")),
            p + "'next' 0x1000001 is not page-aligned");
  EXPECT_EQ(load_err(reg_json(std::string(kHead) + R"(,"next":"0x400000")")),
            p + "'next' 0x400000 is outside the slot range 0x1000000..0x80000000");
  EXPECT_EQ(load_err(reg_json(std::string(kHead) + R"(,"next":"0x80001000")")),
            p + "'next' 0x80001000 is outside the slot range 0x1000000..0x80000000");
  EXPECT_EQ(load_err(reg_json(std::string(kHead) + R"(,"next":"0x1000000")",
                              slot_json(R"("base":"0x1000000",)" + std::string(kSizes)))),
            p + "'next' 0x1000000 is before the end 0x1001000 of slot x");
  // A valid one still loads, and assign() starts at 'next'.
  test::write_text(path, reg_json(std::string(kHead) + R"(,"next":"0x1003000")",
                                  slot_json(R"("base":"0x1000000",)" + std::string(kSizes))));
  auto r = Registry::load(path);
  ASSERT_TRUE(r.ok()) << r.error().what();
  EXPECT_EQ(r->assign(lib("y", 'b', 0x1000, 0, 0, 0))->base, 0x1003000u);
}

TEST_F(RegistryTest, RejectsDamagedFiles) {
  EXPECT_NE(load_err("{not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(load_err(R"({"format":"other"})").find("not a uk-slt layout registry"), std::string::npos);
  EXPECT_NE(load_err(R"({"format":"uk-slt-layout-registry","version":9})").find("unsupported registry version"),
            std::string::npos);
  std::string a(64, 'a'), b(64, 'b');
  std::string overlapping = R"({"format":"uk-slt-layout-registry","version":1,"next":"0x1004000","slots":[)"
                            R"({"id":")" + a + R"(","name":"x","base":"0x1000000","text":"0x2000","rodata":"0x0","data":"0x0","bss":"0x0"},)"
                            R"({"id":")" + b + R"(","name":"y","base":"0x1001000","text":"0x1000","rodata":"0x0","data":"0x0","bss":"0x0"}]})";
  EXPECT_NE(load_err(overlapping).find("overlaps another slot"), std::string::npos);
  std::string unaligned = R"({"format":"uk-slt-layout-registry","version":1,"next":"0x1004000","slots":[)"
                          R"({"id":")" + a + R"(","name":"x","base":"0x1000000","text":"0x1234","rodata":"0x0","data":"0x0","bss":"0x0"}]})";
  EXPECT_NE(load_err(unaligned).find("not page-aligned"), std::string::npos);
  std::string badhex = R"({"format":"uk-slt-layout-registry","version":1,"next":"12"})";
  EXPECT_NE(load_err(badhex).find("must be a hex string"), std::string::npos);
}

} // namespace
} // namespace uk
