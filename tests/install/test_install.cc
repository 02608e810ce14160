// The toolchain as a user gets it: installed into a prefix (not the build
// tree), used by an outside CMake project through find_package(uk-slt)
// (examples/bzip2: bzip2 1.0.8 from Debian's source package, not in the
// corpus), and the program run directly, via uk-slt-run and via uk-dyn-run,
// each compared with the host's own bzip2.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "process_util.h"

namespace uk::test {
namespace {

const std::string kSource = UK_SOURCE_DIR, kBuild = UK_BUILD_DIR, kDebianSrc = UK_DEBIAN_SRC, kCmake = UK_CMAKE, kCpack = UK_CPACK;

class Installed : public ::testing::Test {
protected:
  // Installs once for the suite; a failed install fails every test (a
  // failure in SetUpTestSuite alone would only mark them skipped).
  static void SetUpTestSuite() {
    dir_ = make_temp_dir();
    prefix_ = dir_ + "/prefix";
    RunResult r = run({kCmake, "--install", kBuild, "--prefix", prefix_});
    install_error_ = r.status == 0 ? "" : "cmake --install failed: " + r.out + r.err;
  }
  static void TearDownTestSuite() { std::system(("rm -rf " + dir_).c_str()); }
  void SetUp() override { ASSERT_EQ(install_error_, ""); }
  static std::string dir_, prefix_, install_error_;
};
std::string Installed::dir_, Installed::prefix_, Installed::install_error_;

TEST_F(Installed, HasToolsPlatformLibrariesPackageAndFlags) {
  for (const char *f : {"bin/uk-slt", "bin/uk-slt-run", "bin/uk-dyn-run", "bin/uk-kvm-run", "lib/uk-slt/kvm/kvmplat.o",
                        "lib/uk-slt/linuxu/boot.o",
                        "lib/uk-slt/linuxu/musl.o", "lib/uk-slt/linuxu/gccrt.o", "lib/uk-slt/dynamic/libmusl.so",
                        "lib/uk-slt/dynamic/libboot.so", "lib/uk-slt/dynamic/crt-dyn.o",
                        "lib/cmake/uk-slt/uk-slt-config.cmake", "lib/cmake/uk-slt/uk-slt-config-version.cmake",
                        "lib/pkgconfig/uk-slt.pc", "share/doc/uk-slt/README.md"})
    EXPECT_EQ(access((prefix_ + "/" + f).c_str(), F_OK), 0) << f;
  RunResult pc = run({"/usr/bin/env", "PKG_CONFIG_PATH=" + prefix_ + "/lib/pkgconfig", "pkg-config", "--cflags", "uk-slt"});
  ASSERT_EQ(pc.status, 0) << pc.err;
  for (const char *flag : {"-fPIC", "-fno-asynchronous-unwind-tables", "-fno-stack-protector"})
    EXPECT_NE(pc.out.find(flag), std::string::npos) << flag << " missing from: " << pc.out;
  RunResult cf = run({prefix_ + "/bin/uk-slt", "cflags"}); // the same list, from the same definition
  EXPECT_EQ(cf.status, 0) << cf.err;
  std::string trimmed = pc.out.substr(0, pc.out.find_last_not_of(" \n") + 1) + "\n";
  EXPECT_EQ(cf.out, trimmed);
}

TEST_F(Installed, ExampleProgramRunsEveryWayLikeTheHostBuild) {
  const std::string bz = kDebianSrc + "/bzip2";
  if (access((bz + "/bzlib.c").c_str(), F_OK) != 0)
    GTEST_SKIP() << "bzip2 sources not fetched (" << bz << "): run scripts/fetch-sources.sh bzip2";
  if (access("/usr/bin/bzip2", X_OK) != 0) GTEST_SKIP() << "the host's bzip2 is not installed (package bzip2)";
  const std::string ex = dir_ + "/example";
  RunResult conf = run({kCmake, "-S", kSource + "/examples/bzip2", "-B", ex, "-DCMAKE_PREFIX_PATH=" + prefix_,
                        "-DBZIP2_SOURCE_DIR=" + bz});
  ASSERT_EQ(conf.status, 0) << conf.out << conf.err;
  RunResult build = run({kCmake, "--build", ex});
  ASSERT_EQ(build.status, 0) << build.out << build.err;

  std::string input;
  for (int i = 0; i < 120000; i++) input += "line " + std::to_string(i * 7919 % 1000) + (i % 13 ? " a" : " bb\n");
  RunResult host = run({"/usr/bin/bzip2", "-9", "-c"}, input);
  ASSERT_EQ(host.status, 0) << host.err;
  ASSERT_GT(host.out.size(), 100u);
  const std::string app = ex + "/unikernels/bzip2/bzip2";
  const std::vector<std::vector<std::string>> ways = {
      {app + ".elf"},
      {prefix_ + "/bin/uk-slt-run", "--pool", ex + "/pool", app + ".desc"},
      {prefix_ + "/bin/uk-dyn-run", app + ".so"}}; // libbz2.so beside it: nothing to set up
  for (const auto &way : ways) {
    std::vector<std::string> compress = way, decompress = way;
    compress.insert(compress.end(), {"-9", "-c"});
    decompress.insert(decompress.end(), {"-d", "-c"});
    RunResult c = run(compress, input);
    EXPECT_EQ(c.status, 0) << way[0] << ": " << c.err;
    EXPECT_TRUE(c.out == host.out) << way[0] << ": compressed bytes differ from the host's bzip2";
    RunResult d = run(decompress, host.out);
    EXPECT_EQ(d.status, 0) << way[0] << ": " << d.err;
    EXPECT_TRUE(d.out == input) << way[0] << ": decompressed bytes differ from the input";
    RunResult bad = run(decompress, "not a bzip2 stream");
    EXPECT_EQ(bad.status, 2) << way[0] << ": " << bad.err;
    EXPECT_NE(bad.err.find("not a bzip2 file"), std::string::npos) << way[0] << ": " << bad.err;
  }
}

TEST_F(Installed, PackageRefusesAnAppWithoutItsLibrary) {
  const std::string proj = dir_ + "/nolib";
  ASSERT_EQ(mkdir(proj.c_str(), 0755), 0);
  write_text(proj + "/CMakeLists.txt", "cmake_minimum_required(VERSION 3.25)\nproject(nolib C)\n"
                                       "find_package(uk-slt REQUIRED)\nuk_add_app(hello)\n");
  RunResult conf = run({kCmake, "-S", proj, "-B", proj + "/build", "-DCMAKE_PREFIX_PATH=" + prefix_});
  EXPECT_NE(conf.status, 0);
  EXPECT_NE(conf.err.find("uk_add_app(hello): define the app's own library first"), std::string::npos) << conf.err;
}

// README "Your own program as a unikernel", by hand: the same commands as
// written there (~/uk is the prefix), in a directory of the user's.
TEST_F(Installed, ReadmeHandPathWorksAsWritten) {
  const std::string w = dir_ + "/byhand", uk = prefix_;
  ASSERT_EQ(mkdir(w.c_str(), 0755), 0);
  write_text(w + "/hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello, unikernel\"); return 0; }\n");
  const std::string script = "set -e; cd " + w + "\n" +
                             "musl-gcc $(" + uk + "/bin/uk-slt cflags) -c hello.c -o hello.o\n" +
                             uk + "/bin/uk-slt --pool pool pack --dynamic hello=hello.o\n" +
                             "./hello/hello.elf\n" +
                             uk + "/bin/uk-slt-run --pool pool hello/hello.desc\n" +
                             uk + "/bin/uk-dyn-run hello/hello.so\n";
  RunResult r = run({"/bin/sh", "-c", script});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello, unikernel\nhello, unikernel\nhello, unikernel\n") << r.err;
  if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/kvm: the KVM line is not tried";
  RunResult k = run({"/bin/sh", "-c", "set -e; cd " + w + "; " + uk + "/bin/uk-slt --pool pool pack --platform kvm "
                                      "hello=hello.o && " + uk + "/bin/uk-kvm-run --pool pool hello/hello.kvm.desc"});
  EXPECT_EQ(k.status, 0) << k.err;
  EXPECT_EQ(k.out, "hello, unikernel\n") << k.err;
}

// uk_add_app(... PLATFORM linuxu kvm): one app packed for both platforms by
// the installed uk-slt (which adds kvmplat itself), run by the installed
// uk-kvm-run from its desc and its ELF like the linuxu ELF runs.
TEST_F(Installed, PackageBuildsAKvmAppThatTheInstalledVmmRuns) {
  const std::string proj = dir_ + "/kvmhello";
  ASSERT_EQ(mkdir(proj.c_str(), 0755), 0);
  write_text(proj + "/hello.c", "#include <stdio.h>\nint main(int argc, char **argv) {\n"
                                "  printf(\"hello %s from %d args\\n\", argv[argc - 1], argc);\n  return 5;\n}\n");
  write_text(proj + "/CMakeLists.txt", "cmake_minimum_required(VERSION 3.25)\nproject(kvmhello C)\n"
                                       "find_package(uk-slt REQUIRED)\nuk_add_library(hello SOURCES hello.c)\n"
                                       "uk_add_app(hello PLATFORM linuxu kvm)\n");
  RunResult conf = run({kCmake, "-S", proj, "-B", proj + "/build", "-DCMAKE_PREFIX_PATH=" + prefix_});
  ASSERT_EQ(conf.status, 0) << conf.out << conf.err;
  RunResult build = run({kCmake, "--build", proj + "/build"});
  ASSERT_EQ(build.status, 0) << build.out << build.err;
  const std::string app = proj + "/build/unikernels/hello/hello";
  RunResult direct = run({app + ".elf", "world"});
  EXPECT_EQ(direct.out, "hello world from 2 args\n");
  EXPECT_EQ(direct.status, 5);
  EXPECT_NE(read_text(app + ".kvm.ld").find(prefix_ + "/lib/uk-slt/kvm/kvmplat.o"), std::string::npos);
  if (access("/dev/kvm", R_OK | W_OK) != 0) GTEST_SKIP() << "no usable /dev/kvm: the KVM runs are not tried";
  for (const std::string &way : {app + ".kvm.desc", app + ".kvm.elf"}) {
    RunResult k = run({prefix_ + "/bin/uk-kvm-run", "--pool", proj + "/build/pool", way, "world"});
    EXPECT_EQ(k.out, direct.out) << way << ": " << k.err;
    EXPECT_EQ(k.status, direct.status) << way << ": " << k.err;
  }
}

// cpack -G DEB: the Debian package holds the same tree under /usr and its
// tools run from wherever it is unpacked (uk-dyn-run finds its libraries
// relative to itself).
TEST(DebianPackage, HoldsTheInstallTreeAndItsToolsRun) {
  const std::string dir = make_temp_dir();
  RunResult pack = run({kCpack, "--config", kBuild + "/CPackConfig.cmake", "-G", "DEB", "-B", dir});
  ASSERT_EQ(pack.status, 0) << pack.out << pack.err;
  const std::string deb = dir + "/uk-slt_" UK_SLT_VERSION "_amd64.deb";
  RunResult info = run({"/usr/bin/dpkg-deb", "--field", deb, "Package", "Depends"});
  ASSERT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("Package: uk-slt"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("musl-tools"), std::string::npos) << info.out;
  ASSERT_EQ(run({"/usr/bin/dpkg-deb", "-x", deb, dir + "/root"}).status, 0);
  const std::string usr = dir + "/root/usr";
  for (const char *f : {"lib/uk-slt/linuxu/musl.o", "lib/uk-slt/dynamic/libmusl.so", "lib/cmake/uk-slt/uk-slt-config.cmake",
                        "bin/uk-kvm-run", "lib/uk-slt/kvm/kvmplat.o"})
    EXPECT_EQ(access((usr + "/" + f).c_str(), F_OK), 0) << f;
  RunResult v = run({usr + "/bin/uk-slt", "--version"});
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out, "uk-slt " UK_SLT_VERSION "\n");
  RunResult hello = run({usr + "/bin/uk-dyn-run", kBuild + "/unikernels/helloworld/helloworld.so"});
  EXPECT_EQ(hello.status, 0) << hello.err;
  EXPECT_NE(hello.out.find("Hello from uk-slt!"), std::string::npos) << hello.out;
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
} // namespace uk::test
