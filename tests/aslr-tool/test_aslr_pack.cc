// `uk-slt pack --aslr` through pack's staging and per-app lock
// (toolchain/staging.h): a pack writes the SLT and the SLT [ASLR] files of
// the app in one all-or-nothing run; a failed ASLR pack leaves no file of
// its own (no desc, image, ELF, script or temp file) and no registry slot;
// a pack of an app whose lock is held is refused "busy" and changes nothing.
// Through pack_app, the function `uk-slt pack --aslr` calls for each app
// (the default build runs the command itself on the whole corpus), with the
// libraries given by hand.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <set>

#include "corpus.h"
#include "pack.h"
#include "process_util.h"

namespace uk::test {
namespace {

std::set<std::string> entries(const std::string &dir) {
  std::set<std::string> out;
  DIR *d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
  closedir(d);
  return out;
}

class AslrPack : public ::testing::Test {
protected:
  void SetUp() override {
    dir = make_temp_dir();
    pool = dir + "/pool";
    out = dir + "/out";
  }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }
  // pack_app's error message, "" on success.
  std::string pack(const std::string &spec) {
    PackOptions o;
    o.spec = spec;
    o.out_dir = out;
    o.pool_dir = pool;
    o.registry = pool + "/layout-registry.json";
    AslrPackResult res;
    o.aslr = &res;
    Status s = pack_app(o);
    return s ? "" : s.error().what();
  }
  static std::string libs(std::initializer_list<std::string> names) {
    std::string s;
    for (const std::string &n : names)
      s += (s.empty() ? "" : ",") + (n.rfind("test:", 0) == 0 ? std::string(UK_ASLR_TEST_DIR) + "/" + n.substr(5) + ".o"
                                                                : kCorpus + "/libs/" + n + ".o");
    return s;
  }
  std::string dir, pool, out;
};

TEST_F(AslrPack, WritesTheSltAndAslrFilesOfOneRunAndNoTempFile) {
  ASSERT_EQ(pack("exitcode=" + libs({"boot", "musl", "gccrt", "exitcode"})), "");
  std::string app = out + "/exitcode";
  EXPECT_EQ(entries(app), (std::set<std::string>{".pack.lock", "exitcode.desc", "exitcode.elf", "exitcode.img",
                                                 "exitcode.ld", "exitcode.aslr.desc", "exitcode.aslr.elf",
                                                 "exitcode.aslr.img", "exitcode.aslr.ld"}));
  for (const std::string &e : entries(pool)) EXPECT_EQ(e.rfind(".tmp.", 0), std::string::npos) << e;
  // The desc names the files by their final names, and the app by its own.
  std::string desc = read_text(app + "/exitcode.aslr.desc");
  EXPECT_NE(desc.find("\napp exitcode\n"), std::string::npos) << desc;
  EXPECT_NE(desc.find("\nelf exitcode.aslr.elf\n"), std::string::npos) << desc;
  EXPECT_NE(desc.find("\nimage exitcode.aslr.img "), std::string::npos) << desc;
  RunResult run42 = run({kLoader, "--pool", pool, app + "/exitcode.aslr.desc", "42"});
  EXPECT_EQ(run42.status, 42) << run42.err;
}

TEST_F(AslrPack, FailedAslrPackLeavesNothingBehind) {
  // nopic has an absolute address in its text: fine at a fixed address, refused for ASLR.
  EXPECT_EQ(pack("np=" + libs({"boot", "musl", "gccrt", "test:tb", "test:nopic", "exitcode"})),
            "nopic: text+0x2: R_X86_64_64 against tb_value: absolute address in a shared page: rebuild "
            "position-independent (-fPIC)");
  EXPECT_EQ(entries(out + "/np"), std::set<std::string>{".pack.lock"});
  for (const std::string &e : entries(pool)) {
    EXPECT_EQ(e.rfind(".tmp.", 0), std::string::npos) << e;
    EXPECT_EQ(e.find("registry"), std::string::npos) << "a registry was written: " << e;
  }
  // Over a good pack of the same app: its files stay as they were.
  ASSERT_EQ(pack("np=" + libs({"boot", "musl", "gccrt", "exitcode"})), "");
  std::set<std::string> good = entries(out + "/np");
  std::string slt = read_text(out + "/np/np.desc"), aslr = read_text(out + "/np/np.aslr.desc");
  EXPECT_NE(pack("np=" + libs({"boot", "musl", "gccrt", "test:tb", "test:nopic", "exitcode"})), "");
  EXPECT_EQ(entries(out + "/np"), good);
  EXPECT_EQ(read_text(out + "/np/np.desc"), slt);
  EXPECT_EQ(read_text(out + "/np/np.aslr.desc"), aslr);
}

TEST_F(AslrPack, ASecondPackOfTheSameAppIsBusyAndChangesNothing) {
  std::string spec = "exitcode=" + libs({"boot", "musl", "gccrt", "exitcode"});
  ASSERT_EQ(pack(spec), "");
  std::string app = out + "/exitcode";
  std::set<std::string> before = entries(app);
  std::string desc = read_text(app + "/exitcode.aslr.desc");
  int fd = open((app + "/.pack.lock").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0); // another pack of exitcode, mid-way
  std::string err = pack(spec);
  close(fd);
  EXPECT_EQ(err, app + ": busy: another uk-slt pack of exitcode into this directory is running");
  EXPECT_EQ(entries(app), before);
  EXPECT_EQ(read_text(app + "/exitcode.aslr.desc"), desc);
}

} // namespace
} // namespace uk::test
