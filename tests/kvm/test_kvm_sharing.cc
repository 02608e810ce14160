// Pool objects are shared read-only: two VMs map the same pool inodes, and a
// uk-slt-run process and a VM map the very same musl object (one pool for
// both platforms). Checked in the VMM processes' own mappings, held at exit.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>
#include <string>

#include "kvm_util.h"

namespace uk::test::kvm {
namespace {

std::set<unsigned long> pool_inodes(pid_t pid, const std::string &path) {
  std::set<unsigned long> inodes;
  for (const Mapping &m : maps_of(pid))
    if (m.path == path) {
      inodes.insert(m.inode);
      EXPECT_EQ(m.perms[1], '-') << "pool mapping is writable: " << m.perms;
      EXPECT_EQ(m.perms[3], 's') << "pool mapping is not MAP_SHARED: " << m.perms;
    }
  return inodes;
}

std::string object_of(const std::string &desc, const char *lib) {
  Desc *d = load_desc(desc);
  if (!d) return "";
  for (uint32_t i = 0; i < d->nlibs; i++)
    if (std::string(d->libs[i].name) == lib) return d->libs[i].object;
  ADD_FAILURE() << desc << " has no library " << lib;
  return "";
}

// uk-kvm-run built with the sanitizers: LeakSanitizer cannot run in a
// traced process (it exits non-zero), and these VMMs are held by ptrace.
// The last setting of an option wins, so the suite's other options stay.
void no_leak_check_under_ptrace() {
  const char *old = std::getenv("ASAN_OPTIONS");
  std::string opts = std::string(old ? old : "") + (old && *old ? ":" : "") + "detect_leaks=0";
  setenv("ASAN_OPTIONS", opts.c_str(), 1);
}

unsigned long inode_of(const std::string &path) {
  struct stat st;
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return static_cast<unsigned long>(st.st_ino);
}

TEST(KvmSharing, TwoVmsMapTheSamePoolInodes) {
  UK_REQUIRE_KVM();
  no_leak_check_under_ptrace();
  HeldProcess a({kVmm, "--pool", kPool, kvm_desc_of("helloworld"), "held"});
  HeldProcess b({kVmm, "--pool", kPool, kvm_desc_of("exitcode"), "0"});
  ASSERT_TRUE(a.held());
  ASSERT_TRUE(b.held());
  for (const char *lib : {"musl", "boot", "gccrt", "kvmplat"}) {
    SCOPED_TRACE(lib);
    std::string obj = object_of(kvm_desc_of("helloworld"), lib);
    ASSERT_EQ(obj, object_of(kvm_desc_of("exitcode"), lib));
    std::string path = kPool + "/" + obj;
    std::set<unsigned long> want = {inode_of(path)};
    EXPECT_EQ(pool_inodes(a.pid(), path), want);
    EXPECT_EQ(pool_inodes(b.pid(), path), want);
  }
  EXPECT_EQ(a.release(), 0);
  EXPECT_EQ(b.release(), 0);
}

TEST(KvmSharing, AProcessAndAVmMapTheSameMuslObject) {
  UK_REQUIRE_KVM();
  no_leak_check_under_ptrace();
  // One pool for both platforms: the linuxu and the KVM pack name the same objects.
  for (const char *lib : {"musl", "boot", "gccrt", "helloworld"}) {
    EXPECT_EQ(object_of(desc_of("helloworld"), lib), object_of(kvm_desc_of("helloworld"), lib)) << lib;
  }
  HeldProcess p({kLoader, "--pool", kPool, desc_of("helloworld")});
  HeldProcess v({kVmm, "--pool", kPool, kvm_desc_of("helloworld")});
  ASSERT_TRUE(p.held());
  ASSERT_TRUE(v.held());
  std::string path = kPool + "/" + object_of(desc_of("helloworld"), "musl");
  std::set<unsigned long> want = {inode_of(path)};
  EXPECT_EQ(pool_inodes(p.pid(), path), want);
  EXPECT_EQ(pool_inodes(v.pid(), path), want);
  EXPECT_EQ(p.release(), 0);
  EXPECT_EQ(v.release(), 0);
}

} // namespace
} // namespace uk::test::kvm
