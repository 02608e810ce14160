// --share DIR: the guest's file calls as round trips in a temporary
// directory, the fd table's bounds, hostile lengths and flags, and the
// no-share mode. Escapes are in test_share_escape.cc.
#include <sys/syscall.h>

#include <climits>
#include <cstring>
#include <set>

#include "share_fixture.h"

namespace uk::kvmhost::test {
namespace {

constexpr int kLinuxOLargefile = 0100000;

TEST_P(ShareTest, CreateWriteSeekReadStatTruncateUnlink) {
  int64_t fd = fs_.open("/f.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
  ASSERT_EQ(fd, kShareFirstFd);
  int g = static_cast<int>(fd);
  EXPECT_EQ(fs_.write(g, "hello", 5), 5);
  EXPECT_EQ(fs_.lseek(g, 0, SEEK_CUR), 5);
  EXPECT_EQ(fs_.lseek(g, 1, SEEK_SET), 1);
  char buf[16] = {};
  EXPECT_EQ(fs_.read(g, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), "ello");
  EXPECT_EQ(fs_.read(g, buf, sizeof buf), 0); // end of file
  EXPECT_EQ(fs_.pwrite64(g, "XY", 2, 10), 2);
  EXPECT_EQ(fs_.pread64(g, buf, 3, 9), 3);
  EXPECT_EQ(std::string(buf, 3), std::string("\0XY", 3));
  struct stat st;
  ASSERT_EQ(fs_.fstat(g, &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 12);
  EXPECT_EQ(fs_.ftruncate(g, 2), 0);
  EXPECT_EQ(fs_.fsync(g), 0);
  EXPECT_EQ(fs_.fdatasync(g), 0);
  EXPECT_EQ(fs_.lseek(g, 0, SEEK_END), 2);
  EXPECT_EQ(fs_.close(g), 0);
  EXPECT_EQ(get(in_share("f.txt")), "he"); // the bytes are on the host, in DIR
  ASSERT_EQ(fs_.stat("f.txt", &st), 0);
  EXPECT_EQ(st.st_size, 2);
  EXPECT_EQ(fs_.unlink("/f.txt"), 0);
  EXPECT_EQ(fs_.stat("f.txt", &st), -ENOENT);
  EXPECT_FALSE(exists(in_share("f.txt")));
  EXPECT_EQ(fs_.unlink("f.txt"), -ENOENT);
}

TEST_P(ShareTest, AppendExclAndAccessModes) {
  put(in_share("log"), "a");
  int g = static_cast<int>(fs_.open("log", O_WRONLY | O_APPEND, 0));
  ASSERT_GE(g, kShareFirstFd);
  EXPECT_EQ(fs_.write(g, "b", 1), 1);
  char c;
  EXPECT_EQ(fs_.read(g, &c, 1), -EBADF); // write-only fd
  EXPECT_EQ(fs_.close(g), 0);
  EXPECT_EQ(get(in_share("log")), "ab");
  EXPECT_EQ(fs_.open("log", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
  EXPECT_EQ(fs_.open("missing", O_RDONLY, 0), -ENOENT);
  g = static_cast<int>(fs_.open("log", O_RDONLY, 0));
  EXPECT_EQ(fs_.write(g, "x", 1), -EBADF); // read-only fd
  EXPECT_EQ(fs_.close(g), 0);
  EXPECT_EQ(fs_.open("log/x", O_RDONLY, 0), -ENOTDIR);
  EXPECT_EQ(fs_.open("log", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
}

TEST_P(ShareTest, CreatedModesLoseSetuidBits) {
  int g = static_cast<int>(fs_.open("s", O_CREAT | O_WRONLY, 06777));
  ASSERT_GE(g, kShareFirstFd);
  struct stat st;
  ASSERT_EQ(fs_.fstat(g, &st), 0);
  EXPECT_EQ(st.st_mode & 07000, 0u);
  EXPECT_EQ(fs_.fchmod(g, 04755), 0);
  ASSERT_EQ(fs_.fstat(g, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(fs_.close(g), 0);
}

TEST_P(ShareTest, DirectoriesRenameGetdents) {
  EXPECT_EQ(fs_.mkdir("d", 0755), 0);
  EXPECT_EQ(fs_.mkdir("d", 0755), -EEXIST);
  EXPECT_EQ(fs_.mkdir("/", 0755), -EEXIST);
  int g = static_cast<int>(fs_.open("d/x", O_CREAT | O_WRONLY, 0644));
  ASSERT_GE(g, kShareFirstFd);
  EXPECT_EQ(fs_.write(g, "1", 1), 1);
  EXPECT_EQ(fs_.close(g), 0);
  EXPECT_EQ(fs_.rmdir("d"), -ENOTEMPTY);
  EXPECT_EQ(fs_.rename("d/x", "/y"), 0);
  EXPECT_EQ(get(in_share("y")), "1");
  EXPECT_EQ(fs_.renameat2(kLinuxAtFdcwd, "y", kLinuxAtFdcwd, "d/z", RENAME_NOREPLACE), 0);
  put(in_share("w"), "w");
  EXPECT_EQ(fs_.renameat2(kLinuxAtFdcwd, "w", kLinuxAtFdcwd, "d/z", RENAME_NOREPLACE), -EEXIST);
  EXPECT_EQ(fs_.renameat2(kLinuxAtFdcwd, "w", kLinuxAtFdcwd, "d/z", 4 /* RENAME_WHITEOUT */), -EINVAL);
  EXPECT_EQ(fs_.rename("/", "q"), -EBUSY);

  // Directory fds: getdents64 and paths relative to them.
  int d = static_cast<int>(fs_.open("d", O_RDONLY | O_DIRECTORY, 0));
  ASSERT_GE(d, kShareFirstFd);
  EXPECT_EQ(fs_.read(d, buf_, sizeof buf_), -EISDIR);
  int f = static_cast<int>(fs_.openat(d, "z", O_RDONLY, 0));
  ASSERT_GE(f, kShareFirstFd);
  EXPECT_EQ(fs_.read(f, buf_, sizeof buf_), 1);
  EXPECT_EQ(fs_.close(f), 0);
  struct stat st;
  EXPECT_EQ(fs_.fstatat(d, "z", &st, 0), 0);
  EXPECT_EQ(fs_.fstatat(d, "", &st, AT_EMPTY_PATH), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(fs_.fstatat(d, "", &st, 0), -ENOENT);

  int root = static_cast<int>(fs_.open("/", O_RDONLY | O_DIRECTORY, 0));
  ASSERT_GE(root, kShareFirstFd);
  std::set<std::string> names;
  for (;;) {
    int64_t n = fs_.getdents64(root, buf_, sizeof buf_);
    ASSERT_GE(n, 0);
    if (n == 0) break;
    for (int64_t off = 0; off < n;) {
      uint16_t reclen;
      std::memcpy(&reclen, buf_ + off + 16, 2);     // d_reclen after d_ino and d_off
      names.insert(reinterpret_cast<const char *>(buf_ + off + 19)); // d_name after d_type
      off += reclen;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "d", "w"}));
  EXPECT_EQ(fs_.close(root), 0);
  EXPECT_EQ(fs_.unlinkat(d, "z", 0), 0);
  EXPECT_EQ(fs_.close(d), 0);
  EXPECT_EQ(fs_.unlink("d"), -EISDIR);
  EXPECT_EQ(fs_.rmdir("d/"), 0);
  EXPECT_EQ(fs_.rmdir("/"), -EINVAL);
  EXPECT_EQ(fs_.unlinkat(kLinuxAtFdcwd, "w", 0x1000), -EINVAL);
}

TEST_P(ShareTest, AccessAndStatFlags) {
  put(in_share("r"), "r");
  EXPECT_EQ(fs_.access("r", F_OK), 0);
  EXPECT_EQ(fs_.access("r", R_OK | W_OK), 0);
  EXPECT_EQ(fs_.access("nope", F_OK), -ENOENT);
  EXPECT_EQ(fs_.access("r", 8), -EINVAL);
  EXPECT_EQ(fs_.faccessat(kLinuxAtFdcwd, "r", F_OK, 0x8000), -EINVAL);
  EXPECT_EQ(fs_.faccessat(kLinuxAtFdcwd, "", F_OK, AT_EMPTY_PATH), 0); // "/" itself
  struct stat st;
  EXPECT_EQ(fs_.fstatat(kLinuxAtFdcwd, "", &st, AT_EMPTY_PATH), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(fs_.fstatat(kLinuxAtFdcwd, "r", &st, 0x8000), -EINVAL);
  EXPECT_EQ(fs_.fstatat(kLinuxAtFdcwd, "r", nullptr, 0), -EFAULT);
  EXPECT_EQ(fs_.stat("/", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_P(ShareTest, FlagsOutsideTheWhitelistAreRefused) {
  put(in_share("f"), "f");
  EXPECT_EQ(fs_.open("f", O_PATH, 0), -EINVAL);
  EXPECT_EQ(fs_.open(".", O_TMPFILE | O_RDWR, 0600), -EINVAL);
  EXPECT_EQ(fs_.open("f", O_RDONLY | O_DIRECT, 0), -EINVAL);
  EXPECT_EQ(fs_.open("f", O_RDONLY | O_ASYNC, 0), -EINVAL);
  EXPECT_EQ(fs_.open("f", O_RDONLY | O_NOATIME, 0), -EINVAL);
  EXPECT_EQ(fs_.open("f", O_ACCMODE, 0), -EINVAL);
  EXPECT_EQ(fs_.open("f", INT_MIN, 0), -EINVAL);
  EXPECT_EQ(fs_.open_fds(), 0u);
  // What musl passes is accepted: O_LARGEFILE (the kernel's bit), O_CLOEXEC.
  int g = static_cast<int>(fs_.open("f", O_RDONLY | kLinuxOLargefile | O_CLOEXEC | O_NONBLOCK, 0));
  ASSERT_GE(g, kShareFirstFd);
  EXPECT_EQ(fs_.fcntl(g, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_NE(fs_.fcntl(g, F_GETFL, 0) & O_NONBLOCK, 0);
  EXPECT_EQ(fs_.close(g), 0);
}

TEST_P(ShareTest, FcntlDupAndLocks) {
  put(in_share("f"), "0123456789");
  int g = static_cast<int>(fs_.open("f", O_RDWR, 0));
  ASSERT_EQ(g, 3);
  EXPECT_EQ(fs_.fcntl(g, F_GETFD, 0), 0);
  EXPECT_EQ(fs_.fcntl(g, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(fs_.fcntl(g, F_GETFD, 0), FD_CLOEXEC);
  int64_t fl = fs_.fcntl(g, F_GETFL, 0);
  EXPECT_EQ(fl & O_ACCMODE, O_RDWR);
  EXPECT_EQ(fl & (O_APPEND | O_NOCTTY | O_NONBLOCK), 0); // host-side O_NOCTTY/O_NONBLOCK not shown
  EXPECT_EQ(fs_.fcntl(g, F_SETFL, O_APPEND | O_ASYNC), 0);
  EXPECT_EQ(fs_.fcntl(g, F_GETFL, 0) & (O_APPEND | O_ASYNC), O_APPEND);
  EXPECT_EQ(fs_.fcntl(g, F_SETFL, 0), 0);
  EXPECT_EQ(fs_.fcntl(g, 12345, 0), -EINVAL);

  EXPECT_EQ(fs_.lseek(g, 4, SEEK_SET), 4);
  int64_t d = fs_.dup(g);
  ASSERT_EQ(d, 4);
  char c;
  EXPECT_EQ(fs_.read(static_cast<int>(d), &c, 1), 1); // shared offset
  EXPECT_EQ(c, '4');
  EXPECT_EQ(fs_.fcntl(static_cast<int>(d), F_GETFD, 0), 0);
  EXPECT_EQ(fs_.fcntl(g, F_DUPFD_CLOEXEC, 10), 10);
  EXPECT_EQ(fs_.fcntl(10, F_GETFD, 0), FD_CLOEXEC);
  EXPECT_EQ(fs_.fcntl(g, F_DUPFD, 1u << 20), -EINVAL);
  EXPECT_EQ(fs_.close(10), 0);
  EXPECT_EQ(fs_.close(static_cast<int>(d)), 0);

  struct flock fl_ = {};
  fl_.l_type = F_WRLCK;
  fl_.l_whence = SEEK_SET;
  fl_.l_len = 1;
  EXPECT_EQ(fs_.fcntl_lock(g, F_SETLK, &fl_), 0);
  EXPECT_EQ(fs_.fcntl_lock(g, F_GETLK, &fl_), 0);
  EXPECT_EQ(fl_.l_type, F_UNLCK); // our own lock does not conflict
  fl_.l_type = F_UNLCK;
  EXPECT_EQ(fs_.fcntl_lock(g, F_SETLKW, &fl_), 0);
  fl_.l_type = 99;
  EXPECT_EQ(fs_.fcntl_lock(g, F_SETLK, &fl_), -EINVAL);
  fl_.l_type = F_RDLCK;
  fl_.l_whence = 9;
  EXPECT_EQ(fs_.fcntl_lock(g, F_SETLK, &fl_), -EINVAL);
  EXPECT_EQ(fs_.fcntl_lock(g, F_SETLK, nullptr), -EFAULT);
  EXPECT_EQ(fs_.fcntl_lock(g, F_GETFD, &fl_), -EINVAL);
  EXPECT_EQ(fs_.close(g), 0);
}

TEST_P(ShareTest, HostileLengthsAndOffsets) {
  put(in_share("f"), "abc");
  int g = static_cast<int>(fs_.open("f", O_RDWR, 0));
  ASSERT_GE(g, kShareFirstFd);
  EXPECT_EQ(fs_.read(g, nullptr, 1), -EFAULT);
  EXPECT_EQ(fs_.read(g, nullptr, 0), 0);
  EXPECT_EQ(fs_.read(g, buf_, UINT64_MAX), -EFAULT); // buffer + length wraps
  void *high = reinterpret_cast<void *>(UINTPTR_MAX - 3);
  EXPECT_EQ(fs_.read(g, high, 8), -EFAULT);
  EXPECT_EQ(fs_.write(g, high, 8), -EFAULT);
  EXPECT_EQ(fs_.pread64(g, buf_, 1, -1), -EINVAL);
  EXPECT_EQ(fs_.pread64(g, buf_, 8, INT64_MAX - 2), -EINVAL);
  EXPECT_EQ(fs_.pwrite64(g, buf_, 1, -5), -EINVAL);
  EXPECT_EQ(fs_.getdents64(g, buf_, sizeof buf_), -ENOTDIR);
  EXPECT_EQ(fs_.getdents64(g, high, 64), -EFAULT);
  EXPECT_EQ(fs_.lseek(g, 0, 7), -EINVAL);
  EXPECT_EQ(fs_.lseek(g, -1, SEEK_SET), -EINVAL);
  EXPECT_EQ(fs_.ftruncate(g, -1), -EINVAL);
  EXPECT_EQ(fs_.fstat(g, nullptr), -EFAULT);
  EXPECT_EQ(fs_.readlink("f", buf_, 0), -EINVAL);
  EXPECT_EQ(fs_.readlink("f", nullptr, 8), -EFAULT);
  EXPECT_EQ(fs_.close(g), 0);

  // Paths: at most kSharePathMax - 1 bytes; they end at the first NUL.
  std::string longp(kSharePathMax, 'a');
  EXPECT_EQ(fs_.open(longp, O_RDONLY, 0), -ENAMETOOLONG);
  EXPECT_EQ(fs_.stat(longp, reinterpret_cast<struct stat *>(buf_)), -ENAMETOOLONG);
  std::string component(300, 'b');
  EXPECT_EQ(fs_.open(component, O_RDONLY, 0), -ENAMETOOLONG);
  EXPECT_EQ(guest_read(std::string("f\0/../../secret", 15)), "abc");
  EXPECT_EQ(fs_.open("", O_RDONLY, 0), -ENOENT);
  EXPECT_EQ(fs_.open(std::string("\0f", 2), O_RDONLY, 0), -ENOENT);
}

TEST_P(ShareTest, BadAndClosedFds) {
  put(in_share("f"), "abc");
  for (int bad : {-1, 0, 1, 2, 3, 99, INT_MAX, INT_MIN, kLinuxAtFdcwd}) {
    EXPECT_EQ(fs_.read(bad, buf_, 1), -EBADF) << bad;
    EXPECT_EQ(fs_.write(bad, buf_, 1), -EBADF) << bad;
    EXPECT_EQ(fs_.close(bad), -EBADF) << bad;
    EXPECT_EQ(fs_.fstat(bad, reinterpret_cast<struct stat *>(buf_)), -EBADF) << bad;
    EXPECT_EQ(fs_.lseek(bad, 0, SEEK_SET), -EBADF) << bad;
    EXPECT_EQ(fs_.fcntl(bad, F_GETFD, 0), -EBADF) << bad;
    EXPECT_EQ(fs_.getdents64(bad, buf_, sizeof buf_), -EBADF) << bad;
    if (bad != kLinuxAtFdcwd) {
      EXPECT_EQ(fs_.openat(bad, "f", O_RDONLY, 0), -EBADF) << bad;
    }
  }
  int g = static_cast<int>(fs_.open("f", O_RDONLY, 0));
  ASSERT_EQ(g, kShareFirstFd);
  EXPECT_EQ(fs_.close(g), 0);
  EXPECT_EQ(fs_.read(g, buf_, 1), -EBADF);
  EXPECT_EQ(fs_.close(g), -EBADF);
  // A regular file is not a directory fd.
  g = static_cast<int>(fs_.open("f", O_RDONLY, 0));
  EXPECT_EQ(fs_.openat(g, "x", O_RDONLY, 0), -ENOTDIR);
  // ...but an absolute path ignores dirfd, as in Linux.
  EXPECT_EQ(guest_read("/f"), "abc");
  int64_t h = fs_.openat(g, "/f", O_RDONLY, 0);
  EXPECT_GE(h, kShareFirstFd);
  EXPECT_EQ(fs_.close(static_cast<int>(h)), 0);
  EXPECT_EQ(fs_.close(g), 0);
}

class SmallShareTest : public ShareTest {
  unsigned max_fds() const override { return 4; }
};

TEST_P(SmallShareTest, FdExhaustionAndReuse) {
  put(in_share("f"), "abc");
  for (int i = 0; i < 4; i++) EXPECT_EQ(fs_.open("f", O_RDONLY, 0), kShareFirstFd + i);
  EXPECT_EQ(fs_.open("f", O_RDONLY, 0), -EMFILE);
  EXPECT_EQ(fs_.open("new", O_CREAT | O_WRONLY, 0644), -EMFILE);
  EXPECT_FALSE(exists(in_share("new"))); // refused before touching the host
  EXPECT_EQ(fs_.dup(3), -EMFILE);
  EXPECT_EQ(fs_.open_fds(), 4u);
  EXPECT_EQ(fs_.close(4), 0);
  EXPECT_EQ(fs_.open("f", O_RDONLY, 0), 4); // lowest free fd
  EXPECT_EQ(fs_.close(6), 0);
  EXPECT_EQ(fs_.dup(3), 6);
  EXPECT_EQ(fs_.read(7, buf_, 1), -EBADF); // beyond the table
  // The table is left full: TearDown checks that its destruction closes all.
}

TEST(ShareFsNone, WithoutShareTheGuestHasNoFiles) {
  ShareFs fs;
  EXPECT_FALSE(fs.enabled());
  struct stat st;
  char b[8];
  EXPECT_EQ(fs.open("/etc/passwd", O_RDONLY, 0), -ENOENT);
  EXPECT_EQ(fs.open("x", O_CREAT | O_WRONLY, 0644), -ENOENT);
  EXPECT_EQ(fs.stat("/", &st), -ENOENT);
  EXPECT_EQ(fs.fstatat(kLinuxAtFdcwd, "", &st, AT_EMPTY_PATH), -ENOENT);
  EXPECT_EQ(fs.access("/", F_OK), -ENOENT);
  EXPECT_EQ(fs.unlink("x"), -ENOENT);
  EXPECT_EQ(fs.mkdir("x", 0755), -ENOENT);
  EXPECT_EQ(fs.rename("x", "y"), -ENOENT);
  EXPECT_EQ(fs.readlink("x", b, sizeof b), -ENOENT);
  EXPECT_EQ(fs.read(3, b, sizeof b), -EBADF);
  EXPECT_EQ(fs.close(3), -EBADF);
  EXPECT_EQ(fs.open_fds(), 0u);
}

TEST(ShareFsOpen, BadDirectoriesNamed) {
  auto a = ShareFs::open_dir("/nonexistent-uk-share");
  ASSERT_FALSE(a);
  EXPECT_STREQ(a.error().what(), "--share /nonexistent-uk-share: cannot open the directory: No such file or directory");
  auto b = ShareFs::open_dir("/proc/self/status");
  ASSERT_FALSE(b);
  EXPECT_STREQ(b.error().what(), "--share /proc/self/status: cannot open the directory: Not a directory");
  ShareFs::Options o;
  o.max_fds = 0;
  auto c = ShareFs::open_dir("/tmp", o);
  ASSERT_FALSE(c);
  EXPECT_STREQ(c.error().what(), "--share /tmp: 0 guest fds requested (1..1024)");
  o.max_fds = kShareMaxFdsLimit + 1;
  EXPECT_FALSE(ShareFs::open_dir("/tmp", o));
}

INSTANTIATE_TEST_SUITE_P(Resolvers, ShareTest, ::testing::Values(Resolver::kOpenat2, Resolver::kWalk), resolver_name);
INSTANTIATE_TEST_SUITE_P(Resolvers, SmallShareTest, ::testing::Values(Resolver::kOpenat2, Resolver::kWalk),
                         resolver_name);

} // namespace
} // namespace uk::kvmhost::test
