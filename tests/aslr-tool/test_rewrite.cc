// The rewriter class by class: lib_a.S's functions run natively (linked into
// this test) and rewritten (ASLR blocks mapped twice, at two bases chosen by
// the kernel) must return the same values for the same arguments.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "aslr_pack.h"
#include "block_map.h"

extern "C" {
int ta_call(int), ta_tail(int), ta_jcc(int), ta_lea(int), ta_load(int), ta_store(int), ta_alu(int);
int ta_cmp_imm(int), ta_store_imm(int), ta_sse(int), ta_avx(int), ta_prefix(int), ta_lock(int);
int ta_got_load(int), ta_got_call(int), ta_local(int), ta_addr32_call(int);
}

namespace {

using namespace uk;
using Fn = int (*)(int);

struct Case {
  const char *name;
  Fn native;
};

const Case kCases[] = {
    {"ta_call", ta_call},         {"ta_tail", ta_tail},           {"ta_jcc", ta_jcc},
    {"ta_lea", ta_lea},           {"ta_load", ta_load},           {"ta_store", ta_store},
    {"ta_alu", ta_alu},           {"ta_cmp_imm", ta_cmp_imm},     {"ta_store_imm", ta_store_imm},
    {"ta_sse", ta_sse},           {"ta_avx", ta_avx},             {"ta_prefix", ta_prefix},
    {"ta_lock", ta_lock},         {"ta_got_load", ta_got_load},   {"ta_got_call", ta_got_call},
    {"ta_local", ta_local},       {"ta_addr32_call", ta_addr32_call},
};

std::string lib(const char *n) { return std::string(UK_ASLR_TEST_DIR) + "/" + n + ".o"; }

struct Packed {
  std::string dir;
  AslrPackResult res;
  std::unique_ptr<Result<AslrPlan>> plan;
};

Packed pack_test_app() {
  Packed p;
  char tmpl[] = "/tmp/uk-aslr-test-XXXXXX";
  p.dir = mkdtemp(tmpl);
  Status s = pack_aslr_app("rw", {lib("tmain"), lib("ta"), lib("tagot"), lib("tb")}, p.dir, p.dir + "/pool", &p.res);
  EXPECT_TRUE(s) << (s ? "" : s.error().what());
  std::vector<std::pair<std::string, std::string>> ids;
  p.plan = std::make_unique<Result<AslrPlan>>(plan_aslr(p.dir + "/rw.aslr.elf", {{"tmain", "-"}, {"ta", "-"}, {"tagot", "-"}, {"tb", "-"}}));
  return p;
}

TEST(AslrRewrite, EveryClassSameResultAtTwoBases) {
  Packed p = pack_test_app();
  ASSERT_TRUE(*p.plan) << p.plan->error().what();
  const AslrPlan &plan = p.plan->value();
  auto m1 = test::MappedPlan::map(plan);
  ASSERT_TRUE(m1) << m1.error().what();
  auto m2 = test::MappedPlan::map(plan);
  ASSERT_TRUE(m2) << m2.error().what();
  for (size_t b = 0; b < plan.blocks.size(); b++) EXPECT_NE(m1->base(b), m2->base(b));
  bool avx = __builtin_cpu_supports("avx");
  for (const Case &c : kCases) {
    if (std::string(c.name) == "ta_avx" && !avx) continue;
    uint64_t link = test::elf_symbol(p.dir + "/rw.aslr.elf", c.name);
    ASSERT_NE(link, 0u) << c.name;
    Fn f1 = reinterpret_cast<Fn>(test::runtime_address(plan, *m1, link));
    Fn f2 = reinterpret_cast<Fn>(test::runtime_address(plan, *m2, link));
    ASSERT_TRUE(f1 && f2) << c.name;
    for (int arg : {0, 1, 41, -7}) {
      int want = c.native(arg);
      EXPECT_EQ(f1(arg), want) << c.name << "(" << arg << ") at the first base";
      EXPECT_EQ(f2(arg), want) << c.name << "(" << arg << ") at the second base";
    }
  }
  std::system(("rm -rf " + p.dir).c_str());
}

TEST(AslrRewrite, CountsEachClass) {
  Packed p = pack_test_app();
  ASSERT_TRUE(*p.plan) << p.plan->error().what();
  const RewriteStats &st = p.res.stats;
  auto n = [&](RewriteClass c) { return st.n[static_cast<size_t>(c)]; };
  EXPECT_EQ(n(RewriteClass::kCall), 2u);    // ta_call, ta_addr32_call
  EXPECT_EQ(n(RewriteClass::kJmp), 1u);     // ta_tail
  EXPECT_EQ(n(RewriteClass::kJcc), 1u);     // ta_jcc
  EXPECT_EQ(n(RewriteClass::kLea), 3u);     // ta_lea, ta_store, ta_got_load (ld relaxes its GOT mov to lea)
  EXPECT_EQ(n(RewriteClass::kGotRead), 1u); // ta_got_call (call *GOT stays a GOT read)
  EXPECT_EQ(n(RewriteClass::kStub), 12u);   // load, store, alu, cmp imm, store imm x2, sse, avx, prefix, lock x3
  EXPECT_EQ(st.in_block, 2u);               // ta_local's two references to its data (the call has no relocation)
  EXPECT_EQ(p.res.pc32, 12u);
  std::system(("rm -rf " + p.dir).c_str());
}

TEST(AslrRewrite, SharedBytesDoNotDependOnTheApp) {
  // The same library linked in two apps with a different neighbour before it
  // (so at another link address) gives the same pool object.
  char tmpl[] = "/tmp/uk-aslr-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  AslrPackResult r;
  ASSERT_TRUE(pack_aslr_app("one", {lib("tmain"), lib("ta"), lib("tagot"), lib("tb")}, dir + "/one", dir + "/pool", &r));
  ASSERT_TRUE(pack_aslr_app("two", {lib("tmain"), lib("tb"), lib("tagot"), lib("ta")}, dir + "/two", dir + "/pool", &r));
  auto a = plan_aslr(dir + "/one/one.aslr.elf", {{"tmain", "-"}, {"ta", "-"}, {"tagot", "-"}, {"tb", "-"}});
  auto b = plan_aslr(dir + "/two/two.aslr.elf", {{"tmain", "-"}, {"ta", "-"}, {"tagot", "-"}, {"tb", "-"}});
  ASSERT_TRUE(a && b);
  for (const AslrBlock &x : a->blocks)
    for (const AslrBlock &y : b->blocks)
      if (x.name == y.name && x.name != ".app") {
        if (x.name == "ta") {
          EXPECT_NE(x.link_base, y.link_base);
        }
        EXPECT_EQ(x.object, y.object) << x.name;
      }
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
