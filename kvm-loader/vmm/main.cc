// uk-kvm-run: boots a unikernel packed for KVM in a KVM virtual machine.
// Stages:
//   1. options   parse the command line
//   2. input     a desc (Spacer-SLT: pool objects as read-only memslots) or
//                an aligned ELF (Default: segments copied into guest RAM)
//   3. machine   guest memory, page tables, boot info, initial stack, vCPU
//   4. run       KVM_RUN until the guest exits; hypercalls on the way
// The unikernel's exit status is ours; a VMM error is one line and 127.
#include <fcntl.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "config.h"
#include "desc.h"
#include "flags.h"
#include "guest_layout.h"
#include "hypercalls.h"
#include "machine.h"
#include "options.h"
#include "pool.h"
#include "uk_kvm_abi.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

extern char **environ;

namespace {

using namespace uk;
using namespace uk::kvm;

constexpr int kVmmError = flags::kLoadError;
const char *g_app = "uk-kvm-run";

[[noreturn]] void die(const Error &e, int status = kVmmError) {
  std::fprintf(stderr, "uk-kvm-run: %s\n", e.what());
  std::fflush(stderr);
  _exit(status);
}

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The input file, mapped read-only.
struct Input {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

Result<Input> map_input(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    close(fd);
    return Error::fmt("%s: not a non-empty regular file", path);
  }
  void *p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) return Error::fmt("%s: cannot map: %s", path, std::strerror(e));
  return Input{static_cast<const uint8_t *>(p), static_cast<size_t>(st.st_size)};
}

// The app's name: the desc's, or the ELF's file name without .kvm.elf / .elf.
std::string elf_app_name(const char *path) {
  std::string b = std::strrchr(path, '/') ? std::strrchr(path, '/') + 1 : path;
  for (const char *ext : {".kvm.elf", ".elf"})
    if (b.size() > std::strlen(ext) && b.compare(b.size() - std::strlen(ext), std::string::npos, ext) == 0)
      return b.substr(0, b.size() - std::strlen(ext));
  return b;
}

// Apps of the corpus that need what no VM has yet: refused before booting.
Status check_supported(const std::string &app) {
  if (app == "nginx")
    return Error::fmt("nginx: needs sockets, and uk-kvm-run gives VMs no network yet (a separate issue); run it "
                      "with uk-slt-run");
  return {};
}

Result<GuestLayout> read_layout(const char *path, const Input &in) {
  if (in.size >= 4 && std::memcmp(in.data, "\177ELF", 4) == 0) {
    auto g = layout_from_elf(in.data, in.size, path);
    if (g) g->app = elf_app_name(path);
    return g;
  }
  if (in.size > kDescMaxBytes) return Error::fmt("%s: larger than %zu bytes: not a desc", path, kDescMaxBytes);
  auto d = std::make_unique<Desc>();
  UK_TRY(parse_desc(reinterpret_cast<const char *>(in.data), in.size, path, d.get()));
  if (std::strcmp(d->platform, "kvm") != 0)
    return Error::fmt("%s: platform '%s' is not kvm (run it with uk-slt-run, or pack the app with --platform kvm)",
                      path, d->platform);
  if (d->layout != Layout::Fixed)
    return Error::fmt("%s: layout aslr: uk-kvm-run places blocks at their fixed guest-physical addresses only", path);
  return layout_from_desc(*d);
}

Outcome exit_line(Machine &m, const char *what, uint64_t addr) {
  kvm_regs r{};
  (void)m.vm.get_regs(&r);
  Outcome o;
  o.stop = true;
  o.status = kVmmError;
  char line[256];
  std::snprintf(line, sizeof line, "%s 0x%lx at rip 0x%lx", what, static_cast<unsigned long>(addr),
                static_cast<unsigned long>(r.rip));
  o.message = line;
  return o;
}

// One exit that is not a hypercall.
Outcome handle_exit(Machine &m) {
  kvm_run *run = m.vm.run();
  switch (run->exit_reason) {
  case KVM_EXIT_MMIO: {
    uint64_t a = run->mmio.phys_addr;
    if (run->mmio.is_write && a >= UK_KVM_DOORBELL && a - UK_KVM_DOORBELL < 4096) {
      uint64_t v = 0;
      std::memcpy(&v, run->mmio.data, std::min<uint32_t>(run->mmio.len, 8));
      return handle_doorbell(m, a - UK_KVM_DOORBELL, run->mmio.len, v);
    }
    m.stats.exits["mmio"]++;
    const Region *r = m.mem.find_phys(a);
    kvm_regs regs{};
    (void)m.vm.get_regs(&regs);
    if (run->mmio.is_write && r) { // a read-only memslot: pool or read-only private page
      Outcome o;
      o.stop = true;
      o.status = fault_status(14);
      o.message = describe_fault(m, 14, r->kind == RegionKind::Pool ? 3 : 7, r->addr + (a - r->phys), regs.rip);
      return o;
    }
    return exit_line(m, run->mmio.is_write ? "guest write to unmapped guest-physical address"
                                           : "guest read of unmapped guest-physical address", a);
  }
  case KVM_EXIT_IO: m.stats.exits["io"]++; return exit_line(m, "guest port I/O at port", run->io.port);
  case KVM_EXIT_HLT: m.stats.exits["hlt"]++; return exit_line(m, "guest halted; last address", 0);
  case KVM_EXIT_SHUTDOWN: m.stats.exits["shutdown"]++; return exit_line(m, "guest triple fault (shutdown);", 0);
  case KVM_EXIT_INTERNAL_ERROR:
    m.stats.exits["internal error"]++;
    return exit_line(m, "KVM internal error, suberror", run->internal.suberror);
  case KVM_EXIT_FAIL_ENTRY:
    m.stats.exits["fail entry"]++;
    return exit_line(m, "KVM could not enter the guest, reason", run->fail_entry.hardware_entry_failure_reason);
  default: m.stats.exits["other"]++; return exit_line(m, "unexpected KVM exit reason", run->exit_reason);
  }
}

Result<Outcome> run_vm(Machine &m) {
  m.stats.t_first_run = now_ns();
  for (;;) {
    if (ioctl(m.vm.vcpu_fd(), KVM_RUN, 0) != 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return Error::fmt("KVM_RUN: %s", std::strerror(errno));
    }
    if (!m.stats.t_first_exit) m.stats.t_first_exit = now_ns();
    Outcome o = handle_exit(m);
    if (o.stop) return o;
  }
}

void print_stats(const Machine &m, bool desc_mode) {
  const Stats &s = m.stats;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](uint64_t a, uint64_t b) { return static_cast<double>(b - a) / 1e6; };
  std::fprintf(stderr,
               "uk-kvm-run: stats: %s: set-up %.3f ms (start to first KVM_RUN), first exit %.3f ms later, "
               "boot-to-exit %.3f ms\n",
               desc_mode ? "desc (pool memslots)" : "ELF (copied)", ms(s.t_start, s.t_first_run),
               ms(s.t_first_run, s.t_first_exit), ms(s.t_first_run, s.t_end));
  std::fprintf(stderr,
               "uk-kvm-run: stats: pages shared %lu private %lu guest RAM %lu, memslots %u, host page faults minor %ld "
               "major %ld\n",
               static_cast<unsigned long>(s.shared_pages), static_cast<unsigned long>(s.private_pages),
               static_cast<unsigned long>(s.ram_pages), s.memslots, ru.ru_minflt, ru.ru_majflt);
  uint64_t total = 0;
  for (const auto &[k, v] : s.exits) total += v;
  std::fprintf(stderr, "uk-kvm-run: stats: exits %lu:", static_cast<unsigned long>(total));
  for (const auto &[k, v] : s.exits) std::fprintf(stderr, " %s %lu,", k.c_str(), static_cast<unsigned long>(v));
  std::fprintf(stderr, "\n");
}

} // namespace

int main(int argc, char **argv) {
  uint64_t t0 = now_ns();
  Options opt;
  if (Status s = parse_options(argc, argv, &opt); !s) die(s.error(), flags::kUsageError); // 1. options
  if (opt.help) {
    print_usage();
    return 0;
  }
  if (opt.version) {
    std::printf("uk-kvm-run " UK_SLT_VERSION " (ABI %d)\n", UK_KVM_ABI_VERSION);
    return 0;
  }
  ConfigArgs config_args;
  if (opt.config_file)
    if (Status s = apply_config_file(&opt, &config_args); !s) die(s.error());
  g_app = opt.app;
  auto in = map_input(opt.app); // 2. input
  if (!in) die(in.error());
  auto layout = read_layout(opt.app, *in);
  if (!layout) die(layout.error());
  if (Status s = check_supported(layout->app); !s) die(s.error());

  auto m = std::make_unique<Machine>(); // 3. machine
  m->stats.t_start = t0;
  MachineConfig mc;
  mc.app_path = opt.app;
  mc.pool = resolve_pool_dir(opt.pool);
  mc.mem_bytes = opt.mem_mib << 20;
  mc.ksm = opt.ksm;
  mc.verbose = opt.verbose;
  mc.argc = opt.app_argc;
  mc.argv = opt.app_argv;
  mc.envp = environ;
  if (opt.share) {
    auto fs = kvmhost::ShareFs::open_dir(opt.share);
    if (!fs) die(fs.error());
    m->share = std::move(*fs);
  }
  if (Status s = build_machine(*m, *layout, mc); !s) die(s.error());
  // What set-up allocated and freed (the parsed desc alone is 64 KiB) goes
  // back to the host before the guest runs: it would be private memory of
  // every VMM process for the VM's whole life.
  malloc_trim(0);

  std::fflush(stdout);
  auto out = run_vm(*m); // 4. run
  m->stats.t_end = now_ns();
  if (!out) die(out.error());
  if (opt.stats) print_stats(*m, layout->copy_from == nullptr);
  if (!out->message.empty()) {
    std::fprintf(stderr, "uk-kvm-run: %s: %s\n", layout->app.empty() ? g_app : layout->app.c_str(), out->message.c_str());
    std::fflush(stderr);
  }
  return out->status;
}
