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

#include <cctype>
#include <cstdio>

#include "layout.h"
#include "linker_script.h"
#include "process_util.h"
#include "unikraft_profile.h"

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

// Scratch files of the tests themselves, beside the fixture's output.
std::string work_dir() {
  static std::string dir = [] {
    std::string d = std::string(UK_UNIKRAFT_TEST_DIR) + "-scratch";
    mkdir(d.c_str(), 0755);
    return d;
  }();
  return dir;
}

std::string slurp(const std::string &p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The CTest fixture "unikraft-build" (tests.cmake) ran build.sh once into
// UK_UNIKRAFT_TEST_DIR: patch series, both apps built, packed, run, report.
struct Built {
  bool ok = false;
  std::string out = UK_UNIKRAFT_TEST_DIR, log;
};

const Built &built() {
  static Built b = [] {
    Built r;
    r.log = slurp(r.out + "/build.log");
    r.ok = exists(r.out + "/build.ok");
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
  ASSERT_TRUE(b.ok) << "build.sh failed:\n" << b.log;
  EXPECT_NE(b.log.find("build.sh: helloworld: 16 libraries"), std::string::npos) << b.log;
  EXPECT_NE(b.log.find("build.sh: sltcheck: 16 libraries"), std::string::npos) << b.log;
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
  ASSERT_TRUE(b.ok) << "build.sh failed:\n" << b.log;
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
    // helloworld prints argv[0]: the ELF's path directly, the desc's via uk-slt-run
    std::string slt_out = slt.out;
    for (size_t p; (p = slt_out.find(d + ".desc")) != std::string::npos;) slt_out.replace(p, d.size() + 5, d + ".elf");
    EXPECT_EQ(slt_out, direct.out) << w.app;
  }
}

// Every library the two apps have in common: one variant, shared by both;
// the per-app libuklibidapp is the only one with two.
TEST(Unikraft, ReportSharesEveryCommonLibrary) {
  REQUIRE_UNIKRAFT();
  const Built &b = built();
  ASSERT_TRUE(b.ok) << "build.sh failed:\n" << b.log;
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
  RunResult nm = run({"/usr/bin/nm", out + "/apps/helloworld/build/libukboot.o"});
  EXPECT_NE(nm.out.find(" U uk_ctortab_start"), std::string::npos);
}

std::string compile(const std::string &name, const std::string &code) {
  std::string c = work_dir() + "/" + name + ".c", o = work_dir() + "/" + name + ".o";
  std::ofstream(c) << code;
  RunResult r = run({"/usr/bin/gcc", "-c", "-O2", "-fno-pic", "-fno-asynchronous-unwind-tables", c, "-o", o});
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
  ASSERT_TRUE(b.ok) << "build.sh failed:\n" << b.log;
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

namespace {

std::string hex_after(const std::string &text, const std::string &key) {
  size_t p = text.find(key);
  if (p == std::string::npos) return "";
  p += key.size();
  while (p < text.size() && (text[p] == ' ' || text[p] == '=' || text[p] == '\t')) p++;
  size_t e = p;
  while (e < text.size() && (std::isxdigit(static_cast<unsigned char>(text[e])) || text[e] == 'x')) e++;
  return text.substr(p, e - p);
}

// One address, three spellings: common/layout.h (kAppTableAddr), the
// corpus boot library (UK_APP_TABLE_ADDR) and the Unikraft config fragment
// (CONFIG_UK_SLT_TABLE_ADDR).
TEST(UnikraftLayout, AppTableAddressAgreesEverywhere) {
  char want[32];
  std::snprintf(want, sizeof want, "%#lx", static_cast<unsigned long>(uk::kAppTableAddr));
  EXPECT_EQ(hex_after(slurp(kSrc + "/unikernels/boot/uk_app.h"), "#define UK_APP_TABLE_ADDR"), want);
  EXPECT_EQ(hex_after(slurp(kSrc + "/unikraft-patches/slt.config"), "CONFIG_UK_SLT_TABLE_ADDR"), want);
  EXPECT_NE(slurp(kSrc + "/unikraft-patches/0001-build-add-CONFIG_UK_SLT-and-the-per-app-table-header.patch")
                .find(std::string("default ") + want),
            std::string::npos);
}

TEST(UnikraftProfile, SectionNamesWithTildeAreQuoted) {
  EXPECT_EQ(uk::quote_section(".uk_event_UKPLAT_EVENT_IRQ~"), "\".uk_event_UKPLAT_EVENT_IRQ~\"");
  EXPECT_EQ(uk::quote_section(".text.hot"), ".text.hot");
  EXPECT_EQ(uk::classify_unikraft_section(".uk_event_UKPLAT_EVENT_IRQ~~"), uk::UkSection::Table);
  EXPECT_EQ(uk::classify_unikraft_section(".uk_inittab40"), uk::UkSection::Table);
  EXPECT_EQ(uk::classify_unikraft_section(".uk_bootinfo"), uk::UkSection::Bootinfo);
  EXPECT_EQ(uk::classify_unikraft_section(".uk_fs_list"), uk::UkSection::Unknown);
  EXPECT_EQ(uk::classify_unikraft_section(".data"), uk::UkSection::Other);
}

} // namespace

namespace {

// More program headers than one page holds (4096 bytes: 72 of them after
// the ELF header): 26 libraries with text, rodata and data each, linked,
// packed and run directly and via uk-slt-run.
TEST(UnikraftLayout, ManyProgramHeadersFitTheHeaderPages) {
  std::string dir = work_dir() + "/many";
  mkdir(dir.c_str(), 0755);
  std::string libs;
  for (int i = 0; i < 26; i++) {
    std::string name = "many" + std::to_string(i);
    std::string o = compile(name, "const int ro_" + name + "[64] = {" + std::to_string(i) + "};\nint data_" + name +
                                      "[64] = {1};\nint f_" + name + "(void) { return ro_" + name + "[0] + data_" +
                                      name + "[0]; }\n");
    ASSERT_FALSE(o.empty());
    libs += (libs.empty() ? "" : ",") + o;
  }
  // exit(3) by hand: no boot library needed
  std::string entry = compile("manyentry", "int main(void) { return 0; }\n"
                                           "void _start(void) { __asm__ volatile(\"mov $60, %eax\\n\\tmov $3, %edi\\n\\t"
                                           "syscall\"); }\n");
  ASSERT_FALSE(entry.empty());
  std::string pool = dir + "/pool";
  RunResult p = run({kBin + "/uk-slt", "--pool", pool, "pack", "--no-platform", "--out-dir", dir, "many=" + entry + "," + libs});
  ASSERT_EQ(p.status, 0) << p.err;
  RunResult h = run({"/usr/bin/readelf", "-lW", dir + "/many/many.elf"});
  size_t loads = 0;
  for (size_t at = 0; (at = h.out.find("  LOAD ", at)) != std::string::npos; at++) loads++;
  EXPECT_GT(loads, 72u) << h.out;
  EXPECT_EQ(run({dir + "/many/many.elf"}).status, 3);
  EXPECT_EQ(run({kBin + "/uk-slt-run", "--pool", pool, dir + "/many/many.desc"}).status, 3);
}

} // namespace
