// End to end: every corpus app gives the same output and exit status via
// uk-slt-run as its aligned ELF run directly; running apps share the very
// same read-only pool files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

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

class EveryApp : public ::testing::TestWithParam<Case> {};

TEST_P(EveryApp, LoaderMatchesDirectElf) {
  const Case &c = GetParam();
  std::vector<std::string> direct = {elf_of(c.app)}, loaded = {kLoader, "--pool", kPool, desc_of(c.app)};
  std::vector<std::string> args_a = c.args, args_b = c.args;
  std::string dir = make_temp_dir();
  for (size_t i = 0; i < c.args.size(); i++)
    if (c.args[i] == "OUT") args_a[i] = dir + "/direct.out", args_b[i] = dir + "/loaded.out";
  direct.insert(direct.end(), args_a.begin(), args_a.end());
  loaded.insert(loaded.end(), args_b.begin(), args_b.end());
  RunResult a = run(direct, c.stdin_data), b = run(loaded, c.stdin_data);
  EXPECT_EQ(a.status, c.expect_status) << a.err;
  EXPECT_EQ(b.status, a.status) << b.err;
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.err, a.err);
  if (c.app == "helloworld" || c.app == "mandelbrot") {
    EXPECT_FALSE(a.out.empty() && a.err.empty());
  }
  std::string fa = read_text(dir + "/direct.out"), fb = read_text(dir + "/loaded.out");
  EXPECT_EQ(fa, fb);
  std::system(("rm -rf " + dir).c_str());
}

std::string binary_blob() {
  std::string s;
  for (int i = 0; i < 200000; i++) s.push_back(static_cast<char>((i * 7919) & 0xff));
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, EveryApp,
    ::testing::Values(Case{"helloworld_noargs", "helloworld", {}, "", 0},
                      Case{"helloworld_args", "helloworld", {"one", "two words", "", "ünïcode"}, "", 0},
                      Case{"mandelbrot", "mandelbrot", {"96", "64", "150", "OUT"}, "", 0},
                      Case{"mandelbrot_bad_args", "mandelbrot", {"x"}, "", 2},
                      Case{"cat_text", "cat", {}, "line one\nline two\n", 0},
                      Case{"cat_binary", "cat", {}, binary_blob(), 0},
                      Case{"cat_empty", "cat", {}, "", 0}, Case{"exitcode_0", "exitcode", {"0"}, "", 0},
                      Case{"exitcode_42", "exitcode", {"42"}, "", 42},
                      Case{"exitcode_255", "exitcode", {"255"}, "", 255},
                      Case{"exitcode_bad", "exitcode", {"nope"}, "", 2}),
    [](const ::testing::TestParamInfo<Case> &p) { return p.param.name; });

TEST(Mandelbrot, WritesAValidPpm) {
  std::string dir = make_temp_dir();
  RunResult r = run({kLoader, "--pool", kPool, desc_of("mandelbrot"), "32", "16", "50", dir + "/m.ppm"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string img = read_text(dir + "/m.ppm");
  EXPECT_EQ(img.substr(0, 9), "P6\n32 16\n");
  EXPECT_EQ(img.size(), std::string("P6\n32 16\n255\n").size() + 32 * 16 * 3);
  EXPECT_NE(r.out.find("checksum "), std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

TEST(Sharing, RunningAppsMapTheSamePoolFilesReadOnly) {
  HeldProcess hello({kLoader, "--pool", kPool, desc_of("helloworld"), "held"});
  HeldProcess mandel({kLoader, "--pool", kPool, desc_of("mandelbrot"), "64", "32", "40", "/dev/null"});
  ASSERT_TRUE(hello.held());
  ASSERT_TRUE(mandel.held());
  std::map<std::string, std::string> objects; // library -> pool object, from the desc
  Desc *d = load_desc(desc_of("helloworld"));
  ASSERT_NE(d, nullptr);
  for (uint32_t i = 0; i < d->nlibs; i++) objects[d->libs[i].name] = d->libs[i].object;
  std::vector<Mapping> mh = maps_of(hello.pid()), mm = maps_of(mandel.pid());
  for (const char *lib : {"musl", "boot", "gccrt"}) {
    SCOPED_TRACE(lib);
    std::string path = kPool + "/" + objects[lib];
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    auto find = [&](const std::vector<Mapping> &ms) {
      std::set<unsigned long> inodes;
      for (const Mapping &m : ms)
        if (m.path == path) {
          inodes.insert(m.inode);
          EXPECT_EQ(m.perms[1], '-') << "pool mapping is writable: " << m.perms;
          EXPECT_EQ(m.perms[3], 's') << "pool mapping is not MAP_SHARED: " << m.perms;
        }
      return inodes;
    };
    std::set<unsigned long> a = find(mh), b = find(mm);
    EXPECT_EQ(a, std::set<unsigned long>{static_cast<unsigned long>(st.st_ino)});
    EXPECT_EQ(b, a);
  }
  // The app's own code is private to it: different objects.
  Desc *dm = load_desc(desc_of("mandelbrot"));
  ASSERT_NE(dm, nullptr);
  EXPECT_STRNE(dm->libs[dm->nlibs - 1].object, objects["helloworld"].c_str());
  // No pool file is mapped writable anywhere in either process.
  for (const auto *ms : {&mh, &mm})
    for (const Mapping &m : *ms)
      if (m.path.rfind(kPool + "/", 0) == 0) {
        EXPECT_EQ(m.perms[1], '-') << m.path;
      }
  EXPECT_EQ(hello.release(), 0);
  EXPECT_EQ(mandel.release(), 0);
}

TEST(Loader, ReleasesItsOwnWritableMemoryBeforeEntry) {
  HeldProcess p({kLoader, "--pool", kPool, desc_of("helloworld")});
  ASSERT_TRUE(p.held());
  int loader_maps = 0;
  for (const Mapping &m : maps_of(p.pid()))
    if (m.path == kLoader) {
      loader_maps++;
      EXPECT_EQ(m.perms[1], '-') << "loader mapping still writable: " << m.perms;
    }
  EXPECT_GT(loader_maps, 0); // its text stays: uk_enter runs from it
  EXPECT_EQ(p.release(), 0);
}

TEST(Sharing, EveryAppUsesTheSameMuslAndBootObjects) {
  std::set<std::string> musl, boot;
  for (const char *app : {"helloworld", "mandelbrot", "cat", "exitcode"}) {
    Desc *d = load_desc(desc_of(app));
    ASSERT_NE(d, nullptr);
    for (uint32_t i = 0; i < d->nlibs; i++) {
      if (std::string(d->libs[i].name) == "musl") musl.insert(d->libs[i].object);
      if (std::string(d->libs[i].name) == "boot") boot.insert(d->libs[i].object);
    }
  }
  EXPECT_EQ(musl.size(), 1u);
  EXPECT_EQ(boot.size(), 1u);
}

TEST(Loader, StatsLine) {
  RunResult r = run({kLoader, "--pool", kPool, "--stats", desc_of("exitcode"), "3"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("uk-slt-run: stats: load "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" us, maps "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pages shared "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("page faults minor "), std::string::npos) << r.err;
}

TEST(Loader, VerboseListsMappings) {
  RunResult r = run({kLoader, "--pool", kPool, "-v", desc_of("exitcode"), "0"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("r-x shared musl"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rw- private exitcode.img"), std::string::npos) << r.err;
}

TEST(Loader, PoolFromEnvironment) {
  RunResult r = run({"/usr/bin/env", "UK_SLT_POOL=" + kPool, kLoader, desc_of("exitcode"), "7"});
  EXPECT_EQ(r.status, 7) << r.err;
}

TEST(Loader, HelpVersionAndUsageErrors) {
  RunResult h = run({kLoader, "--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("usage: uk-slt-run"), std::string::npos);
  RunResult v = run({kLoader, "--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("uk-slt-run ", 0), 0u);
  RunResult n = run({kLoader});
  EXPECT_EQ(n.status, 127);
  EXPECT_EQ(n.err, "uk-slt-run: no description file given (usage: uk-slt-run [options] APP.desc [ARGS...])\n");
  RunResult u = run({kLoader, "--bogus", "x.desc"});
  EXPECT_EQ(u.status, 127);
  EXPECT_EQ(u.err, "uk-slt-run: unknown option '--bogus' (see --help)\n");
}

} // namespace
} // namespace uk::test
