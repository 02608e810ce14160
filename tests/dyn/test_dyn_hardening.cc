// uk-dyn-run on inputs that once crashed or hung it (issue 7, items
// 15-21): each test reproduces one defect on a damaged copy of a real
// object of the corpus and checks what the loader must do instead.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>

#include "dyn_util.h"
#include "elf_patch.h"

namespace uk::test {
namespace {

class Hardening : public ::testing::Test {
protected:
  void SetUp() override {
    dir = make_temp_dir();
    app = dir + "/helloworld.so";
    ASSERT_EQ(std::system(("cp " + so_of("helloworld") + " " + dir + "/").c_str()), 0);
  }
  void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }
  ElfPatch fresh() { return ElfPatch(so_of("helloworld")); }
  // A copy of library `lib` of the default library directory, to damage
  // and save in dir (found first with -L dir).
  ElfPatch lib(const std::string &name) { return ElfPatch(kDynLib + "/" + name); }
  std::string dir, app;
};

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)

// === item 15
// A FIFO where the app or a library should be: refused at once (opened
// non-blocking, its type checked before anything is read), even --dry-run.
TEST_F(Hardening, FifoAppOrLibraryIsRefusedWithoutBlocking) {
  std::string fifo = dir + "/fifo.so";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  for (bool dry : {true, false}) {
    std::vector<std::string> args;
    if (dry) args.push_back("--dry-run");
    args.push_back(fifo);
    EXPECT_HAS(expect_load_error(dyn_run_bounded(args)), "uk-dyn-run: " + fifo + ": not a regular file");
  }
  std::string libdir = dir + "/lib";
  ASSERT_EQ(mkdir(libdir.c_str(), 0700), 0);
  ASSERT_EQ(mkfifo((libdir + "/libboot.so").c_str(), 0600), 0);
  EXPECT_HAS(expect_load_error(dyn_run_bounded({"--dry-run", "-L", libdir, app})),
             "uk-dyn-run: " + libdir + "/libboot.so: not a regular file");
}

// === item 16
// A writable segment with 1 GiB of bss from a small file: mapped lazily
// (anonymous, untouched), so neither --dry-run nor a real run makes it
// resident; an absurd size is refused naming the segment.
TEST_F(Hardening, HugeBssIsMappedLazily) {
  ElfPatch e = fresh();
  int w = -1;
  for (size_t i = 0; i < e.phnum(); i++)
    if (e.phdr(i).p_type == PT_LOAD && (e.phdr(i).p_flags & PF_W)) w = static_cast<int>(i);
  ASSERT_GE(w, 0);
  e.phdr(static_cast<size_t>(w)).p_memsz += uint64_t{1} << 30;
  e.save(app);
  constexpr long kLimitKiB = 256 * 1024; // a quarter of the bss: far above the loader's own few MiB
  long rss = 0;
  RunResult dry = dyn_run_rss({"--dry-run", app}, dir, &rss);
  EXPECT_EQ(dry.status, 0) << dry.err;
  EXPECT_LT(rss, kLimitKiB) << "--dry-run made the bss resident";
  RunResult real = dyn_run_rss({app}, dir, &rss);
  EXPECT_EQ(real.status, 0) << real.err;
  EXPECT_HAS(real.out, "Hello, world!");
  EXPECT_LT(rss, kLimitKiB) << "the bss was populated at load";
}

TEST_F(Hardening, AbsurdSegmentSizeIsRefused) {
  ElfPatch e = fresh();
  int w = -1;
  for (size_t i = 0; i < e.phnum(); i++)
    if (e.phdr(i).p_type == PT_LOAD && (e.phdr(i).p_flags & PF_W)) w = static_cast<int>(i);
  ASSERT_GE(w, 0);
  e.phdr(static_cast<size_t>(w)).p_memsz = uint64_t{1} << 40;
  e.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})),
             app + ": segment " + std::to_string(w) + " (vaddr 0x");
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})),
             "0x10000000000 bytes in memory) is larger than the 64 GiB an object may span");
}

// === item 19
TEST_F(Hardening, CopyRelocationWithoutSymbol) {
  ElfPatch e = fresh();
  e.rela(0)->r_info = ELF64_R_INFO(0, R_X86_64_COPY);
  e.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})), app + ": R_X86_64_COPY at 0x");
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})), " has no symbol (index 0)");
}

} // namespace
} // namespace uk::test
