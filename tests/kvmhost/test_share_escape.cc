// --share DIR: no guest path reaches outside DIR. `..`, absolute paths,
// symlinks (relative, absolute, to directories, dangling, looping), procfs
// magic links, FIFOs and device nodes; through every path-taking call.
#include <ftw.h>
#include <sys/sysmacros.h>

#include <random>
#include <set>
#include <utility>

#include "share_fixture.h"

namespace uk::kvmhost::test {
namespace {

class ShareEscapeTest : public ShareTest {
protected:
  void SetUp() override {
    ShareTest::SetUp();
    if (IsSkipped()) return;
    put(in_share("f.txt"), "inside");
    ASSERT_EQ(::mkdir(in_share("a").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(in_share("a/b").c_str(), 0755), 0);
    ASSERT_EQ(::symlink("../secret", in_share("out").c_str()), 0);          // relative, leaves DIR
    ASSERT_EQ(::symlink((tmp_ + "/secret").c_str(), in_share("abs").c_str()), 0); // absolute host path
    ASSERT_EQ(::symlink("/f.txt", in_share("abs_in").c_str()), 0);         // absolute, "inside" for the guest
    ASSERT_EQ(::symlink("..", in_share("up").c_str()), 0);                 // directory above DIR
    ASSERT_EQ(::symlink("f.txt", in_share("in").c_str()), 0);              // stays inside
    ASSERT_EQ(::symlink("../f.txt", in_share("a/in2").c_str()), 0);        // inside, through ..
    ASSERT_EQ(::symlink("loop2", in_share("loop1").c_str()), 0);
    ASSERT_EQ(::symlink("loop1", in_share("loop2").c_str()), 0);
    ASSERT_EQ(::symlink("self", in_share("self").c_str()), 0);
    ASSERT_EQ(::symlink("new_inside", in_share("dangling").c_str()), 0);
    ASSERT_EQ(::symlink("../created_outside", in_share("dangling_out").c_str()), 0);
  }
  void expect_secret_untouched() {
    EXPECT_EQ(get(tmp_ + "/secret"), "host secret");
    EXPECT_FALSE(exists(tmp_ + "/created_outside"));
    EXPECT_FALSE(exists(tmp_ + "/stolen"));
  }
};

TEST_P(ShareEscapeTest, DotDotAboveDirIsRefused) {
  for (const char *p : {"../secret", "a/../../secret", "a/b/../../../secret", "/../secret", "..", "/..",
                        "a/b/../../..", "./../secret"})
    EXPECT_EQ(fs_.open(p, O_RDONLY, 0), -EACCES) << p;
  EXPECT_EQ(fs_.open("../secret", O_CREAT | O_TRUNC | O_WRONLY, 0644), -EACCES);
  EXPECT_EQ(guest_read("a/../f.txt"), "inside");
  EXPECT_EQ(guest_read("a/b/../../f.txt"), "inside");
  EXPECT_EQ(guest_read("./a/./../f.txt"), "inside");
  expect_secret_untouched();
}

TEST_P(ShareEscapeTest, AbsolutePathsStartAtDir) {
  EXPECT_EQ(guest_read("/f.txt"), "inside");
  EXPECT_EQ(guest_read("///a//..//f.txt"), "inside");
  // The host's /etc/passwd is not the guest's.
  EXPECT_EQ(fs_.open("/etc/passwd", O_RDONLY, 0), -ENOENT);
  ASSERT_EQ(::mkdir(in_share("etc").c_str(), 0755), 0);
  put(in_share("etc/passwd"), "guest passwd");
  EXPECT_EQ(guest_read("/etc/passwd"), "guest passwd");
  struct stat st;
  EXPECT_EQ(fs_.stat("/etc/passwd", &st), 0);
  EXPECT_EQ(st.st_size, 12);
}

TEST_P(ShareEscapeTest, SymlinksLeavingDirAreRefused) {
  for (const char *p : {"out", "abs", "abs_in", "up/secret", "up/share/f.txt", "a/b/../../out"})
    EXPECT_EQ(fs_.open(p, O_RDONLY, 0), -EACCES) << p;
  struct stat st;
  EXPECT_EQ(fs_.stat("out", &st), -EACCES);
  EXPECT_EQ(fs_.stat("up/secret", &st), -EACCES);
  EXPECT_EQ(fs_.access("abs", F_OK), -EACCES);
  EXPECT_EQ(fs_.lstat("out", &st), 0); // the link itself is beneath DIR
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  // Writes and creations through links are refused too.
  EXPECT_EQ(fs_.open("out", O_WRONLY | O_TRUNC, 0), -EACCES);
  EXPECT_EQ(fs_.open("dangling_out", O_CREAT | O_WRONLY, 0644), -EACCES);
  EXPECT_EQ(fs_.unlink("up/secret"), -EACCES);
  EXPECT_EQ(fs_.rename("f.txt", "up/stolen"), -EACCES);
  EXPECT_EQ(fs_.rename("../secret", "x"), -EACCES);
  EXPECT_EQ(fs_.rename("up/secret", "x"), -EACCES);
  EXPECT_EQ(fs_.mkdir("up/newdir", 0755), -EACCES);
  EXPECT_EQ(fs_.mkdir("../newdir", 0755), -EACCES);
  EXPECT_FALSE(exists(tmp_ + "/newdir"));
  // Unlinking the link itself removes the link, not its target.
  EXPECT_EQ(fs_.unlink("out"), 0);
  expect_secret_untouched();
}

TEST_P(ShareEscapeTest, SymlinksInsideDirWork) {
  EXPECT_EQ(guest_read("in"), "inside");
  EXPECT_EQ(guest_read("a/in2"), "inside");
  EXPECT_EQ(fs_.open("in", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
  // O_CREAT through a dangling link inside DIR creates its target there.
  int64_t g = fs_.open("dangling", O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(g, kShareFirstFd);
  EXPECT_EQ(fs_.close(static_cast<int>(g)), 0);
  EXPECT_TRUE(exists(in_share("new_inside")));
  EXPECT_EQ(fs_.open("in", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
}

TEST_P(ShareEscapeTest, ReadlinkShowsOnlyTargetsBeneathDir) {
  char b[64];
  EXPECT_EQ(fs_.readlink("in", b, sizeof b), 5);
  EXPECT_EQ(std::string(b, 5), "f.txt");
  EXPECT_EQ(fs_.readlink("in", b, 2), 2); // truncated like readlink(2)
  EXPECT_EQ(fs_.readlink("a/in2", b, sizeof b), 8);
  EXPECT_EQ(fs_.readlink("dangling", b, sizeof b), 10);
  for (const char *p : {"out", "abs", "abs_in", "up", "dangling_out", "f.txt", "a", "/", "a/.", "in/", "loop1"})
    EXPECT_EQ(fs_.readlink(p, b, sizeof b), -EINVAL) << p;
  EXPECT_EQ(fs_.readlink("nope", b, sizeof b), -ENOENT);
  EXPECT_EQ(fs_.readlink("up/secret", b, sizeof b), -EACCES);
}

TEST_P(ShareEscapeTest, SymlinkLoopsEndWithEloop) {
  for (const char *p : {"loop1", "loop2", "self", "self/x"}) EXPECT_EQ(fs_.open(p, O_RDONLY, 0), -ELOOP) << p;
  struct stat st;
  EXPECT_EQ(fs_.stat("loop1", &st), -ELOOP);
  EXPECT_EQ(fs_.lstat("loop1", &st), 0);
  EXPECT_EQ(fs_.open("loop1", O_CREAT | O_WRONLY, 0644), -ELOOP);
}

TEST_P(ShareEscapeTest, DirectoryFdsStayBeneathTheirDirectory) {
  int d = static_cast<int>(fs_.open("a", O_RDONLY | O_DIRECTORY, 0));
  ASSERT_GE(d, kShareFirstFd);
  EXPECT_EQ(fs_.openat(d, "../../secret", O_RDONLY, 0), -EACCES);
  EXPECT_EQ(fs_.openat(d, "../f.txt", O_RDONLY, 0), -EACCES); // beneath `a`, as documented
  int64_t in2 = fs_.openat(d, "b/..", O_RDONLY | O_DIRECTORY, 0);
  EXPECT_GE(in2, kShareFirstFd);
  EXPECT_EQ(fs_.close(static_cast<int>(in2)), 0);
  EXPECT_EQ(fs_.unlinkat(d, "../f.txt", 0), -EACCES);
  EXPECT_TRUE(exists(in_share("f.txt")));
  EXPECT_EQ(fs_.close(d), 0);
}

TEST_P(ShareEscapeTest, FifosSocketsAndDevicesAreRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(in_share("fifo").c_str(), 0644), 0);
  // Without the O_PATH check and O_NONBLOCK these opens would block forever.
  EXPECT_EQ(fs_.open("fifo", O_RDONLY, 0), -EACCES);
  EXPECT_EQ(fs_.open("fifo", O_WRONLY, 0), -EACCES);
  EXPECT_EQ(fs_.open("fifo", O_RDWR | O_CREAT, 0644), -EACCES);
  struct stat st;
  EXPECT_EQ(fs_.stat("fifo", &st), 0); // metadata is fine
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(fs_.open_fds(), 0u);
  if (::mknod(in_share("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "mknod needs CAP_MKNOD: the device-node case is not tested here";
  EXPECT_EQ(fs_.open("null", O_WRONLY, 0), -EACCES);
}

// Inodes (dev, ino) of everything beneath dir, dir included, symlinks not followed.
std::set<std::pair<dev_t, ino_t>> *g_inodes;
int add_inode(const char *, const struct stat *st, int, struct FTW *) {
  g_inodes->insert({st->st_dev, st->st_ino});
  return 0;
}
std::set<std::pair<dev_t, ino_t>> inodes_beneath(const std::string &dir) {
  std::set<std::pair<dev_t, ino_t>> out;
  g_inodes = &out;
  nftw(dir.c_str(), add_inode, 16, FTW_PHYS);
  return out;
}

// Random paths from the fixture's names, through every path call: whatever
// succeeds names an inode beneath DIR, and nothing outside DIR changes.
TEST_P(ShareEscapeTest, RandomPathsStayBeneathDir) {
  const char *parts[] = {"..", ".", "", "a", "b", "in", "in2", "out", "abs", "abs_in", "up", "loop1", "self",
                         "f.txt", "dangling", "dangling_out", "new", "share", "secret", "proc"};
  const int flags[] = {O_RDONLY, O_RDWR | O_CREAT, O_WRONLY | O_TRUNC, O_RDONLY | O_DIRECTORY,
                       O_WRONLY | O_CREAT | O_EXCL, O_RDONLY | O_NOFOLLOW, O_RDWR | O_APPEND | O_CREAT};
  std::mt19937 rng(12345); // fixed: the same paths every run
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto random_path = [&] {
    std::string p = pick(3) == 0 ? "/" : "";
    for (size_t i = 0, n = 1 + pick(5); i < n; i++) p += std::string(i ? "/" : "") + parts[pick(std::size(parts))];
    return p;
  };
  int opened = 0;
  for (int iter = 0; iter < 600; iter++) {
    std::string p = random_path(), q = random_path();
    struct stat st;
    switch (pick(6)) {
    case 0: {
      int64_t fd = fs_.open(p, flags[pick(std::size(flags))], 0644);
      if (fd < 0) break;
      opened++;
      ASSERT_EQ(fs_.fstat(static_cast<int>(fd), &st), 0);
      EXPECT_EQ(inodes_beneath(share_).count({st.st_dev, st.st_ino}), 1u) << p;
      ASSERT_EQ(fs_.close(static_cast<int>(fd)), 0);
      break;
    }
    case 1:
      if (fs_.stat(p, &st) == 0) {
        EXPECT_EQ(inodes_beneath(share_).count({st.st_dev, st.st_ino}), 1u) << p;
      }
      break;
    case 2: fs_.unlink(p); break;
    case 3: fs_.rename(p, q); break;
    case 4: fs_.mkdir(p, 0755); break;
    case 5: fs_.rmdir(p); break;
    }
    ASSERT_EQ(get(tmp_ + "/secret"), "host secret") << "after an operation on " << p;
    ASSERT_EQ(inodes_beneath(tmp_).size(), inodes_beneath(share_).size() + 2) << "outside changed after " << p;
  }
  EXPECT_GT(opened, 0); // the walk reached real files, not only errors
  EXPECT_EQ(fs_.open_fds(), 0u);
}

// DIR = /proc/self: every magic link (root, cwd, exe, fd/N) would lead out.
TEST_P(ShareTest, ProcfsMagicLinksAreNotFollowed) {
  ShareFs::Options o;
  o.force_walk = GetParam() == Resolver::kWalk;
  auto r = ShareFs::open_dir("/proc/self", o);
  ASSERT_TRUE(r) << r.error().what();
  ShareFs &proc = *r;
  int outside = ::open((tmp_ + "/secret").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(outside, 0);
  std::string fdlink = "fd/" + std::to_string(outside);
  for (const std::string &p : {std::string("root/etc/passwd"), std::string("cwd"), std::string("exe"), fdlink,
                               std::string("root"), "/root/" + tmp_ + "/secret"}) {
    int64_t fd = proc.open(p, O_RDONLY, 0);
    EXPECT_TRUE(fd == -ELOOP || fd == -EACCES || fd == -ENOENT) << p << " gave " << fd;
    struct stat st;
    int64_t s = proc.stat(p, &st);
    EXPECT_TRUE(s == -ELOOP || s == -EACCES || s == -ENOENT) << p << " gave " << s;
  }
  EXPECT_EQ(proc.open_fds(), 0u);
  ::close(outside);
  // A plain file of /proc/self is beneath DIR and readable.
  int64_t st = proc.open("status", O_RDONLY, 0);
  EXPECT_GE(st, kShareFirstFd);
  EXPECT_EQ(proc.close(static_cast<int>(st)), 0);
}

INSTANTIATE_TEST_SUITE_P(Resolvers, ShareEscapeTest, ::testing::Values(Resolver::kOpenat2, Resolver::kWalk),
                         resolver_name);

} // namespace
} // namespace uk::kvmhost::test
