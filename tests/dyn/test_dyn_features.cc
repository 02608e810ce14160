// uk-dyn-run features on the test corpus (unikernels/dynamic/testcorpus):
// TLS, interposition, weak symbols, copy relocations, ifuncs, argument
// registers across lazy binding, threads, RELRO, init/fini order, link
// variants, the search path, missing libraries and symbols, sharing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <set>

#include "dyn_util.h"

namespace uk::test {
namespace {

const std::string kDyntest = test_app("dyntest");

// Binding modes every feature test runs in.
const std::vector<std::vector<std::string>> kModes = {{}, {"--bind-now"}, {"--debug-clobber-registers"}};

std::string dyntest(const std::string &what, const std::vector<std::string> &opts = {},
                    const std::vector<std::string> &env = {}, int *status = nullptr) {
  std::vector<std::string> args = opts;
  args.push_back(kDyntest);
  args.push_back(what);
  RunResult r = dyn_run(args, "", env);
  if (status) *status = r.status;
  else EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return r.out;
}

TEST(Tls, AppAndLibrariesReadAndWriteEachOthersVariables) {
  const std::string expected =
      "lib tls 7\n"
      "lib tls set by app, lib reads 8\n"
      "lib tls set by lib, app reads 9\n"
      "lib tbss ''\n"
      "lib tbss after lib write 'written by lib'\n"
      "lib tbss after app write 'written by app'\n"
      "lib initial-exec 101 102\n"
      "app tls read by lib 1000\n"
      "app tls set by lib, app reads 1001\n"
      "app tls set by app, lib reads 1002\n"
      "app local tls 6\n"
      "lib2 tls 22 22\n"
      "aligned 'aligned' aligned, same address from app and lib: yes\n";
  for (const auto &m : kModes) EXPECT_EQ(dyntest("tls", m), expected);
}

TEST(Tls, NewThreadsGetEveryModulesInitialValues) {
  EXPECT_EQ(dyntest("threads"), "thread sees lib tls 7, lib2 tls 22, app tls 1000, tbss ''\n"
                                "main keeps lib tls 55, app tls 56\n");
}

TEST(Tls, VerboseShowsOneBlockWithTheAppNearestTheThreadPointer) {
  RunResult r = dyn_run({"-v", "--dry-run", kDyntest});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("uk-dyn-run: TLS: block 0x"), std::string::npos) << r.err;
  // The app (app_tls, app_local_tls: 8 bytes) right below the thread
  // pointer, where the linker's local-exec offsets put it; each library below.
  EXPECT_NE(r.err.find("dyntest.so: tp-0x8, 0x8 bytes (0x8 initialised), alignment 0x4\n"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("libdyntest2.so: tp-0x20, 0x4 bytes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("libdyntest.so: tp-0x100, 0xb0 bytes"), std::string::npos) << r.err;
}

TEST(Symbols, TheAppInterposesLibraryFunctionsAndEarlierLibrariesLaterOnes) {
  for (const auto &m : kModes) EXPECT_EQ(dyntest("interpose", m), "greeting from app via libdyntest2\n");
}

TEST(Symbols, FirstDefinitionWinsEvenWeakAndUndefinedWeakIsZero) {
  for (const auto &m : kModes)
    EXPECT_EQ(dyntest("weak", m), "first definition wins: 1\nweak references: 5\n"); // 5: present, 0: nowhere
}

TEST(Relocations, CopyRelocationsAndTheirAliases) {
  const std::string expected = "counter 41\n"
                               "bumped by lib 42, app sees 42\n"
                               "banner 'banner from libdyntest', one copy: yes\n"
                               "environ and getenv agree: yes (from the test)\n"
                               "stdout copied\n";
  for (const auto &m : kModes) EXPECT_EQ(dyntest("copy", m, {"DYNTEST_VAR=from the test"}), expected);
}

TEST(Relocations, IfuncsExportedAndLocal) {
  for (const auto &m : kModes) EXPECT_EQ(dyntest("ifunc", m), "twice(21) 42, thrice(5) 15\nthrough a pointer 8\n");
}

// The resolver scrambles every scratch register (--debug-clobber-registers)
// before returning: the results stay right only if the trampoline saved
// and restored them all (integer and vector argument registers, %rax).
TEST(LazyBinding, PreservesEveryArgumentRegister) {
  for (const auto &m : std::vector<std::vector<std::string>>{{}, {"--debug-clobber-registers"},
                                                             {"--debug-clobber-registers", "--lazy-xsave"},
                                                             {"--bind-now"}})
    EXPECT_EQ(dyntest("regs", m), "mix 590.00 va 3.00\n");
}

TEST(LazyBinding, StatsShowSlotsLeftAndBoundAtTheFirstCall) {
  RunResult lazy = dyn_run({"--stats", so_of("helloworld")});
  ASSERT_EQ(lazy.status, 0) << lazy.err;
  EXPECT_NE(lazy.err.find("binding lazy"), std::string::npos) << lazy.err;
  EXPECT_EQ(lazy.err.find("R_X86_64_JUMP_SLOT left for the first call 0\n"), std::string::npos) << lazy.err;
  EXPECT_EQ(lazy.err.find("symbols resolved lazily 0,"), std::string::npos) << lazy.err;
  RunResult eager = dyn_run({"--stats", "--bind-now", so_of("helloworld")});
  ASSERT_EQ(eager.status, 0) << eager.err;
  EXPECT_NE(eager.err.find("binding now"), std::string::npos) << eager.err;
  EXPECT_NE(eager.err.find("R_X86_64_JUMP_SLOT left for the first call 0\n"), std::string::npos) << eager.err;
  EXPECT_NE(eager.err.find("symbols resolved lazily 0,"), std::string::npos) << eager.err;
  RunResult env = dyn_run({"--stats", so_of("helloworld")}, "", {"LD_BIND_NOW=1"});
  EXPECT_NE(env.err.find("binding now"), std::string::npos) << env.err;
}

TEST(Relro, RelocatedConstantsAreReadOnlyUnlessLinkedWithoutRelro) {
  EXPECT_EQ(dyntest("relro"), "relro pointer 'relro'\nrelro: read-only\n");
  EXPECT_EQ(dyntest("relro", {"--bind-now"}), "relro pointer 'relro'\nrelro: read-only\n");
  for (const char *v : {"now", "relr", "gnuhash", "sysvhash"})
    EXPECT_EQ(dyntest("relro", {"-L", kDynLib + "/variants/" + v}), "relro pointer 'relro'\nrelro: read-only\n") << v;
  for (const char *v : {"norelro", "now-norelro"})
    EXPECT_EQ(dyntest("relro", {"-L", kDynLib + "/variants/" + v}), "relro pointer 'relro'\nrelro: writable\n") << v;
}

TEST(InitFini, DependenciesFirstFinalisersInReverse) {
  RunResult r = dyn_run({kDyntest, "ifunc"}, "", {"DYNTEST_TRACE=1"});
  ASSERT_EQ(r.status, 0) << r.err;
  // libdyntest2 is loaded before libdyntest (the app lists it first) but
  // needs it: libdyntest is initialised first. DT_INIT before the init
  // array, DT_FINI after the fini array; the app's preinit array first.
  EXPECT_EQ(r.err, "preinit app\n"
                   "init libdyntest\n"
                   "DT_INIT libdyntest2\n"
                   "init libdyntest2\n"
                   "init app\n"
                   "fini app\n"
                   "fini libdyntest2\n"
                   "DT_FINI libdyntest2\n"
                   "fini libdyntest\n");
}

TEST(InitFini, VerboseOrderHasEveryDependencyBeforeItsUser) {
  RunResult r = dyn_run({"-v", "--dry-run", kDyntest});
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, size_t> at;
  for (const char *o : {"libmusl.so", "libboot.so", "libdyntest.so", "libdyntest2.so", "dyntest.so"}) {
    size_t p = r.err.find(std::string("/") + o + " (DT_INIT");
    ASSERT_NE(p, std::string::npos) << o << "\n" << r.err;
    at[o] = p;
  }
  EXPECT_LT(at["libmusl.so"], at["libboot.so"]);
  EXPECT_LT(at["libmusl.so"], at["libdyntest.so"]);
  EXPECT_LT(at["libdyntest.so"], at["libdyntest2.so"]);
  EXPECT_LT(at["libdyntest2.so"], at["dyntest.so"]);
  EXPECT_LT(at["libboot.so"], at["dyntest.so"]);
}

// Every link variant of helloworld, with its own boot and musl libraries,
// runs as the static ELF does; so does the test app over every variant of
// its libraries.
TEST(Variants, RelroLazyNowRelrAndEachHashTable) {
  RunResult ref = run({elf_of("helloworld"), "a", "b"});
  ASSERT_EQ(ref.status, 0);
  std::map<std::string, std::string> binding = {{"norelro", "binding lazy"},
                                                {"now", "binding now (objects linked -z now)"},
                                                {"now-norelro", "binding now (objects linked -z now)"},
                                                {"relr", "binding lazy"},
                                                {"gnuhash", "binding lazy"},
                                                {"sysvhash", "binding lazy"}};
  for (const auto &[v, mode] : binding) {
    SCOPED_TRACE(v);
    std::string dir = kDynLib + "/variants/" + v, app = kCorpus + "/helloworld/helloworld-" + v + ".so";
    RunResult r = dyn_run({"--stats", "-L", dir, app, "a", "b"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, ref.out);
    EXPECT_NE(r.err.find(mode), std::string::npos) << r.err;
    if (v == "relr") {
      EXPECT_NE(r.err.find("DT_RELR "), std::string::npos) << r.err;
    }
    RunResult e = dyn_run({"--bind-now", "-L", dir, app, "a", "b"});
    EXPECT_EQ(e.status, 0) << e.err;
    EXPECT_EQ(e.out, ref.out);
    for (const char *t : {"tls", "copy", "ifunc", "weak", "interpose"}) {
      int st = 0;
      std::string lazy_out = dyntest(t, {"-L", dir}, {"DYNTEST_VAR=x"}, &st);
      EXPECT_EQ(st, 0) << t;
      EXPECT_EQ(lazy_out, dyntest(t, {}, {"DYNTEST_VAR=x"})) << t;
    }
  }
}

TEST(SearchPath, LibraryPathOptionEnvironmentAppDirectoryDefault) {
  const std::string sysv = kDynLib + "/variants/sysvhash", gnu = kDynLib + "/variants/gnuhash";
  auto musl_from = [](const RunResult &r) {
    size_t p = r.err.find("libmusl.so at 0x");
    if (p == std::string::npos) return std::string("?");
    size_t b = r.err.rfind("uk-dyn-run: load ", p);
    return r.err.substr(b + 17, p + 10 - (b + 17));
  };
  std::string app = so_of("helloworld");
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", app})), kDynLib + "/libmusl.so");
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", "--library-path", sysv, app})), sysv + "/libmusl.so");
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", "-L" + sysv, app})), sysv + "/libmusl.so");
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", app}, "", {"UK_DYN_LIBRARY_PATH=/nonexistent:" + gnu})),
            gnu + "/libmusl.so");
  // --library-path before the environment.
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", "-L", sysv, app}, "", {"UK_DYN_LIBRARY_PATH=" + gnu})),
            sysv + "/libmusl.so");
  // The app's directory before the default one, after the environment.
  std::string dir = make_temp_dir();
  ASSERT_EQ(std::system(("cp " + app + " " + sysv + "/libmusl.so " + dir + "/").c_str()), 0);
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", dir + "/helloworld.so"})), dir + "/libmusl.so");
  EXPECT_EQ(musl_from(dyn_run({"-v", "--dry-run", dir + "/helloworld.so"}, "", {"UK_DYN_LIBRARY_PATH=" + gnu})),
            gnu + "/libmusl.so");
  RunResult r = dyn_run({dir + "/helloworld.so", "x"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, run({elf_of("helloworld"), "x"}).out);
  std::system(("rm -rf " + dir).c_str());
}

TEST(SearchPath, EachLibraryIsLoadedOnce) {
  // dyntest needs libboot, libdyntest2, libdyntest and libmusl; every one
  // of them needs libmusl and libdyntest2 needs libdyntest too.
  RunResult r = dyn_run({"--stats", "--dry-run", kDyntest});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find(", objects 5, "), std::string::npos) << r.err;
}

TEST(Errors, MissingLibrary) {
  std::string e = expect_load_error(dyn_run({test_app("dynghost")}));
  EXPECT_NE(e.find("uk-dyn-run: libdynghost.so: library not found (needed by " + test_app("dynghost") +
                   "; searched " + kDynTestDir + ":" + kBin.substr(0, kBin.rfind('/')) + "/lib/uk-slt/dynamic:" + kDynLib + ")"),
            std::string::npos)
      << e;
}

TEST(Errors, MissingSymbolEagerFailsAtLoad) {
  std::string want = "uk-dyn-run: " + test_app("dynmissing") + ": undefined symbol: 'dynmissing_gone' (referenced by " +
                     test_app("dynmissing") + ")\n";
  EXPECT_EQ(expect_load_error(dyn_run({"--bind-now", test_app("dynmissing")})), want);
  EXPECT_EQ(expect_load_error(dyn_run({test_app("dynmissing"), "call"}, "", {"LD_BIND_NOW=1"})), want);
}

TEST(Errors, MissingSymbolLazyFailsAtItsFirstCall) {
  RunResult ok = dyn_run({test_app("dynmissing")});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_EQ(ok.out, "kept 1\n");
  RunResult r = dyn_run({test_app("dynmissing"), "call"});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.out, "kept 1\n");
  EXPECT_EQ(r.err, "uk-dyn-run: " + test_app("dynmissing") +
                       ": symbol 'dynmissing_gone' not found at its first call (lazy binding; searched 4 objects)\n");
}

// Two instances of different apps map libmusl.so from the same file,
// privately, never writable and executable, and share its clean pages.
TEST(Sharing, LibraryPagesComeFromTheSameFileAndAreShared) {
  HeldProcess a({kDynRun, so_of("helloworld")}), b({kDynRun, so_of("mandelbrot"), "8", "8", "10", "/dev/null"});
  ASSERT_TRUE(a.held());
  ASSERT_TRUE(b.held());
  struct stat st;
  ASSERT_EQ(stat((kDynLib + "/libmusl.so").c_str(), &st), 0);
  for (pid_t pid : {a.pid(), b.pid()}) {
    int text = 0;
    long shared = 0;
    for (const Mapping &m : maps_of(pid)) {
      EXPECT_FALSE(m.perms[1] == 'w' && m.perms[2] == 'x') << "W^X violated: " << m.path << " " << m.perms;
      if (m.path != kDynLib + "/libmusl.so") continue;
      EXPECT_EQ(m.inode, static_cast<unsigned long>(st.st_ino));
      EXPECT_EQ(m.perms[3], 'p') << m.perms;
      if (m.perms == "r-xp") {
        text++;
        // Clean or dirty depends on whether the freshly built file has been
        // written back yet; either way the pages are shared.
        shared = smaps_field(pid, m.start, "Shared_Clean") + smaps_field(pid, m.start, "Shared_Dirty");
      }
    }
    EXPECT_EQ(text, 1);
    EXPECT_GT(shared, 0) << "libmusl.so's code is not shared between the two instances";
  }
  EXPECT_EQ(a.release(), 0);
  EXPECT_EQ(b.release(), 0);
}

TEST(Cli, HelpVersionDryRunAndUsageErrors) {
  RunResult h = dyn_run({"--help"});
  EXPECT_EQ(h.status, 0);
  for (const char *o : {"usage: uk-dyn-run", "--library-path", "--bind-now", "--invoke", "--arg TYPE:VALUE", "--ret",
                        "--repeat", "--stats", "-v", "../lib/uk-slt/dynamic:../dynlib", "relative to uk-dyn-run's own directory"})
    EXPECT_NE(h.out.find(o), std::string::npos) << o;
  RunResult v = dyn_run({"--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out, std::string("uk-dyn-run ") + UK_SLT_VERSION + "\n");
  RunResult d = dyn_run({"--dry-run", so_of("helloworld")});
  EXPECT_EQ(d.status, 0);
  EXPECT_EQ(d.out, "");
  EXPECT_EQ(expect_usage_error(dyn_run({})),
            "uk-dyn-run: no app given (usage: uk-dyn-run [options] APP.so [ARGS...])\n");
  EXPECT_EQ(expect_usage_error(dyn_run({"--bogus", so_of("helloworld")})),
            "uk-dyn-run: unknown option '--bogus' (see --help)\n");
  EXPECT_EQ(expect_usage_error(dyn_run({"--arg", "int:1", so_of("helloworld")})),
            "uk-dyn-run: --arg, --ret and --repeat need --invoke SYMBOL\n");
  EXPECT_EQ(expect_usage_error(dyn_run({"-L"})), "uk-dyn-run: -L needs a value (see --help)\n");
}

TEST(Cli, VerboseListsObjectsAndMappings) {
  RunResult r = dyn_run({"-v", so_of("exitcode"), "3"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("uk-dyn-run: load " + so_of("exitcode") + " at 0x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("uk-dyn-run: load " + kDynLib + "/libmusl.so at 0x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" r-x file 0x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" rw- file 0x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(lazy)"), std::string::npos) << r.err;
}

} // namespace
} // namespace uk::test
