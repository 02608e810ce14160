// uk-dyn-run's $ORIGIN, DT_RUNPATH and DT_RPATH: dynorigin*.so and
// dynrpath.so are dynghost (main returns libdynghost's dynghost(), 1) linked
// with -rpath '$ORIGIN/lib' (or '${ORIGIN}/lib'); libdynghost.so is in no
// directory the loader searches by itself, so the app starts only if its
// own path list, expanded from the app's real directory, is used.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "dyn_util.h"

namespace uk::test {
namespace {

// A tree with the app behind a symlink:
//   real/APP.so, real/lib/libdynghost.so, bin/APP.so -> ../real/APP.so
struct Tree {
  std::string root = make_temp_dir();
  std::string link, real;
  explicit Tree(const std::string &app) {
    real = root + "/real/" + app + ".so";
    link = root + "/bin/" + app + ".so";
    std::string cmd = "mkdir -p " + root + "/real/lib " + root + "/bin && cp " + test_app(app) + " " + real + " && cp " +
                      UK_DYN_LINKONLY_DIR "/libdynghost.so " + root + "/real/lib/ && ln -s ../real/" + app + ".so " +
                      link;
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  ~Tree() { std::system(("rm -rf " + root).c_str()); }
};

// The path libdynghost.so was loaded from (from -v), or "?".
std::string ghost_from(const RunResult &r) {
  size_t p = r.err.find("libdynghost.so at 0x");
  if (p == std::string::npos) return "?";
  size_t b = r.err.rfind("uk-dyn-run: load ", p) + 17;
  return r.err.substr(b, p + 14 - b);
}

TEST(SearchPath, RunpathOriginIsTheAppsRealDirectoryThroughASymlink) {
  for (const char *app : {"dynorigin", "dynorigin-braces"}) {
    Tree t(app);
    RunResult r = dyn_run({"-v", t.link});
    EXPECT_EQ(r.status, 1) << app << ": " << r.err; // dynghost() ran
    EXPECT_EQ(ghost_from(r), t.root + "/real/lib/libdynghost.so") << app;
  }
}

TEST(SearchPath, WithoutItsRunpathTheSameAppIsNotFound) {
  // dynghost is the same program without DT_RUNPATH: the library is not found.
  Tree t("dynorigin");
  std::string plain = t.root + "/real/dynghost.so";
  ASSERT_EQ(std::system(("cp " + test_app("dynghost") + " " + plain).c_str()), 0);
  std::string e = expect_load_error(dyn_run({plain}));
  EXPECT_NE(e.find("libdynghost.so: library not found (needed by " + plain + "; searched "), std::string::npos) << e;
}

TEST(SearchPath, LibraryPathComesBeforeRunpathButAfterRpath) {
  // A second copy of the library in a --library-path directory.
  for (const char *app : {"dynorigin", "dynrpath"}) {
    Tree t(app);
    std::string other = t.root + "/other";
    ASSERT_EQ(std::system(("mkdir " + other + " && cp " UK_DYN_LINKONLY_DIR "/libdynghost.so " + other).c_str()), 0);
    RunResult opt = dyn_run({"-v", "-L", other, t.link});
    RunResult env = dyn_run({"-v", t.link}, "", {"UK_DYN_LIBRARY_PATH=" + other});
    EXPECT_EQ(opt.status, 1) << opt.err;
    EXPECT_EQ(env.status, 1) << env.err;
    // glibc: DT_RPATH before LD_LIBRARY_PATH, DT_RUNPATH after it.
    std::string want = std::string(app) == "dynrpath" ? t.root + "/real/lib/libdynghost.so" : other + "/libdynghost.so";
    EXPECT_EQ(ghost_from(opt), want) << app;
    EXPECT_EQ(ghost_from(env), want) << app;
  }
}

TEST(SearchPath, AppDirectoryIsResolvedThroughSymlinks) {
  // The app's own directory (searched after the environment) is the real one:
  // libdynghost.so next to the real file, the app reached through a symlink.
  Tree t("dynghost");
  ASSERT_EQ(std::system(("cp " UK_DYN_LINKONLY_DIR "/libdynghost.so " + t.root + "/real/").c_str()), 0);
  RunResult r = dyn_run({"-v", t.link});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(ghost_from(r), t.root + "/real/libdynghost.so");
}

} // namespace
} // namespace uk::test
