// End to end: corpus apps packed by the default build in ASLR mode give the
// output, files and exit status of the direct ELF, both under uk-slt-run
// (<app>.aslr.desc: random independent bases, the real loader) and from
// their plan with uk-aslr-exec (checks the toolchain's plan alone).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

struct Case {
  std::string name, app;
  std::vector<std::string> args;
  std::string stdin_data;
  int expect_status;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class AslrEveryApp : public ::testing::TestWithParam<Case> {};

TEST_P(AslrEveryApp, MatchesDirectElf) {
  const Case &c = GetParam();
  std::vector<std::string> direct = {elf_of(c.app)},
                           aslr = {kBin + "/uk-aslr-exec", kCorpus + "/" + c.app + "/" + c.app + ".aslr.elf"},
                           loader = {kLoader, "--pool", kPool, kCorpus + "/" + c.app + "/" + c.app + ".aslr.desc"};
  std::string dir = make_temp_dir();
  for (std::string a : c.args) {
    std::string b = a, l = a;
    if (a == "OUT") a = dir + "/direct.out", b = dir + "/aslr.out", l = dir + "/loader.out";
    direct.push_back(a);
    aslr.push_back(b);
    loader.push_back(l);
  }
  RunResult a = run(direct, c.stdin_data), b = run(aslr, c.stdin_data), l = run(loader, c.stdin_data);
  EXPECT_EQ(l.status, a.status) << l.err;
  EXPECT_EQ(l.out, a.out);
  EXPECT_EQ(l.err, a.err);
  EXPECT_EQ(read_text(dir + "/direct.out"), read_text(dir + "/loader.out"));
  EXPECT_EQ(a.status, c.expect_status) << a.err;
  EXPECT_EQ(b.status, a.status) << b.err;
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.err, a.err);
  EXPECT_FALSE(a.out.empty() && a.err.empty() && c.stdin_data.empty() && c.expect_status == 0 && c.app != "cat");
  EXPECT_EQ(read_text(dir + "/direct.out"), read_text(dir + "/aslr.out"));
  std::system(("rm -rf " + dir).c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, AslrEveryApp,
    ::testing::Values(Case{"helloworld", "helloworld", {"one", "two words"}, "", 0},
                      Case{"mandelbrot", "mandelbrot", {"96", "64", "150", "OUT"}, "", 0},
                      Case{"mandelbrot_bad_args", "mandelbrot", {"x"}, "", 2},
                      Case{"cat", "cat", {}, "line one\nline two\n", 0},
                      Case{"exitcode_42", "exitcode", {"42"}, "", 42},
                      Case{"zlib", "zlib-perf", {"-l", "1", "100000"}, "", 0},
                      Case{"lua", "lua", {"-e", "io.write(string.rep('ab', 3)) os.exit(7)"}, "", 7},
                      Case{"sqlite_shell", "sqlite-shell", {}, "create table t(x); insert into t values(5); select x*2 from t;\n", 0},
                      Case{"matrix_three_threads", "matrix-perf", {"100", "3"}, "", 0},
                      Case{"lambda_gen", "lambda-perf", {"gen", "37", "21", "OUT"}, "", 0}),
    [](const ::testing::TestParamInfo<Case> &p) { return p.param.name; });

} // namespace
} // namespace uk::test
