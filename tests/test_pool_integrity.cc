// Issue 7 item 10 end to end: objects of another owner refused, immutable
// objects, instances run as another user.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "corpus.h"
#include "fs_util.h"
#include "pool.h"
#include "process_util.h"

namespace uk::test {
namespace {

std::vector<std::string> split_lines(const std::string &s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// Clears FS_IMMUTABLE_FL where set, then removes the tree.
void remove_tree(const std::string &dir) {
  std::string pool = dir + "/pool";
  int dfd = open(pool.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    for (const std::string &name : split_lines(run({"/bin/ls", "-A", pool}).out))
      (void)remove_pool_object(dfd, pool.c_str(), name.c_str());
    close(dfd);
  }
  std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str());
}

class PoolIntegrity : public ::testing::Test {
protected:
  void SetUp() override {
    dir = copy_fixture("helloworld");
    pool = dir + "/pool";
    desc = dir + "/helloworld.desc";
    Desc *d = load_desc(desc);
    ASSERT_NE(d, nullptr);
    for (uint32_t i = 0; i < d->nlibs; i++) object_of[d->libs[i].name] = d->libs[i].object;
    ASSERT_TRUE(object_of.count("musl") && object_of.count("boot"));
  }
  void TearDown() override { remove_tree(dir); }
  std::string path_of(const std::string &lib) { return pool + "/" + object_of[lib]; }
  std::string dir, pool, desc;
  std::map<std::string, std::string> object_of;
};

TEST_F(PoolIntegrity, LoaderRefusesObjectOfAnotherOwner) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (chown to another user)";
  // uid 12345 could chmod u+w its object and patch every running instance.
  ASSERT_EQ(chown(path_of("musl").c_str(), 12345, 0), 0);
  RunResult r = run({kLoader, "--pool", pool, desc});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "uk-slt-run: " + path_of("musl") +
                       ": pool object is owned by uid 12345, neither root nor the caller (uid 0): its owner could "
                       "make it writable\n");
  // Root's own objects and the caller's are fine.
  ASSERT_EQ(chown(path_of("musl").c_str(), 0, 0), 0);
  EXPECT_EQ(run({kLoader, "--pool", pool, desc}).status, 0);
}

// The trust model's deployment (README): pool owned by root, instances as
// another user. The instance runs; that user can neither write, truncate
// nor remove an object.
TEST_F(PoolIntegrity, InstanceAsAnotherUserCannotRewriteThePool) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (to run as another user)";
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) not installed";
  // The copy must be reachable by uid 65534: a fresh tree under /dev/shm.
  char tmpl[] = "/dev/shm/uk-user-test.XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string top = tmpl;
  ASSERT_EQ(std::system(("cp -a " + dir + "/. " + top + "/ && chmod -R a+rX " + top).c_str()), 0);
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  auto nobody = [&](std::vector<std::string> cmd) {
    cmd.insert(cmd.begin(), as_nobody.begin(), as_nobody.end());
    return run(cmd);
  };
  RunResult r = nobody({kLoader, "--pool", top + "/pool", top + "/helloworld.desc", "as-nobody"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("arg 1: as-nobody"), std::string::npos) << r.out;
  std::string obj = top + "/pool/" + object_of["musl"];
  EXPECT_NE(nobody({"/bin/sh", "-c", "exec 3>>\"$0\"", obj}).status, 0) << "opened for writing";
  EXPECT_NE(nobody({"/usr/bin/truncate", "-s", "0", obj}).status, 0) << "truncated";
  EXPECT_NE(nobody({"/bin/rm", "-f", obj}).status, 0) << "removed";
  EXPECT_NE(nobody({"/bin/chmod", "u+w", obj}).status, 0) << "chmod-ed";
  EXPECT_EQ(read_text(obj), read_text(path_of("musl")));
  std::system(("rm -rf " + top).c_str());
}

// --immutable: FS_IMMUTABLE_FL on every object; root cannot open one for
// writing.
TEST(ImmutablePool, PackSetsTheFlag) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_LINUX_IMMUTABLE)";
  char tmpl[] = "/dev/shm/uk-imm-test.XXXXXX"; // tmpfs, as the default pool
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, pool = dir + "/pool";
  std::string l = kCorpus + "/libs/";
  RunResult p = run({kTool, "--pool", pool, "--immutable", "pack", "--out-dir", dir + "/out",
                     "helloworld=" + l + "boot.o," + l + "musl.o," + l + "gccrt.o," + l + "helloworld.o"});
  ASSERT_EQ(p.status, 0) << p.err;
  Desc *d = load_desc(dir + "/out/helloworld/helloworld.desc");
  ASSERT_NE(d, nullptr);
  for (uint32_t i = 0; i < d->nlibs; i++) {
    std::string obj = pool + "/" + d->libs[i].object;
    int fd = open(obj.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(is_immutable(fd)) << obj;
    close(fd);
    EXPECT_LT(open(obj.c_str(), O_WRONLY), 0) << obj; // root included
    EXPECT_EQ(errno, EPERM);
    EXPECT_NE(chmod(obj.c_str(), 0644), 0);
  }
  EXPECT_EQ(run({kLoader, "--pool", pool, dir + "/out/helloworld/helloworld.desc"}).status, 0);
  remove_tree(dir);
  EXPECT_NE(access(dir.c_str(), F_OK), 0) << dir << " left behind";
}

} // namespace
} // namespace uk::test
