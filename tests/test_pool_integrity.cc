// Issue 7 items 9 and 10 end to end: pool objects checked against their
// names (uk-slt fsck, uk-slt-run --verify, report), objects of another owner
// refused, immutable objects, instances run as another user.
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

// Pool object names in `pool`.
size_t count_objects(const std::string &pool) {
  size_t n = 0;
  for (const std::string &name : split_lines(run({"/bin/ls", "-A", pool}).out)) n += is_object_name(name);
  return n;
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

// Rewrites byte `at` of a read-only file, keeping its size and mode.
void flip_byte(const std::string &path, size_t at) {
  chmod(path.c_str(), 0644);
  std::string bytes = read_text(path);
  ASSERT_LT(at, bytes.size());
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  write_text(path, bytes);
  chmod(path.c_str(), 0444);
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
  RunResult fsck(const std::vector<std::string> &extra = {}) {
    std::vector<std::string> argv = {kTool, "--pool", pool, "fsck"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }
  std::string dir, pool, desc;
  std::map<std::string, std::string> object_of;
};

TEST_F(PoolIntegrity, LoaderVerifyRefusesTamperedObject) {
  RunResult good = run({kLoader, "--verify", "--pool", pool, desc, "ok"});
  ASSERT_EQ(good.status, 0) << good.err;
  EXPECT_NE(good.out.find("arg 1: ok"), std::string::npos);
  flip_byte(path_of("musl"), 100);
  RunResult r = run({kLoader, "--verify", "--pool", pool, desc});
  EXPECT_EQ(r.status, 127) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.rfind("uk-slt-run: " + path_of("musl") + " (library musl): pool object content does not match its "
                        "name (sha256 ",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
}

TEST_F(PoolIntegrity, FsckPassesACleanPool) {
  RunResult r = fsck();
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  size_t n = count_objects(pool);
  EXPECT_GE(n, 3u);
  EXPECT_EQ(r.out, "fsck: " + pool + ": " + std::to_string(n) + " objects, 0 bad, 0 immutable\n");
}

TEST_F(PoolIntegrity, FsckReportsEachBadObjectOnOneLine) {
  flip_byte(path_of("musl"), 4096);   // content
  chmod(path_of("boot").c_str(), 0644); // mode
  std::string junk(64, 'f');            // a name that is not its content's hash, wrong size too
  write_text(pool + "/" + junk, std::string(4096, 'j'));
  chmod((pool + "/" + junk).c_str(), 0444);
  RunResult r = fsck();
  EXPECT_EQ(r.status, 1) << r.err;
  std::vector<std::string> want = {
      "uk-slt: fsck: " + path_of("musl") + ": pool object content does not match its name (sha256 ",
      "uk-slt: fsck: " + path_of("boot") + ": pool object is writable (mode 0644)",
      "uk-slt: fsck: " + pool + "/" + junk + ": pool object content does not match its name (sha256 "};
  std::vector<std::string> got = split_lines(r.err);
  ASSERT_EQ(got.size(), 3u) << r.err;
  for (const std::string &w : want)
    EXPECT_TRUE(std::any_of(got.begin(), got.end(), [&](const std::string &g) { return g.rfind(w, 0) == 0; }))
        << w << "\n" << r.err;
  EXPECT_NE(r.out.find(" 3 bad, "), std::string::npos) << r.out;
  // --remove deletes exactly those; the pool is clean afterwards.
  RunResult rm = fsck({"--remove"});
  EXPECT_EQ(rm.status, 1);
  EXPECT_NE(rm.out.find(" 3 bad, 0 immutable, 3 removed"), std::string::npos) << rm.out;
  EXPECT_NE(access(path_of("musl").c_str(), F_OK), 0);
  EXPECT_EQ(fsck().status, 0);
}

TEST_F(PoolIntegrity, FsckRefusesObjectOfAnotherOwnerAndSymlinks) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (chown to another user)";
  ASSERT_EQ(chown(path_of("musl").c_str(), 12345, 12345), 0);
  std::string link(64, 'c');
  ASSERT_EQ(symlink(path_of("boot").c_str(), (pool + "/" + link).c_str()), 0);
  RunResult r = fsck();
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("uk-slt: fsck: " + path_of("musl") + ": pool object is owned by uid 12345, neither root nor "
                       "the caller (uid 0)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("uk-slt: fsck: " + pool + "/" + link + ": pool object is a symbolic link"), std::string::npos)
      << r.err;
  EXPECT_EQ(split_lines(r.err).size(), 2u) << r.err;
}

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
  RunResult r = nobody({kLoader, "--verify", "--pool", top + "/pool", top + "/helloworld.desc", "as-nobody"});
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

TEST_F(PoolIntegrity, ReportNoticesTamperedObject) {
  ASSERT_EQ(run({kTool, "--pool", pool, "report", desc}).status, 0);
  flip_byte(path_of("musl"), 7);
  RunResult r = run({kTool, "--pool", pool, "report", desc});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + path_of("musl") +
                       ": pool object content does not match its name (corrupt or tampered pool; run uk-slt fsck)\n");
}

// --immutable: FS_IMMUTABLE_FL on every object; root cannot open one for
// writing; fsck counts them and --remove still deletes a bad one.
TEST(ImmutablePool, PackSetsTheFlagAndFsckHandlesIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_LINUX_IMMUTABLE)";
  char tmpl[] = "/dev/shm/uk-imm-test.XXXXXX"; // tmpfs, as the default pool
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string dir = tmpl, pool = dir + "/pool";
  std::string l = kCorpus + "/libs/";
  RunResult p = run({kTool, "--pool", pool, "--immutable", "pack", "--no-platform", "--out-dir", dir + "/out",
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
  EXPECT_EQ(run({kLoader, "--verify", "--pool", pool, dir + "/out/helloworld/helloworld.desc"}).status, 0);
  // A bad object that is immutable: fsck reports it, --remove clears the
  // flag and deletes it.
  std::string bad = pool + "/" + std::string(64, 'e');
  write_text(bad, std::string(4096, 'b'));
  chmod(bad.c_str(), 0444);
  int fd = open(bad.c_str(), O_RDONLY);
  ASSERT_TRUE(set_immutable(fd, bad.c_str()).is_ok());
  close(fd);
  size_t n = count_objects(pool);
  RunResult f = run({kTool, "--pool", pool, "fsck", "--remove"});
  EXPECT_EQ(f.status, 1);
  EXPECT_NE(f.out.find(std::to_string(n) + " objects, 1 bad, " + std::to_string(n) + " immutable, 1 removed"),
            std::string::npos)
      << f.out << f.err;
  EXPECT_NE(access(bad.c_str(), F_OK), 0);
  remove_tree(dir);
  EXPECT_NE(access(dir.c_str(), F_OK), 0) << dir << " left behind";
}

} // namespace
} // namespace uk::test
