// Issue 7 item 13: image maps as the kernel's ELF loader makes segments,
// zero past their file bytes, read-only maps included.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

// The bytes of a read-only image map past FILESZ read as zero (they used
// to show the image's next bytes).
TEST(ImageMaps, ReadOnlyMapIsZeroPastItsFileBytes) {
  std::string dir = copy_fixture("helloworld");
  std::string desc = dir + "/helloworld.desc";
  std::string text = read_text(desc);
  std::string image = read_text(dir + "/helloworld.img");
  ASSERT_GE(image.size(), 4096u);
  ASSERT_NE(image.find_first_not_of('\0', 16), std::string::npos); // nonzero bytes follow the first 16
  size_t end = text.rfind("end\n");
  ASSERT_NE(end, std::string::npos);
  const uint64_t at = 0x10000000000; // 1 TiB: far from everything
  write_text(desc, text.substr(0, end) + "block extra 0x2000 0x10000000000\nmap extra 0x0 0x2000 r-- image 0x0 0x10\nend\n");
  HeldProcess p({kLoader, "--pool", dir + "/pool", desc});
  ASSERT_TRUE(p.held());
  std::string mem(0x2000, '\x01');
  int fd = open(("/proc/" + std::to_string(p.pid()) + "/mem").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pread(fd, mem.data(), mem.size(), static_cast<off_t>(at)), static_cast<ssize_t>(mem.size()));
  close(fd);
  EXPECT_EQ(mem.substr(0, 16), image.substr(0, 16));
  EXPECT_EQ(mem.find_first_not_of('\0', 16), std::string::npos) << "first nonzero byte past FILESZ at +0x" << std::hex
                                                                 << mem.find_first_not_of('\0', 16);
  bool read_only = false;
  for (const Mapping &m : maps_of(p.pid()))
    if (m.start == at) read_only = m.perms.rfind("r--", 0) == 0;
  EXPECT_TRUE(read_only) << "the map keeps its final protection r--";
  EXPECT_EQ(p.release(), 0);
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
} // namespace uk::test
