// uk-kvm-floor: the floor of bench/run-kvm-boot.sh. The least a KVM monitor
// does to run a long-mode guest: one VM, one vCPU, one 2 MiB anonymous
// memslot holding identity page tables, a GDT and the flat guest binary
// (kvm_floor_guest.S, loaded at 0x10000), long mode set by KVM_SET_SREGS,
// then KVM_RUN until the guest's exit hypercall. It serves the three
// doorbell calls of uk_kvm_abi.h the floor guest makes (writev, set_fs,
// exit) the way uk-kvm-run does (the FS base through KVM_SET_SREGS), with
// no checks beyond the bounds of its one memslot. Exit status: the guest's,
// or 1 with one line on stderr.
//   uk-kvm-floor [-v] GUEST.bin
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli_conventions.h"
#include "uk_kvm_abi.h"

namespace {

constexpr uint64_t kMemSize = 2ull << 20;
constexpr uint64_t kPml4 = 0x1000, kPdpt = 0x2000, kPd = 0x3000; // 4 PDs: the first 4 GiB (doorbell included)
constexpr uint64_t kGdt = 0x8000, kLoad = 0x10000;

[[noreturn]] void die(const char *what) {
  std::fprintf(stderr, "uk-kvm-floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

kvm_segment seg(uint16_t sel, uint8_t type, uint8_t dpl, bool code) {
  kvm_segment s{};
  s.limit = 0xffffffff;
  s.selector = sel;
  s.type = type;
  s.present = 1;
  s.dpl = dpl;
  s.db = code ? 0 : 1;
  s.s = 1;
  s.l = code ? 1 : 0;
  s.g = 1;
  return s;
}

bool in_mem(uint64_t gpa, uint64_t len) { return gpa <= kMemSize && len <= kMemSize - gpa; }

} // namespace

int main(int argc, char **argv) {
  std::string guest;
  bool verbose = false;
  CLI::App cli{"uk-kvm-floor: the floor of the boot-time bench, a minimal KVM monitor for kvm_floor_guest.bin"};
  uk::cli::version(cli, "uk-kvm-floor " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", verbose, "say on stderr how the guest exited");
  cli.add_option("GUEST", guest, "the floor guest's flat binary")->required();
  if (auto status = uk::cli::parse(cli, "uk-kvm-floor", argc, argv)) return *status; // help, version, usage (2)
  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) die("/dev/kvm");
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) die("KVM_CREATE_VM");
  auto *mem = static_cast<uint8_t *>(mmap(nullptr, kMemSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (mem == MAP_FAILED) die("mmap");
  int fd = open(guest.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(guest.c_str());
  ssize_t n = read(fd, mem + kLoad, kMemSize / 2 - kLoad);
  if (n <= 0) die(guest.c_str());
  close(fd);
  auto put = [&](uint64_t gpa, uint64_t v) { std::memcpy(mem + gpa, &v, 8); };
  put(kPml4, kPdpt | 7);
  for (uint64_t i = 0; i < 4; i++) put(kPdpt + 8 * i, (kPd + 0x1000 * i) | 7);
  for (uint64_t i = 0; i < 4 * 512; i++) put(kPd + 8 * i, (i << 21) | 0x87); // 2 MiB pages, user
  const uint64_t gdt[6] = {0, UK_KVM_GDT_KCODE, UK_KVM_GDT_KDATA, 0, UK_KVM_GDT_UDATA, UK_KVM_GDT_UCODE};
  std::memcpy(mem + kGdt, gdt, sizeof gdt);
  kvm_userspace_memory_region r{0, 0, 0, kMemSize, reinterpret_cast<uint64_t>(mem)};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) != 0) die("KVM_SET_USER_MEMORY_REGION");
  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) die("KVM_CREATE_VCPU");
  int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  auto *run = static_cast<kvm_run *>(mmap(nullptr, static_cast<size_t>(run_size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0));
  if (run == MAP_FAILED) die("mmap kvm_run");
  kvm_sregs s;
  if (ioctl(vcpu, KVM_GET_SREGS, &s) != 0) die("KVM_GET_SREGS");
  s.cs = seg(UK_KVM_SEL_KCODE, 11, 0, true);
  s.ds = s.es = s.fs = s.gs = s.ss = seg(UK_KVM_SEL_KDATA, 3, 0, false);
  s.gdt.base = kGdt;
  s.gdt.limit = sizeof gdt - 1;
  s.cr0 = 0x80010033; // PG WP NE ET MP PE, as uk-kvm-run
  s.cr3 = kPml4;
  s.cr4 = 0x620;      // OSXMMEXCPT OSFXSR PAE
  s.efer = 0xd01;     // NXE LMA LME SCE
  if (ioctl(vcpu, KVM_SET_SREGS, &s) != 0) die("KVM_SET_SREGS");
  kvm_regs regs{};
  regs.rip = kLoad;
  regs.rsp = kGdt; // CPL0 stack below the GDT
  regs.rflags = 2;
  if (ioctl(vcpu, KVM_SET_REGS, &regs) != 0) die("KVM_SET_REGS");
  for (;;) {
    if (ioctl(vcpu, KVM_RUN, 0) != 0) {
      if (errno == EINTR) continue;
      die("KVM_RUN");
    }
    if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write || run->mmio.len != 8) {
      std::fprintf(stderr, "uk-kvm-floor: unexpected exit %u\n", run->exit_reason);
      return 1;
    }
    uint64_t call_gpa;
    std::memcpy(&call_gpa, run->mmio.data, 8);
    uint64_t nr = (run->mmio.phys_addr - UK_KVM_DOORBELL) / 8;
    if (!in_mem(call_gpa, 32)) {
      std::fprintf(stderr, "uk-kvm-floor: call structure outside guest memory\n");
      return 1;
    }
    uint64_t *c = reinterpret_cast<uint64_t *>(mem + call_gpa);
    if (nr == UK_KVM_CALL_EXIT) {
      if (verbose) std::fprintf(stderr, "uk-kvm-floor: guest exited with %d\n", static_cast<int>(c[0] & 0xff));
      return static_cast<int>(c[0] & 0xff);
    }
    if (nr == UK_KVM_CALL_SET_FS) {
      if (ioctl(vcpu, KVM_GET_SREGS, &s) != 0) die("KVM_GET_SREGS");
      s.fs.base = c[0];
      if (ioctl(vcpu, KVM_SET_SREGS, &s) != 0) die("KVM_SET_SREGS");
      c[1] = 0;
    } else if (nr == UK_KVM_CALL_WRITEV && c[2] <= 16 && in_mem(c[1], 16 * c[2])) {
      iovec v[16];
      const uint64_t *g = reinterpret_cast<const uint64_t *>(mem + c[1]);
      for (uint64_t i = 0; i < c[2]; i++) {
        if (!in_mem(g[2 * i], g[2 * i + 1])) return 1;
        v[i] = {mem + g[2 * i], g[2 * i + 1]};
      }
      c[3] = static_cast<uint64_t>(writev(static_cast<int>(c[0]), v, static_cast<int>(c[2])));
    } else {
      std::fprintf(stderr, "uk-kvm-floor: unknown hypercall %lu\n", static_cast<unsigned long>(nr));
      return 1;
    }
  }
}
