// uk-slt pack on the user's path (issue 11): the platform libraries come
// from where uk-slt is (here the build tree: bin/../unikernels/libs), an app
// is given by its own libraries only; --dynamic writes the uk-dyn-run form;
// objects with absolute addresses in code are refused naming -fPIC;
// `uk-slt cflags` is pkg-config's list; a missing pool object names the pool.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

const std::string kLibs = kCorpus + "/libs/";

bool exists(const std::string &p) { return access(p.c_str(), F_OK) == 0; }

class Pack : public ::testing::Test {
protected:
  void SetUp() override {
    dir = make_temp_dir();
    pool = dir + "/pool";
    out = dir + "/out";
  }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }
  RunResult pack(std::vector<std::string> args, const std::string &tool = kTool) {
    args.insert(args.begin(), {tool, "--pool", pool, "pack", "--out-dir", out});
    return run(args);
  }
  // musl-gcc -c of `code` with `flags`, then ld -r into <dir>/<name>.o.
  std::string compile(const std::string &name, const std::string &code, const std::vector<std::string> &flags) {
    std::string c = dir + "/" + name + ".c", o = dir + "/" + name + ".c.o", lib = dir + "/" + name + ".o";
    write_text(c, code);
    std::vector<std::string> argv = {UK_MUSL_GCC};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"-c", c, "-o", o});
    RunResult r = run(argv);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(run({UK_LD, "-r", o, "-o", lib}).status, 0);
    return lib;
  }
  std::string dir, pool, out;
};

const std::vector<std::string> kUserFlags = {"-O2", "-fPIC"}; // what a user's build may well use

TEST_F(Pack, AddsThePlatformLibrariesItselfAndRunsLikeTheElf) {
  RunResult p = pack({"helloworld=" + kLibs + "helloworld.o"});
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string app = out + "/helloworld/helloworld";
  RunResult direct = run({app + ".elf"});
  RunResult slt = run({kLoader, "--pool", pool, app + ".desc"});
  EXPECT_EQ(direct.status, 0);
  EXPECT_NE(direct.out.find("Hello from uk-slt!"), std::string::npos) << direct.out;
  EXPECT_EQ(slt.out, direct.out);
  EXPECT_EQ(slt.status, direct.status) << slt.err;
  // The script links the build's three platform libraries, first.
  const std::string ld = read_text(app + ".ld");
  size_t own = ld.find(kLibs + "helloworld.o");
  ASSERT_NE(own, std::string::npos);
  for (const char *lib : {"boot.o", "musl.o", "gccrt.o"}) EXPECT_LT(ld.find(kLibs + lib), own) << lib;
}

TEST_F(Pack, KvmAddsKvmplatAfterTheAppsLibraries) {
  RunResult p = pack({"--platform", "kvm", "helloworld=" + kLibs + "helloworld.o"});
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string ld = read_text(out + "/helloworld/helloworld.kvm.ld");
  size_t app = ld.find(kLibs + "helloworld.o"), plat = ld.find(kLibs + "kvmplat.o"), boot = ld.find(kLibs + "boot.o");
  ASSERT_NE(plat, std::string::npos) << "kvmplat.o not linked";
  ASSERT_NE(boot, std::string::npos) << "boot.o not linked";
  EXPECT_LT(boot, app);
  EXPECT_LT(app, plat);
  RunResult nm = run({"/usr/bin/nm", out + "/helloworld/helloworld.kvm.elf"});
  EXPECT_NE(nm.out.find(" kvmplat_header"), std::string::npos);
}

TEST_F(Pack, APlatformLibraryInTheSpecIsRefused) {
  RunResult p = pack({"helloworld=" + kLibs + "boot.o," + kLibs + "helloworld.o"});
  EXPECT_EQ(p.status, 1);
  EXPECT_EQ(p.err, "uk-slt: pack: helloworld: " + kLibs +
                       "boot.o is a platform library, which pack adds itself: leave it out, or give them all by hand "
                       "with --no-platform\n");
  EXPECT_FALSE(exists(out + "/helloworld"));
}

// An installed tree without gccrt.o: the missing library, and where it was
// looked for, in one line.
TEST_F(Pack, AMissingPlatformLibraryIsNamedWithWhereItWasLookedFor) {
  const std::string prefix = dir + "/prefix";
  ASSERT_EQ(std::system(("mkdir -p " + prefix + "/bin " + prefix + "/lib/uk-slt/linuxu && cp " + kTool + " " + prefix +
                         "/bin/ && cp " + kLibs + "boot.o " + kLibs + "musl.o " + prefix + "/lib/uk-slt/linuxu/")
                            .c_str()),
            0);
  RunResult p = pack({"helloworld=" + kLibs + "helloworld.o"}, prefix + "/bin/uk-slt");
  EXPECT_EQ(p.status, 1);
  EXPECT_EQ(p.err, "uk-slt: pack: platform library (linuxu) gccrt.o not found (looked in " + prefix +
                       "/bin/../lib/uk-slt/linuxu and " + prefix +
                       "/bin/../unikernels/libs): is uk-slt installed completely? (or give the platform libraries "
                       "yourself with --no-platform)\n");
  // With the library there, the installed copy packs from its own tree.
  ASSERT_EQ(std::system(("cp " + kLibs + "gccrt.o " + prefix + "/lib/uk-slt/linuxu/").c_str()), 0);
  RunResult ok = pack({"helloworld=" + kLibs + "helloworld.o"}, prefix + "/bin/uk-slt");
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(read_text(out + "/helloworld/helloworld.ld").find(prefix + "/lib/uk-slt/linuxu/musl.o"),
            std::string::npos);
}

TEST_F(Pack, AnUndefinedSymbolIsNamedOnTheFirstLine) {
  std::string lib = compile("undef", "int missing_fn(int);\nint main(void) { return missing_fn(1); }\n", kUserFlags);
  RunResult p = pack({"undef=" + lib});
  EXPECT_EQ(p.status, 1);
  std::string first = p.err.substr(0, p.err.find('\n'));
  EXPECT_EQ(first, "uk-slt: " + out + "/undef/undef.elf: link failed (ld exited 1): undefined symbols: missing_fn");
  EXPECT_FALSE(exists(out + "/undef/undef.elf"));
}

// Code compiled without -fPIC takes addresses as 32-bit immediates: refused
// by pack and by align, naming the relocation, the place, the symbol and
// the flag.
TEST_F(Pack, CodeWithoutPicIsRefusedNamingTheFlag) {
  std::string lib = compile("nopic", "int counter;\nint *where(void) { return &counter; }\nint main(void) { return "
                                     "*where(); }\n",
                            {"-O2", "-fno-pic", "-fno-asynchronous-unwind-tables"});
  const std::string msg = "uk-slt: " + lib +
                          ": R_X86_64_32 at .text+0x1 against counter: absolute address in code: rebuild with -fPIC "
                          "(uk-slt cflags prints every flag objects need)\n";
  RunResult p = pack({"nopic=" + lib});
  EXPECT_EQ(p.status, 1);
  EXPECT_EQ(p.err, msg);
  EXPECT_FALSE(exists(out + "/nopic/nopic.elf"));
  RunResult a = run({kTool, "--pool", pool, "align", "-o", dir + "/a.elf", kLibs + "boot.o", kLibs + "musl.o",
                     kLibs + "gccrt.o", lib});
  EXPECT_EQ(a.status, 1);
  EXPECT_EQ(a.err, msg);
}

// Unwind tables are not a problem: align's scripts discard .eh_frame. An
// object that has them packs in both modes and runs like its ELF.
TEST_F(Pack, UnwindTablesAreAcceptedAndDiscarded) {
  std::string lib = compile("unwind", "#include <stdio.h>\nint main(void) { printf(\"unwind %d\\n\", 42); return 3; }\n",
                            kUserFlags);
  RunResult sec = run({"/usr/bin/readelf", "-SW", lib});
  ASSERT_NE(sec.out.find(".eh_frame"), std::string::npos) << "the compiler made no unwind tables: nothing tested";
  RunResult p = pack({"--aslr", "unwind=" + lib});
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string app = out + "/unwind/unwind";
  RunResult direct = run({app + ".elf"});
  EXPECT_EQ(direct.out, "unwind 42\n");
  EXPECT_EQ(direct.status, 3);
  for (const std::string &desc : {app + ".desc", app + ".aslr.desc"}) {
    RunResult r = run({kLoader, "--pool", pool, desc});
    EXPECT_EQ(r.out, direct.out) << desc;
    EXPECT_EQ(r.status, direct.status) << desc << ": " << r.err;
  }
}

// --dynamic: lua (liblua + the lua program) as liblua.so + lua.so beside
// the ELF, run by uk-dyn-run with nothing set up, output equal to the ELF's.
TEST_F(Pack, DynamicFormRunsUnderUkDynRunLikeTheElf) {
  if (!exists(kLibs + "liblua.o")) GTEST_SKIP() << "no liblua in this build (lua5.4 sources not fetched)";
  RunResult p = pack({"--dynamic", "lua=" + kLibs + "liblua.o," + kLibs + "lua.o"});
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string app = out + "/lua/lua";
  ASSERT_TRUE(exists(out + "/lua/liblua.so"));
  const std::string script = "local t = {} for i = 1, 100 do t[i] = i * i end print(#t, t[100], string.rep('ab', 3))";
  RunResult direct = run({app + ".elf", "-e", script});
  ASSERT_EQ(direct.status, 0) << direct.err;
  EXPECT_EQ(direct.out, "100\t10000\tababab\n");
  RunResult dyn = run({kBin + "/uk-dyn-run", app + ".so", "-e", script});
  EXPECT_EQ(dyn.status, 0) << dyn.err;
  EXPECT_EQ(dyn.out, direct.out);
  RunResult needed = run({"/usr/bin/readelf", "-dW", app + ".so"});
  for (const char *n : {"[libboot.so]", "[liblua.so]", "[libmusl.so]"})
    EXPECT_NE(needed.out.find(n), std::string::npos) << n << " not needed by lua.so: " << needed.out;
}

TEST_F(Pack, DynamicIsRefusedForKvm) {
  RunResult p = pack({"--dynamic", "--platform", "kvm", "helloworld=" + kLibs + "helloworld.o"});
  EXPECT_EQ(p.status, 1);
  EXPECT_EQ(p.err, "uk-slt: pack: --dynamic writes the uk-dyn-run form, a linuxu one (not for platform kvm)\n");
}

// One definition: cflags prints what pkg-config's file (generated from the
// same cmake/package/UkSltFlags.cmake) says.
TEST(Cflags, SameListAsPkgConfig) {
  RunResult c = run({kTool, "cflags"});
  ASSERT_EQ(c.status, 0) << c.err;
  std::string pc = read_text(UK_PC_FILE);
  size_t at = pc.find("\nCflags: ");
  ASSERT_NE(at, std::string::npos) << pc;
  std::string line = pc.substr(at + 9, pc.find('\n', at + 1) - (at + 9));
  EXPECT_EQ(c.out, line + "\n");
  EXPECT_NE(c.out.find("-fPIC"), std::string::npos) << c.out;
}

// report (and every pool reader) looks in --pool, else $UK_SLT_POOL, else
// /dev/shm/uk-pool, and names where it looked when an object is missing.
TEST_F(Pack, MissingPoolObjectNamesThePoolLookedIn) {
  ASSERT_EQ(pack({"helloworld=" + kLibs + "helloworld.o"}).status, 0);
  const std::string desc = out + "/helloworld/helloworld.desc";
  RunResult env = run({"/usr/bin/env", "UK_SLT_POOL=" + pool, kTool, "report", desc});
  EXPECT_EQ(env.status, 0) << env.err;
  const std::string empty = dir + "/empty";
  ASSERT_EQ(mkdir(empty.c_str(), 0755), 0);
  RunResult r = run({"/usr/bin/env", "UK_SLT_POOL=" + empty, kTool, "report", desc});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(r.err.find(": missing pool object (needed by " + desc + "): not in pool " + empty +
                         ": use --pool or UK_SLT_POOL\n") != std::string::npos)
      << r.err;
  RunResult l = run({kLoader, "--pool", empty, desc});
  EXPECT_NE(l.status, 0);
  EXPECT_NE(l.err.find(": missing pool object: not in pool " + empty + ": use --pool or UK_SLT_POOL\n"),
            std::string::npos)
      << l.err;
}

} // namespace
} // namespace uk::test
