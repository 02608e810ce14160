// verify: refuses a non-PIC library and a block with a leftover cross-block
// reference, each with its message; accepts what pack writes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "aslr_pack.h"
#include "block_map.h"
#include "verify.h"
#include <fmt/format.h>

namespace {

using namespace uk;

std::string lib(const char *n) { return std::string(UK_ASLR_TEST_DIR) + "/" + n + ".o"; }

std::string temp_dir() {
  char tmpl[] = "/tmp/uk-aslr-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(AslrVerify, RefusesNonPicLibrary) {
  std::string dir = temp_dir();
  AslrPackResult r;
  Status s = pack_aslr_app("np", {lib("tmain"), lib("nopic"), lib("tb")}, dir, dir + "/pool", &r);
  ASSERT_FALSE(s);
  EXPECT_NE(std::string(s.error().what())
                .find("nopic: text+0x2: R_X86_64_64 against tb_value: absolute address in a shared page: rebuild "
                      "position-independent (-fPIC)"),
            std::string::npos)
      << s.error().what();
  std::system(("rm -rf " + dir).c_str());
}

TEST(AslrVerify, HandMadeBlockWithLeftoverReference) {
  // call rel32 to 0x10005 (outside a one-page block), then ret.
  uint8_t block[4096] = {0xe8, 0x00, 0x00, 0x01, 0x00, 0xc3};
  auto problems = verify_shared("hand", block, sizeof block, sizeof block, 0, sizeof block, {0});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "hand+0x0: call 0x0000000000010005: reaches block offset 0x10005, outside the block [0, 0x1000)");
  // lea 0x10(%rip), %rax inside the block: fine.
  uint8_t ok[4096] = {0x48, 0x8d, 0x05, 0x10, 0x00, 0x00, 0x00, 0xc3};
  EXPECT_TRUE(verify_shared("hand", ok, sizeof ok, sizeof ok, 0, sizeof ok, {0}).empty());
}

TEST(AslrVerify, FindsAReferenceLeftInAPoolObject) {
  std::string dir = temp_dir();
  AslrPackResult r;
  ASSERT_TRUE(pack_aslr_app("rw", {lib("tmain"), lib("ta"), lib("tagot"), lib("tb")}, dir, dir + "/pool", &r));
  auto plan = plan_aslr(dir + "/rw.aslr.elf", {{"tmain", "-"}, {"ta", "-"}, {"tagot", "-"}, {"tb", "-"}});
  ASSERT_TRUE(plan);
  EXPECT_TRUE(verify_plan(*plan, {}).empty());
  // Point ta_call's call (push %rbx = 1 byte, then e8 rel32) back out of the block.
  size_t ta = 0;
  for (size_t i = 0; i < plan->blocks.size(); i++)
    if (plan->blocks[i].name == "ta") ta = i;
  ASSERT_NE(ta, 0u);
  const AslrBlock &b = plan->blocks[ta];
  uint64_t off = b.content_off + (test::elf_symbol(dir + "/rw.aslr.elf", "ta_call") - b.link_base) + 1;
  Bytes bad = b.shared;
  ASSERT_EQ(bad[off], 0xe8);
  int32_t far = 0x40000000;
  std::memcpy(&bad[off + 1], &far, 4);
  std::vector<const Bytes *> objects(plan->blocks.size(), nullptr);
  objects[ta] = &bad;
  auto problems = verify_plan(*plan, objects);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find(fmt::format("ta+0x{:x}: call ", off)), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("outside the block"), std::string::npos) << problems[0];
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
