// Every corpus app under uk-dyn-run gives the same stdout, stderr, exit
// status and output files as its static ELF, with lazy binding (the
// default) and with every symbol bound at load (--bind-now).
#include <elf.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "dyn_util.h"
#include "elf_patch.h"

namespace uk::test {
namespace {

struct Case {
  std::string name, app;
  std::vector<std::string> args; // "OUT": an output file, compared too
  std::string stdin_data;
  int expect_status;
  bool timings = false; // the output has run times: compared with them masked
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

std::string binary_blob() {
  std::string s;
  for (int i = 0; i < 200000; i++) s.push_back(static_cast<char>((i * 7919) & 0xff));
  return s;
}

const std::vector<Case> &cases() {
  static const std::vector<Case> c = {
      {"helloworld_noargs", "helloworld", {}, "", 0},
      {"helloworld_args", "helloworld", {"one", "two words", "", "ünïcode"}, "", 0},
      {"mandelbrot", "mandelbrot", {"96", "64", "150", "OUT"}, "", 0},
      {"mandelbrot_bad_args", "mandelbrot", {"x"}, "", 2},
      {"cat_text", "cat", {}, "line one\nline two\n", 0},
      {"cat_binary", "cat", {}, binary_blob(), 0},
      {"cat_empty", "cat", {}, "", 0},
      {"exitcode_0", "exitcode", {"0"}, "", 0},
      {"exitcode_42", "exitcode", {"42"}, "", 42},
      {"exitcode_255", "exitcode", {"255"}, "", 255},
      {"exitcode_bad", "exitcode", {"nope"}, "", 2},
      {"lambda_perf_gen", "lambda-perf", {"gen", "40", "30", "OUT"}, "", 0},
      {"lambda_perf_bad_args", "lambda-perf", {}, "", 2},
      {"matrix_perf", "matrix-perf", {"48", "2"}, "", 0},
      {"zlib_perf", "zlib-perf", {"200K"}, "", 0},
      {"zlib_perf_level9", "zlib-perf", {"-l", "9", "-o", "OUT", "50K"}, "", 0},
      {"lua", "lua", {"-e", "local t = {} for i = 1, 10 do t[i] = i * i end print(table.concat(t, ','), #t)"}, "", 0},
      {"lua_error", "lua", {"-e", "error('boom')"}, "", 1},
      {"sqlite_shell", "sqlite-shell", {}, "create table t(a, b); insert into t values (1, 'x'), (2, 'y');\n"
                                           "select a * 10, upper(b) from t order by a desc;\n", 0},
      {"sqlite_speed", "sqlite-speed", {"--size", "2", "--memdb"}, "", 0, true},
      {"nginx_version", "nginx", {"-V"}, "", 0},
  };
  return c;
}

bool built(const std::string &app) {
  for (const std::string &a : split(UK_DYN_APPS, ','))
    if (a == app) return true;
  return false;
}

std::string mask_timings(const std::string &s) {
  static const std::regex t("[0-9]+\\.[0-9]+s");
  return std::regex_replace(s, t, "T");
}

class EveryApp : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(EveryApp, SameAsStaticElf) {
  const auto &[c, eager] = GetParam();
  if (!built(c.app)) GTEST_SKIP() << c.app << " is not in this build (its sources were not fetched)";
  std::string dir = make_temp_dir();
  std::vector<std::string> direct = {elf_of(c.app)}, loaded;
  if (eager) loaded.push_back("--bind-now");
  loaded.push_back(so_of(c.app));
  std::vector<std::string> a = c.args, b = c.args;
  for (size_t i = 0; i < c.args.size(); i++)
    if (c.args[i] == "OUT") a[i] = dir + "/direct.out", b[i] = dir + "/loaded.out";
  direct.insert(direct.end(), a.begin(), a.end());
  loaded.insert(loaded.end(), b.begin(), b.end());
  RunResult x = run(direct, c.stdin_data), y = dyn_run(loaded, c.stdin_data);
  // argv[0] is the file run: the ELF, or the app's .so under uk-dyn-run.
  for (std::string *s : {&y.out, &y.err})
    for (size_t p; (p = s->find(so_of(c.app))) != std::string::npos;) s->replace(p, so_of(c.app).size(), elf_of(c.app));
  EXPECT_EQ(x.status, c.expect_status) << x.err;
  EXPECT_EQ(y.status, x.status) << y.err;
  if (c.timings) {
    EXPECT_EQ(mask_timings(y.out), mask_timings(x.out));
  } else {
    EXPECT_EQ(y.out, x.out);
  }
  EXPECT_EQ(y.err, x.err);
  if (c.app == "helloworld" || c.app == "mandelbrot") {
    EXPECT_FALSE(x.out.empty() && x.err.empty()); // the comparison compares something
  }
  EXPECT_EQ(read_text(dir + "/loaded.out"), read_text(dir + "/direct.out"));
  std::system(("rm -rf " + dir).c_str());
}

INSTANTIATE_TEST_SUITE_P(Corpus, EveryApp, ::testing::Combine(::testing::ValuesIn(cases()), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<Case, bool>> &p) {
                           return std::get<0>(p.param).name + (std::get<1>(p.param) ? "_eager" : "_lazy");
                         });

// Every app of the build is covered above, and built as a PIE that needs
// the boot library and musl as shared objects.
TEST(DynamicCorpus, EveryAppIsAPieWithItsLibraries) {
  std::set<std::string> covered;
  for (const Case &c : cases()) covered.insert(c.app);
  std::vector<std::string> apps = split(UK_DYN_APPS, ',');
  ASSERT_FALSE(apps.empty());
  for (const std::string &app : apps) {
    SCOPED_TRACE(app);
    EXPECT_TRUE(covered.count(app)) << "no uk-dyn-run case for app " << app << " in test_dyn_corpus.cc";
    ElfPatch e(so_of(app));
    EXPECT_EQ(e.ehdr().e_type, ET_DYN);
    ASSERT_NE(e.dyn(DT_FLAGS_1), nullptr);
    EXPECT_TRUE(e.dyn(DT_FLAGS_1)->d_un.d_val & DF_1_PIE);
    std::set<std::string> needed;
    uint64_t strtab = e.offset_of(e.dyn_value(DT_STRTAB));
    for (int i = 0; e.dyn(DT_NEEDED, i); i++) needed.insert(&e.bytes()[strtab + e.dyn(DT_NEEDED, i)->d_un.d_val]);
    EXPECT_TRUE(needed.count("libboot.so"));
    EXPECT_TRUE(needed.count("libmusl.so"));
  }
}

// Every library in dynlib is a shared object with its SONAME.
TEST(DynamicCorpus, LibrariesHaveTheirSoname) {
  for (const char *lib : {"libmusl.so", "libboot.so", "libdyntest.so", "libdyntest2.so"}) {
    SCOPED_TRACE(lib);
    ElfPatch e(kDynLib + "/" + lib);
    EXPECT_EQ(e.ehdr().e_type, ET_DYN);
    ASSERT_NE(e.dyn(DT_SONAME), nullptr);
    uint64_t strtab = e.offset_of(e.dyn_value(DT_STRTAB));
    EXPECT_STREQ(&e.bytes()[strtab + e.dyn_value(DT_SONAME)], lib);
  }
}

} // namespace
} // namespace uk::test
