// A temporary tree for the --share tests: TMP/share is DIR, TMP/secret is a
// file outside it that no guest call may reach. Parameterised by the
// resolver: openat2 (skipped where the kernel lacks it) or the O_NOFOLLOW walk.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "share_fs.h"

namespace uk::kvmhost::test {

enum class Resolver { kOpenat2, kWalk };

inline std::string resolver_name(const ::testing::TestParamInfo<Resolver> &i) {
  return i.param == Resolver::kOpenat2 ? "Openat2" : "Walk";
}

// Open host fds of this process (entries of /proc/self/fd, minus the one
// opendir uses).
inline int host_fd_count() {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n - 3; // ".", ".." and the DIR's own fd
}

class ShareTest : public ::testing::TestWithParam<Resolver> {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/uk-kvmhost-share-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    share_ = tmp_ + "/share";
    ASSERT_EQ(::mkdir(share_.c_str(), 0755), 0);
    put(tmp_ + "/secret", "host secret");
    fds_before_ = host_fd_count();
    ShareFs::Options o;
    o.max_fds = max_fds();
    o.force_walk = GetParam() == Resolver::kWalk;
    auto r = ShareFs::open_dir(share_, o);
    ASSERT_TRUE(r) << r.error().what();
    fs_ = std::move(*r);
    if (GetParam() == Resolver::kOpenat2 && !fs_.uses_openat2())
      GTEST_SKIP() << "this kernel has no openat2 (Linux >= 5.6): only the walk resolver is tested";
  }
  void TearDown() override {
    fs_ = ShareFs();
    // Every host fd the table opened is closed with it.
    if (fds_before_ >= 0) {
      EXPECT_EQ(host_fd_count(), fds_before_);
    }
    std::string cmd = "rm -rf '" + tmp_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  virtual unsigned max_fds() const { return kShareDefaultMaxFds; }

  static void put(const std::string &path, const std::string &text) { std::ofstream(path) << text; }
  static std::string get(const std::string &path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  static bool exists(const std::string &path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
  std::string in_share(const std::string &rel) const { return share_ + "/" + rel; }

  // Reads a whole guest file through the table ("" and an error string if it fails).
  std::string guest_read(const std::string &path) {
    int64_t fd = fs_.open(path, O_RDONLY, 0);
    if (fd < 0) return "error " + std::to_string(fd);
    std::string out;
    char buf[256];
    for (;;) {
      int64_t n = fs_.read(static_cast<int>(fd), buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(fs_.close(static_cast<int>(fd)), 0);
    return out;
  }

  alignas(16) char buf_[4096] = {};
  std::string tmp_, share_;
  int fds_before_ = -1;
  ShareFs fs_;
};

} // namespace uk::kvmhost::test
