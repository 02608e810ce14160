// Pool object naming and the checks every loader applies before mapping.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "pool.h"
#include "process_util.h"

namespace uk {
namespace {

const std::string kName(64, 'a');

class PoolTest : public ::testing::Test {
protected:
  void SetUp() override { dir = test::make_temp_dir(); }
  void TearDown() override { std::system(("chmod -R u+w " + dir + " && rm -rf " + dir).c_str()); }
  std::string put(const std::string &name, size_t size, mode_t mode) {
    std::string p = dir + "/" + name;
    test::write_text(p, std::string(size, 'x'));
    chmod(p.c_str(), mode);
    return p;
  }
  std::string open_err(const std::string &name, uint64_t size) {
    auto dfd = open_pool_dir(dir.c_str());
    EXPECT_TRUE(dfd.ok());
    auto r = open_pool_object(*dfd, dir.c_str(), name.c_str(), size);
    close(*dfd);
    EXPECT_FALSE(r.ok());
    if (r.ok()) close(*r);
    return r.ok() ? "" : r.error().what();
  }
  std::string dir;
};

TEST(PoolNames, OnlyLowercaseSha256Hex) {
  EXPECT_TRUE(is_object_name(kName));
  EXPECT_FALSE(is_object_name(std::string(63, 'a')));
  EXPECT_FALSE(is_object_name(std::string(65, 'a')));
  EXPECT_FALSE(is_object_name(std::string(64, 'A')));
  EXPECT_FALSE(is_object_name("../" + std::string(61, 'a')));
}

TEST(PoolDir, FlagThenEnvThenDefault) {
  unsetenv(kPoolEnv);
  EXPECT_STREQ(resolve_pool_dir(nullptr), kDefaultPoolDir);
  setenv(kPoolEnv, "/tmp/p", 1);
  EXPECT_STREQ(resolve_pool_dir(nullptr), "/tmp/p");
  EXPECT_STREQ(resolve_pool_dir("/x"), "/x");
  unsetenv(kPoolEnv);
}

TEST_F(PoolTest, AcceptsReadOnlyObjectOfRightSize) {
  put(kName, 8192, 0444);
  auto dfd = open_pool_dir(dir.c_str());
  ASSERT_TRUE(dfd.ok());
  auto r = open_pool_object(*dfd, dir.c_str(), kName.c_str(), 8192);
  ASSERT_TRUE(r.ok()) << r.error().what();
  close(*r);
  close(*dfd);
}

TEST_F(PoolTest, RejectsWrongSize) {
  put(kName, 4096, 0444);
  EXPECT_NE(open_err(kName, 8192).find("has 4096 bytes, the desc expects 8192"), std::string::npos);
}

TEST_F(PoolTest, RejectsWritableObjects) {
  put(kName, 4096, 0664);
  EXPECT_NE(open_err(kName, 4096).find("writable (mode 0664)"), std::string::npos);
  chmod((dir + "/" + kName).c_str(), 0446);
  EXPECT_NE(open_err(kName, 4096).find("writable (mode 0446)"), std::string::npos);
}

TEST_F(PoolTest, RejectsMissingObject) {
  EXPECT_NE(open_err(kName, 4096).find("missing pool object"), std::string::npos);
}

TEST_F(PoolTest, RejectsDirectoryFifoAndSymlink) {
  mkdir((dir + "/" + kName).c_str(), 0555);
  EXPECT_NE(open_err(kName, 4096).find("not a regular file"), std::string::npos);
  std::string fifo(64, 'b');
  mkfifo((dir + "/" + fifo).c_str(), 0444);
  EXPECT_NE(open_err(fifo, 4096).find("not a regular file"), std::string::npos); // and does not block
  std::string target = put("target", 4096, 0444);
  std::string link(64, 'c');
  ASSERT_EQ(symlink(target.c_str(), (dir + "/" + link).c_str()), 0);
  EXPECT_NE(open_err(link, 4096).find("symbolic link"), std::string::npos);
}

TEST_F(PoolTest, MissingPoolDirectory) {
  auto r = open_pool_dir((dir + "/nope").c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().what()).find("nope: cannot open pool directory: No such file"), std::string::npos);
}

TEST_F(PoolTest, RejectsObjectOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (chown to another user)";
  std::string p = put(kName, 4096, 0444);
  ASSERT_EQ(chown(p.c_str(), 4321, 0), 0);
  EXPECT_NE(open_err(kName, 4096).find("owned by uid 4321, neither root nor the caller (uid 0)"), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_FALSE(check_pool_object_any_size(st, p.c_str()).is_ok());
}

TEST_F(PoolTest, AnySizeCheckWantsWholePages) {
  std::string p = put(kName, 4000, 0444);
  struct stat st;
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  Status s = check_pool_object_any_size(st, p.c_str());
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(std::string(s.error().what()).find("has 4000 bytes, not a positive multiple of the page size"),
            std::string::npos);
  p = put(std::string(64, 'b'), 0, 0444);
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  EXPECT_FALSE(check_pool_object_any_size(st, p.c_str()).is_ok());
}

TEST_F(PoolTest, VerifyComparesContentWithName) {
  // sha256 of 4096 'x' bytes, computed independently (sha256sum).
  const std::string name = "a2e659dacb4691e887ac0139f8893d04764ee197d70fb73d3190d56113d18e3e";
  std::string p = put(name, 4096, 0444);
  int fd = open(p.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(verify_pool_object(fd, 4096, name.c_str(), p.c_str()).is_ok());
  Status bad = verify_pool_object(fd, 4096, kName.c_str(), "OBJ (library L)");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(std::string(bad.error().what()),
            "OBJ (library L): pool object content does not match its name (sha256 " + name +
                "): corrupt or tampered pool");
  close(fd);
}

TEST_F(PoolTest, RejectsBadObjectName) {
  EXPECT_NE(open_err("../etc/passwd", 4096).find("invalid pool object name"), std::string::npos);
}

} // namespace
} // namespace uk
