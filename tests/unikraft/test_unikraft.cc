// Real Unikraft unikernels through uk-slt: the tests build both apps once
// with unikraft-patches/build.sh (patch series, linuxu build, pack into one
// pool) and check what the build left.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "process_util.h"

namespace {

using uk::test::run;
using uk::test::RunResult;

const std::string kBin = UK_BIN_DIR;
const std::string kSrc = UK_SOURCE_DIR;

bool exists(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// The Unikraft tarball: $UK_UNIKRAFT_DIR (a tree or tarball), else
// ../shared/unikraft beside the repository (or beside its worktree folder).
std::string unikraft_src() {
  const char *env = std::getenv("UK_UNIKRAFT_DIR");
  if (env && *env) return exists(env) ? env : "";
  for (const char *up : {"/../shared/unikraft", "/../../shared/unikraft"}) {
    std::string t = kSrc + up + "/unikraft-RELEASE-0.16.3.tar.xz";
    if (exists(t)) return t;
  }
  return "";
}
std::string shared_dir() { return unikraft_src().empty() ? "" : unikraft_src().substr(0, unikraft_src().rfind('/')); }

std::string work_dir() {
  static std::string dir = [] {
    char tmpl[] = "/tmp/uk-unikraft-tests-XXXXXX";
    return std::string(mkdtemp(tmpl) ? tmpl : "/tmp");
  }();
  return dir;
}

std::string slurp(const std::string &p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Built {
  RunResult build; // build.sh: patch, build both, pack, run, report
  std::string out;
};

const Built &built() {
  static Built b = [] {
    Built r;
    r.out = work_dir() + "/slt";
    std::vector<std::string> argv = {kSrc + "/unikraft-patches/build.sh", "--unikraft", unikraft_src(),
                                     "--bin", kBin, "--out", r.out};
    std::string hello = shared_dir() + "/app-helloworld-1add85d.tar.xz";
    argv.insert(argv.end(), {"--app", "helloworld=" + hello, "--app",
                             "sltcheck=" + kSrc + "/unikraft-patches/tests/app-sltcheck"});
    r.build = run(argv);
    return r;
  }();
  return b;
}

#define REQUIRE_UNIKRAFT()                                                                                   \
  do {                                                                                                       \
    if (unikraft_src().empty())                                                                              \
      GTEST_SKIP() << "no Unikraft 0.16.3 tarball (../shared/unikraft beside the repo or $UK_UNIKRAFT_DIR)"; \
  } while (0)

TEST(Unikraft, PatchSeriesAppliesAndBothAppsBuildAndPack) {
  REQUIRE_UNIKRAFT();
  const Built &b = built();
  ASSERT_EQ(b.build.status, 0) << b.build.out << b.build.err;
  for (const char *app : {"helloworld", "sltcheck"}) {
    EXPECT_TRUE(exists(b.out + "/packed/" + app + "/" + app + ".desc")) << app;
    EXPECT_TRUE(exists(b.out + "/packed/" + app + "/" + app + ".elf")) << app;
  }
}

// Direct ELF and uk-slt-run: same stdout, same exit status; sltcheck's
// constructor and inittab entry ran and main's 7 is the exit status.
TEST(Unikraft, EachAppRunsDirectlyAndViaUkSltRunAlike) {
  REQUIRE_UNIKRAFT();
  const Built &b = built();
  ASSERT_EQ(b.build.status, 0) << b.build.err;
  struct Want {
    const char *app;
    int status;
    const char *text;
  };
  for (const Want &w : {Want{"helloworld", 0, "Hello world!\n"},
                        Want{"sltcheck", 7, "sltcheck: constructor ran, inittab ran, 2 argument(s)\n"}}) {
    std::string d = b.out + "/packed/" + w.app + "/" + w.app;
    RunResult direct = run({d + ".elf", "a", "b c"});
    RunResult slt = run({kBin + "/uk-slt-run", "--pool", b.out + "/pool", d + ".desc", "a", "b c"});
    EXPECT_EQ(direct.status, w.status) << w.app << ": " << direct.err;
    EXPECT_EQ(slt.status, w.status) << w.app << ": " << slt.err;
    EXPECT_NE(direct.out.find(w.text), std::string::npos) << w.app << ": " << direct.out;
    EXPECT_EQ(slt.out, direct.out) << w.app;
  }
}

// Every library the two apps have in common: one variant, shared by both;
// the per-app libuklibidapp is the only one with two.
TEST(Unikraft, ReportSharesEveryCommonLibrary) {
  REQUIRE_UNIKRAFT();
  const Built &b = built();
  ASSERT_EQ(b.build.status, 0) << b.build.err;
  RunResult r = run({kBin + "/uk-slt", "--pool", b.out + "/pool", "report",
                     b.out + "/packed/helloworld/helloworld.desc", b.out + "/packed/sltcheck/sltcheck.desc"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream in(r.out);
  std::string line;
  int common = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string lib;
    int apps = 0, variants = 0, pages = 0, all = 0;
    if (!(f >> lib >> apps >> variants >> pages >> all) || lib == "library") continue;
    if (apps != 2) continue;
    if (lib == "libuklibidapp") {
      EXPECT_EQ(variants, 2) << line;
      continue;
    }
    common++;
    EXPECT_EQ(variants, 1) << line;
    EXPECT_EQ(all, pages) << line;
  }
  EXPECT_GE(common, 12) << r.out; // libukboot, libuksched, liblinuxuplat, libuklibid among them
  EXPECT_NE(r.out.find("libukboot "), std::string::npos);
  EXPECT_NE(r.out.find("liblinuxuplat "), std::string::npos);
}

// Patches applied, CONFIG_UK_SLT off: Unikraft's own image behaves as stock
// (refuses a non-terminal stdin).
TEST(Unikraft, OptionOffKeepsStockBehaviour) {
  REQUIRE_UNIKRAFT();
  std::string out = work_dir() + "/off";
  RunResult b = run({kSrc + "/unikraft-patches/build.sh", "--unikraft", unikraft_src(), "--out", out,
                     "--option-off", "--app", "helloworld=" + shared_dir() + "/app-helloworld-1add85d.tar.xz"});
  ASSERT_EQ(b.status, 0) << b.out << b.err;
  RunResult r = run({out + "/apps/helloworld/build/helloworld_linuxu-x86_64"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE((r.out + r.err).find("Failed to initialize terminal console"), std::string::npos) << r.out << r.err;
  // the option-off objects reference the stock link-time symbols
  RunResult nm = run({"nm", out + "/apps/helloworld/build/libukboot.o"});
  EXPECT_NE(nm.out.find(" U uk_ctortab_start"), std::string::npos);
}

std::string compile(const std::string &name, const std::string &code) {
  std::string c = work_dir() + "/" + name + ".c", o = work_dir() + "/" + name + ".o";
  std::ofstream(c) << code;
  RunResult r = run({"gcc", "-c", "-O2", "-fno-pic", "-fno-asynchronous-unwind-tables", c, "-o", o});
  return r.status == 0 ? o : "";
}

// Bad input: a .uk_* section the profile does not know.
TEST(Unikraft, UnknownTableSectionIsRefused) {
  std::string o = compile("mystery", "__attribute__((section(\".uk_mystery\"), used)) static const int t = 1;\n"
                                     "int main(void) { return 0; }\n");
  ASSERT_FALSE(o.empty());
  RunResult r = run({kBin + "/uk-slt", "--pool", work_dir() + "/bad-pool", "--profile", "unikraft", "align", "-o",
                     work_dir() + "/mystery.elf", o});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("mystery.o: unknown Unikraft table section '.uk_mystery'"), std::string::npos) << r.err;
}

// Bad input: objects without the platform's .uk_bootinfo.
TEST(Unikraft, MissingBootinfoSectionIsRefused) {
  REQUIRE_UNIKRAFT();
  const Built &b = built();
  ASSERT_EQ(b.build.status, 0) << b.build.err;
  std::string o = compile("nobootinfo", "const int uk_libid_map = 0;\nvoid _liblinuxuplat_start(void) {}\n"
                                        "int main(void) { return 0; }\n");
  ASSERT_FALSE(o.empty());
  RunResult r = run({kBin + "/uk-slt", "--pool", work_dir() + "/bad-pool", "--profile", "unikraft",
                     "--unikraft-tree", b.out + "/src/unikraft", "align", "-o", work_dir() + "/nobootinfo.elf", o});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no .uk_bootinfo section"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(work_dir() + "/nobootinfo.elf"));
}

} // namespace
