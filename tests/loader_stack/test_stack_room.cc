// Issue 7 item 11: both loaders check that the initial stack fits before
// they copy it (a small RLIMIT_STACK, a desc map just below the stack): one
// line, exit 127, where they used to die with SIGSEGV half-way through.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"
#include "stack_room.h"

namespace uk::test {
namespace {

const std::string kDynRun = kBin + "/uk-dyn-run";

// `argv` run with RLIMIT_STACK set to `kib` KiB by the shell (setrlimit in
// the child) before exec.
RunResult run_with_stack_limit(unsigned kib, const std::vector<std::string> &argv) {
  std::vector<std::string> sh = {"/bin/sh", "-c", "ulimit -s " + std::to_string(kib) + " && exec \"$@\"", "sh"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  return run(sh);
}

// n one-letter arguments: 8n bytes of argv pointers in the initial stack.
std::vector<std::string> many_args(size_t n) { return std::vector<std::string>(n, "x"); }

void expect_stack_error(const RunResult &r, const std::string &tool, const std::string &what) {
  EXPECT_EQ(r.status, 127) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(r.err.rfind(tool + ": initial stack: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string> &tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

TEST(StackRoom, SltRunWithSmallRlimitStack) {
  auto args = many_args(4000);
  // The direct ELF fits in 64 KiB with these arguments: the loader must
  // either run it too or say why not, never crash.
  RunResult direct = run_with_stack_limit(64, with({elf_of("helloworld")}, args));
  ASSERT_EQ(direct.status, 0) << direct.err;
  RunResult r = run_with_stack_limit(64, with({kLoader, "--pool", kPool, desc_of("helloworld")}, args));
  expect_stack_error(r, "uk-slt-run", "RLIMIT_STACK (64 KiB)");
  // With room it runs.
  RunResult ok = run_with_stack_limit(256, with({kLoader, "--pool", kPool, desc_of("helloworld")}, args));
  EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST(StackRoom, DynRunWithSmallRlimitStack) {
  std::string so = kCorpus + "/helloworld/helloworld.so";
  if (access(kDynRun.c_str(), X_OK) != 0 || access(so.c_str(), R_OK) != 0)
    GTEST_SKIP() << "uk-dyn-run or helloworld.so not built in this build";
  auto args = many_args(4000);
  RunResult r = run_with_stack_limit(64, with({kDynRun, so}, args));
  expect_stack_error(r, "uk-dyn-run", "RLIMIT_STACK (64 KiB)");
  RunResult ok = run_with_stack_limit(256, with({kDynRun, so}, args));
  EXPECT_EQ(ok.status, 0) << ok.err;
}

TEST(StackRoom, SltRunWithDescMapJustBelowTheStack) {
  // Without address randomisation the stack ends at 0x7ffffffff000; with
  // 20000 arguments its mapping starts about 330 KiB lower. A read-only map
  // 1 MiB below the top leaves the stack less than the kernel's guard gap
  // to grow, and the 160 KB block does not fit in what is mapped.
  std::string dir = copy_fixture("helloworld");
  std::string desc = dir + "/helloworld.desc";
  std::string text = read_text(desc);
  size_t end = text.rfind("end\n");
  ASSERT_NE(end, std::string::npos);
  write_text(desc, text.substr(0, end) + "block extra 0x1000 0x7ffffff00000\nmap extra 0x0 0x1000 r-- image 0x0 0x0\nend\n");
  auto args = many_args(20000);
  RunResult r = run(with({"/usr/bin/setarch", "x86_64", "-R", kLoader, "--pool", dir + "/pool", desc}, args));
  expect_stack_error(r, "uk-slt-run", "the mapping ending at 0x7ffffff01000");
  // The same arguments without that map run.
  write_text(desc, text);
  RunResult ok = run(with({"/usr/bin/setarch", "x86_64", "-R", kLoader, "--pool", dir + "/pool", desc}, args));
  EXPECT_EQ(ok.status, 0) << ok.err;
  std::system(("rm -rf " + dir).c_str());
}

// The decision itself, on made-up mappings.
TEST(StackRoom, Decision) {
  StackView v;
  v.sp = 0x7fff0000f000;
  v.vma_start = 0x7fff00000000;
  v.vma_end = 0x7fff00010000;
  EXPECT_TRUE(stack_room(v, 0x8000).is_ok()); // inside the mapping
  EXPECT_TRUE(stack_room(v, 0x100000).is_ok()); // grows, nothing below, no limit
  v.rlimit = 0x20000;
  EXPECT_TRUE(stack_room(v, 0x1e000).is_ok()); // grows to exactly the limit
  Status s = stack_room(v, 0x20000);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(std::string(s.error().what()).find("RLIMIT_STACK (128 KiB) lets the stack grow only to 0x7ffeffff0000"),
            std::string::npos)
      << s.error().what();
  v.rlimit = UINT64_MAX;
  v.prev_end = 0x7ffefff00000; // accessible mapping 1 MiB below: no growth at all
  v.prev_accessible = true;
  EXPECT_TRUE(stack_room(v, 0xe000).is_ok());
  EXPECT_FALSE(stack_room(v, 0x10000).is_ok());
  v.prev_accessible = false; // PROT_NONE below: no guard gap, up to its end
  EXPECT_TRUE(stack_room(v, 0x10000 + 0xf000).is_ok());
  EXPECT_FALSE(stack_room(v, 0x10000 + 0x100000).is_ok());
  v.vma_end = 0; // no maps: the limit only
  EXPECT_FALSE(stack_room(v, v.sp + 1).is_ok());
}

} // namespace
} // namespace uk::test
