// End to end: every corpus app gives the same output and exit status via
// uk-slt-run as its aligned ELF run directly; running apps share the very
// same read-only pool files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

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
  // A case with an OUT argument writes a file both ways; compare them only
  // once both exist (two missing files are equal, and prove nothing).
  bool writes = std::find(c.args.begin(), c.args.end(), "OUT") != c.args.end();
  bool wrote_a = access((dir + "/direct.out").c_str(), F_OK) == 0, wrote_b = access((dir + "/loaded.out").c_str(), F_OK) == 0;
  if (writes && c.expect_status == 0) {
    ASSERT_TRUE(wrote_a) << "the direct run wrote no file";
    ASSERT_TRUE(wrote_b) << "the loaded run wrote no file";
    std::string fa = read_text(dir + "/direct.out"), fb = read_text(dir + "/loaded.out");
    EXPECT_FALSE(fa.empty());
    EXPECT_TRUE(fa == fb) << "output files differ (" << fa.size() << " vs " << fb.size() << " bytes)";
  } else {
    EXPECT_EQ(wrote_a, wrote_b);
  }
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

// The same source built plainly (musl-gcc -O2 -static, tests/CMakeLists.txt),
// nothing of the toolchain involved: its pixels and its stdout are the
// reference, byte for byte, for the direct ELF and the loaded unikernel.
TEST(Mandelbrot, PixelsMatchAnIndependentBuild) {
  std::string dir = make_temp_dir();
  const std::vector<std::string> args = {"120", "80", "200"};
  auto with_out = [&](std::vector<std::string> cmd, const std::string &out) {
    cmd.insert(cmd.end(), args.begin(), args.end());
    cmd.push_back(dir + "/" + out);
    return run(cmd);
  };
  RunResult ref = with_out({UK_MANDELBROT_REF}, "ref.ppm");
  RunResult direct = with_out({elf_of("mandelbrot")}, "direct.ppm");
  RunResult loaded = with_out({kLoader, "--pool", kPool, desc_of("mandelbrot")}, "loaded.ppm");
  ASSERT_EQ(ref.status, 0) << ref.err;
  ASSERT_EQ(direct.status, 0) << direct.err;
  ASSERT_EQ(loaded.status, 0) << loaded.err;
  std::string want = read_text(dir + "/ref.ppm");
  const size_t header = std::string("P6\n120 80\n255\n").size();
  ASSERT_EQ(want.size(), header + 120 * 80 * 3);
  EXPECT_GT(std::set<char>(want.begin() + static_cast<long>(header), want.end()).size(), 8u)
      << "a flat image proves little";
  EXPECT_TRUE(read_text(dir + "/direct.ppm") == want) << "direct ELF's pixels differ from the reference build";
  EXPECT_TRUE(read_text(dir + "/loaded.ppm") == want) << "uk-slt-run's pixels differ from the reference build";
  EXPECT_EQ(direct.out, ref.out);
  EXPECT_EQ(loaded.out, ref.out);
  std::system(("rm -rf " + dir).c_str());
}

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

// "dev" field of /proc/PID/maps for a file on st_dev.
std::string maps_dev(dev_t d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02x:%02x", major(d), minor(d));
  return buf;
}

// For every pool map of `app`'s desc: the mapping the kernel has at exactly
// that address (found by address, not by name) is the pool object's file
// (device and inode from stat of the object), read-only, MAP_SHARED.
// Returns library -> inode seen.
std::map<std::string, unsigned long> pool_mappings(pid_t pid, const std::string &app) {
  std::map<std::string, unsigned long> seen;
  Desc *d = load_desc(desc_of(app));
  if (!d) return seen;
  std::vector<Mapping> ms = maps_of(pid);
  size_t pool_maps = 0;
  for (uint32_t i = 0; i < d->nmaps; i++) {
    const DescMap &dm = d->maps[i];
    if (dm.source != MapSource::Pool) continue;
    pool_maps++;
    const DescLib &lib = d->libs[dm.lib];
    std::string path = kPool + "/" + lib.object;
    struct stat st;
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    auto it = std::find_if(ms.begin(), ms.end(), [&](const Mapping &m) { return m.start == d->map_addr(dm); });
    if (it == ms.end()) {
      ADD_FAILURE() << app << ": nothing mapped at 0x" << std::hex << d->map_addr(dm) << " (" << lib.name << ")";
      continue;
    }
    EXPECT_EQ(it->end - it->start, dm.size) << lib.name;
    EXPECT_EQ(it->path, path) << lib.name;
    EXPECT_EQ(it->inode, static_cast<unsigned long>(st.st_ino)) << lib.name;
    EXPECT_EQ(it->dev, maps_dev(st.st_dev)) << lib.name;
    EXPECT_EQ(it->perms[1], '-') << "pool mapping is writable: " << it->perms;
    EXPECT_EQ(it->perms[3], 's') << "pool mapping is not MAP_SHARED: " << it->perms;
    if (seen.count(lib.name)) {
      EXPECT_EQ(seen[lib.name], it->inode) << lib.name << " mapped from two files";
    }
    seen[lib.name] = it->inode;
  }
  EXPECT_GE(pool_maps, 3u) << app << ": its desc has too few pool maps";
  return seen;
}

TEST(Sharing, RunningAppsMapTheSamePoolFilesReadOnly) {
  HeldProcess hello({kLoader, "--pool", kPool, desc_of("helloworld"), "held"});
  HeldProcess mandel({kLoader, "--pool", kPool, desc_of("mandelbrot"), "64", "32", "40", "/dev/null"});
  ASSERT_TRUE(hello.held());
  ASSERT_TRUE(mandel.held());
  std::map<std::string, unsigned long> h = pool_mappings(hello.pid(), "helloworld");
  std::map<std::string, unsigned long> m = pool_mappings(mandel.pid(), "mandelbrot");
  for (const char *lib : {"musl", "boot", "gccrt"}) {
    SCOPED_TRACE(lib);
    ASSERT_TRUE(h.count(lib)) << "helloworld maps no " << lib;
    ASSERT_TRUE(m.count(lib)) << "mandelbrot maps no " << lib;
    EXPECT_EQ(h[lib], m[lib]) << "the two apps map different files";
  }
  // The app's own code is private to it: different objects.
  ASSERT_TRUE(h.count("helloworld") && m.count("mandelbrot"));
  EXPECT_NE(h["helloworld"], m["mandelbrot"]);
  // No pool file is mapped writable anywhere in either process.
  size_t pool_files = 0;
  for (pid_t pid : {hello.pid(), mandel.pid()})
    for (const Mapping &mp : maps_of(pid))
      if (mp.path.rfind(kPool + "/", 0) == 0) {
        pool_files++;
        EXPECT_EQ(mp.perms[1], '-') << mp.path;
      }
  EXPECT_GE(pool_files, 6u);
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
    size_t found = 0;
    for (uint32_t i = 0; i < d->nlibs; i++) {
      if (std::string(d->libs[i].name) == "musl") musl.insert(d->libs[i].object), found++;
      if (std::string(d->libs[i].name) == "boot") boot.insert(d->libs[i].object), found++;
    }
    EXPECT_EQ(found, 2u) << app << " lacks musl or boot";
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
  EXPECT_EQ(n.status, 125); // usage error (README "Command-line conventions")
  EXPECT_EQ(n.err, "uk-slt-run: no description file given (usage: uk-slt-run [options] APP.desc [ARGS...])\n");
  RunResult u = run({kLoader, "--bogus", "x.desc"});
  EXPECT_EQ(u.status, 125);
  EXPECT_EQ(u.err, "uk-slt-run: unknown option '--bogus' (see --help)\n");
}

} // namespace
} // namespace uk::test
