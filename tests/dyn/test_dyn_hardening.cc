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

// (The message is computed once: each run of the loader counts.)
#define EXPECT_HAS(msg, part)                                                                                         \
  do {                                                                                                                \
    std::string m_ = (msg);                                                                                           \
    EXPECT_NE(m_.find(part), std::string::npos) << m_;                                                                \
  } while (0)

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
  EXPECT_EQ(real.out, dyn_run({so_of("helloworld")}).out); // as the undamaged app
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

// === item 17
// SHN_ABS symbols: an absolute value, not an address inside the object.
// Where the loader needs an address inside the object (the app table, a
// copy relocation's source, an ifunc resolver, --invoke's function) it
// refuses them with a message.
TEST_F(Hardening, AbsoluteAppTableIsRefused) {
  ElfPatch b = lib("libboot.so");
  b.sym("__uk_app")->st_shndx = SHN_ABS;
  b.save(dir + "/libboot.so");
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", "-L", dir, app})),
             "uk-dyn-run: " + dir + "/libboot.so: __uk_app is an absolute symbol (SHN_ABS), not a writable 40-byte "
             "object");
}

TEST_F(Hardening, AbsoluteInvokeTargetIsRefused) {
  ElfPatch e = fresh();
  e.sym("uk_handler")->st_shndx = SHN_ABS;
  e.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({"--invoke", "uk_handler", "--arg", "string:x", "--arg", "int:1", app})),
             "uk-dyn-run: " + app + ": --invoke: 'uk_handler' is an absolute symbol (SHN_ABS), not a function");
}

TEST_F(Hardening, AbsoluteCopySourceIsRefused) {
  ElfPatch l = lib("libdyntest.so");
  l.sym("dyntest_counter")->st_shndx = SHN_ABS;
  l.save(dir + "/libdyntest.so");
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", "-L", dir, test_app("dyntest"), "copy"})),
             ": R_X86_64_COPY of 'dyntest_counter': its definition in " + dir +
                 "/libdyntest.so is an absolute symbol (SHN_ABS)");
}

TEST_F(Hardening, AbsoluteIfuncIsRefusedAtLoad) {
  ElfPatch l = lib("libdyntest.so");
  l.sym("dyntest_twice")->st_shndx = SHN_ABS;
  l.save(dir + "/libdyntest.so");
  for (const char *mode : {"--dry-run", "--bind-now"})
    EXPECT_HAS(expect_load_error(dyn_run({mode, "-L", dir, test_app("dyntest"), "ifunc"})),
               ": ifunc 'dyntest_twice' of " + dir + "/libdyntest.so is an absolute symbol (SHN_ABS)");
}

// The lazy path: an ifunc bound at its first call whose resolver is
// absolute, or not in code, is reported by the resolver, exit status 127.
TEST_F(Hardening, BadIfuncIsRefusedAtItsFirstCall) {
  for (bool absolute : {true, false}) {
    ElfPatch m = lib("libmusl.so");
    Elf64_Sym *s = m.sym("printf");
    s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_GNU_IFUNC);
    if (absolute) s->st_shndx = SHN_ABS;
    else s->st_value = m.sym("environ")->st_value; // data, not code
    m.save(dir + "/libmusl.so");
    RunResult r = dyn_run({"-L", dir, app});
    EXPECT_EQ(r.status, 127) << r.err;
    EXPECT_EQ(r.err, "uk-dyn-run: " + app + ": lazy binding: ifunc 'printf' of " + dir + "/libmusl.so " +
                         (absolute ? "is an absolute symbol (SHN_ABS)" : "is outside every executable segment") +
                         "\n");
  }
}

// === item 18
// A PT_GNU_RELRO that covers libboot.so's __uk_app: the table is written
// before RELRO is made read-only, and the program runs.
TEST_F(Hardening, RelroCoveringTheAppTable) {
  ElfPatch b = lib("libboot.so");
  Elf64_Phdr &relro = b.phdr(static_cast<size_t>(b.find_phdr(PT_GNU_RELRO)));
  uint64_t table_end = b.sym("__uk_app")->st_value + 40;
  relro.p_memsz = ((table_end + 4095) & ~uint64_t{4095}) - relro.p_vaddr; // every page up to the table's end
  b.save(dir + "/libboot.so");
  RunResult dry = dyn_run({"--dry-run", "-L", dir, app});
  EXPECT_EQ(dry.status, 0) << dry.err;
  RunResult r = dyn_run({"-L", dir, app});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, dyn_run({so_of("helloworld")}).out); // as with the undamaged library
}

// === item 19
TEST_F(Hardening, CopyRelocationWithoutSymbol) {
  ElfPatch e = fresh();
  e.rela(0)->r_info = ELF64_R_INFO(0, R_X86_64_COPY);
  e.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})), app + ": R_X86_64_COPY at 0x");
  EXPECT_HAS(expect_load_error(dyn_run({"--dry-run", app})), " has no symbol (index 0)");
}

// === item 20
// Names from the object are printed escaped (\xNN for anything but
// printable ASCII, bounded): one line, no terminal escape sequence.
TEST_F(Hardening, NamesFromTheObjectArePrintedEscaped) {
  ElfPatch n = fresh();
  n.bytes().replace(n.dynstr_offset("libboot.so"), 10, "l\x1b[1m\nt.so");
  n.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({app})), "uk-dyn-run: l\\x1b[1m\\x0at.so: library not found (needed by " + app);

  ElfPatch s = fresh();
  s.bytes().replace(s.dynstr_offset("printf"), 2, "\x1b\n");
  s.save(app);
  EXPECT_EQ(expect_load_error(dyn_run({"--bind-now", app})),
            "uk-dyn-run: " + app + ": undefined symbol: '\\x1b\\x0aintf' (referenced by " + app + ")\n");
  RunResult lazy = dyn_run({app});
  EXPECT_EQ(lazy.status, 127);
  EXPECT_EQ(lazy.err, "uk-dyn-run: " + app + ": symbol '\\x1b\\x0aintf' not found at its first call (lazy binding; "
                      "searched 3 objects)\n");

  ElfPatch c = fresh(); // other control bytes
  c.bytes().replace(c.dynstr_offset("printf"), 6, "\x01\x02\x7f\x80\xff\\");
  c.save(app);
  EXPECT_HAS(expect_load_error(dyn_run({"--bind-now", app})), "'\\x01\\x02\\x7f\\x80\\xff\\\\'");

  std::string sub = dir + "/" + std::string(250, 'a'); // a name of 500 bytes is cut
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  std::string longname = sub + "/" + std::string(240, 'b') + ".so";
  write_text(longname, std::string(200, 'x'));
  std::string cut = expect_load_error(dyn_run({longname}));
  EXPECT_HAS(cut, "aaaa...: not an ELF file (bad magic)");
  EXPECT_LT(cut.size(), 400u);

  std::string odd = dir + "/hello\nworld\x1b.so"; // a file name with a newline: one line still
  write_text(odd, std::string(200, 'x'));
  EXPECT_EQ(expect_load_error(dyn_run({odd})),
            "uk-dyn-run: " + dir + "/hello\\x0aworld\\x1b.so: not an ELF file (bad magic)\n");
}

// === item 21
// --dry-run loads and resolves without executing anything of the objects:
// no ifunc resolver runs (here libmusl.so's abort made an ifunc, which
// would kill the loader with SIGABRT if called).
TEST_F(Hardening, DryRunRunsNoIfuncResolver) {
  ElfPatch m = lib("libmusl.so");
  m.sym("abort")->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_GNU_IFUNC);
  m.save(dir + "/libmusl.so");
  RunResult r = dyn_run({"--dry-run", "--bind-now", "-L", dir, app});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  RunResult inv = dyn_run({"--dry-run", "--invoke", "abort", "--ret", "void", "-L", dir, app});
  EXPECT_EQ(inv.status, 0) << inv.err;
  EXPECT_EQ(inv.out, "");
  // Without --dry-run the resolver does run (the damage is real).
  RunResult real = dyn_run({"--bind-now", "-L", dir, app});
  EXPECT_EQ(real.status, 128 + SIGABRT) << real.err;
}

} // namespace
} // namespace uk::test
