// The KVM ELF is a VM image a standard monitor boots: QEMU 7.2's microvm
// (`-kernel APP.kvm.elf`, PVH entry note) runs it without uk-kvm-run; the
// guest platform then writes its console to COM1 (QEMU's -serial stdio) and
// its exit status to isa-debug-exit, which makes QEMU exit with
// (status << 1) | 1. Each case runs once with KVM (-enable-kvm -cpu host)
// and once with TCG, and compares with the app's linuxu ELF run directly.
#include <elf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

const std::string kQemuName = "qemu-system-x86_64";

std::string find_on_path(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  for (size_t pos = 0; pos <= p.size();) {
    size_t c = p.find(':', pos);
    if (c == std::string::npos) c = p.size();
    std::string cand = p.substr(pos, c - pos) + "/" + name;
    if (c > pos && access(cand.c_str(), X_OK) == 0) return cand;
    pos = c + 1;
  }
  return "";
}

std::string kvm_elf_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".kvm.elf"; }

enum class Accel { Kvm, Tcg };

// Why this accelerator cannot run here ("" if it can).
std::string missing(Accel a) {
  if (find_on_path(kQemuName).empty())
    return kQemuName + " not found on PATH (Debian package qemu-system-x86, scripts/setup.sh)";
  if (find_on_path("timeout").empty()) return "timeout (coreutils) not found on PATH";
  if (a == Accel::Kvm) {
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) return std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + "): QEMU with KVM needs it";
    close(fd);
  }
  return "";
}

// QEMU microvm, the serial port on stdout, isa-debug-exit at the port the
// guest uses; `timeout` ends a guest that would never exit.
RunResult boot(Accel a, const std::string &app, const std::vector<std::string> &args) {
  std::vector<std::string> argv = {find_on_path("timeout"), "120", find_on_path(kQemuName), "-M", "microvm"};
  if (a == Accel::Kvm) argv.insert(argv.end(), {"-enable-kvm", "-cpu", "host"});
  else argv.insert(argv.end(), {"-accel", "tcg"});
  argv.insert(argv.end(), {"-m", "64", "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
                           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-kernel", kvm_elf_of(app)});
  std::string cmdline;
  for (const std::string &s : args) cmdline += (cmdline.empty() ? "" : " ") + s;
  if (!cmdline.empty()) argv.insert(argv.end(), {"-append", cmdline});
  return run(argv);
}

// QEMU's exit status for the guest's status s (isa-debug-exit).
int qemu_status(int s) { return ((s << 1) | 1) & 0xff; }

struct Case {
  std::string name, app;
  std::vector<std::string> args;
  int status;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }
void PrintTo(Accel a, std::ostream *os) { *os << (a == Accel::Kvm ? "kvm" : "tcg"); }

class QemuBoot : public ::testing::TestWithParam<std::tuple<Case, Accel>> {};

TEST_P(QemuBoot, SameOutputAndStatusAsTheDirectLinuxuRun) {
  const auto &[c, accel] = GetParam();
  if (std::string why = missing(accel); !why.empty()) GTEST_SKIP() << why;
  // The direct run: stdout and stderr both, as the one serial port carries both.
  std::vector<std::string> direct = {elf_of(c.app)};
  direct.insert(direct.end(), c.args.begin(), c.args.end());
  RunResult ref = run(direct);
  ASSERT_EQ(ref.status, c.status) << ref.err;
  RunResult q = boot(accel, c.app, c.args);
  EXPECT_EQ(q.status, qemu_status(c.status)) << q.err;
  EXPECT_EQ(q.out, ref.out + ref.err) << q.err; // the apps here write stdout, then stderr at most
}

std::string name_of(const ::testing::TestParamInfo<std::tuple<Case, Accel>> &i) {
  return std::get<0>(i.param).name + (std::get<1>(i.param) == Accel::Kvm ? "_kvm" : "_tcg");
}

INSTANTIATE_TEST_SUITE_P(
    Microvm, QemuBoot,
    ::testing::Combine(::testing::Values(Case{"helloworld", "helloworld", {}, 0},
                                         Case{"helloworld_args", "helloworld", {"one", "two"}, 0},
                                         Case{"exitcode_42", "exitcode", {"42"}, 42},
                                         Case{"exitcode_usage", "exitcode", {}, 2}),
                       ::testing::Values(Accel::Kvm, Accel::Tcg)),
    name_of);

// The note QEMU reads: in the KVM ELF a PT_NOTE with one Xen note of type
// XEN_ELFNOTE_PHYS32_ENTRY (18) whose 8-byte value lies in an executable
// PT_LOAD; the linuxu ELF of the same app has no note at all.
struct Notes {
  int count = 0;
  uint64_t entry = 0;
  bool entry_executable = false;
};

Notes pvh_notes(const std::string &path) {
  std::string f = read_text(path);
  Notes n;
  Elf64_Ehdr eh;
  if (f.size() < sizeof eh) return n;
  std::memcpy(&eh, f.data(), sizeof eh);
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  if (eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) > f.size()) return n;
  std::memcpy(ph.data(), f.data() + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
  for (const Elf64_Phdr &p : ph) {
    if (p.p_type != PT_NOTE) continue;
    n.count++;
    // namesz 4, descsz 8, type 18, "Xen\0", then the entry (4-byte alignment)
    if (p.p_filesz < 24 || p.p_offset + 24 > f.size()) continue;
    uint32_t hdr[3];
    std::memcpy(hdr, f.data() + p.p_offset, sizeof hdr);
    if (hdr[0] != 4 || hdr[1] != 8 || hdr[2] != 18 || std::memcmp(f.data() + p.p_offset + 12, "Xen", 4) != 0) continue;
    std::memcpy(&n.entry, f.data() + p.p_offset + 16, 8);
  }
  for (const Elf64_Phdr &p : ph)
    if (p.p_type == PT_LOAD && (p.p_flags & PF_X) && n.entry >= p.p_paddr && n.entry < p.p_paddr + p.p_memsz)
      n.entry_executable = true;
  return n;
}

TEST(PvhNote, KvmElfHasTheEntryNoteLinuxuElfHasNone) {
  Notes k = pvh_notes(kvm_elf_of("helloworld"));
  EXPECT_EQ(k.count, 1);
  EXPECT_NE(k.entry, 0u);
  EXPECT_LT(k.entry, 1ull << 32) << "a 32-bit entry";
  EXPECT_TRUE(k.entry_executable);
  Notes l = pvh_notes(elf_of("helloworld"));
  EXPECT_EQ(l.count, 0);
}

} // namespace
} // namespace uk::test
