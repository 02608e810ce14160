// uk-bench-kvm: uk-kvm-run side by side with itself and with QEMU.
//   1. boot-to-exit of helloworld: wall time of fork + exec + wait (medians,
//      p10, p90), and the VMM process's minor page faults, for
//        uk-kvm-run APP.desc   (Spacer-SLT: pool objects as read-only memslots)
//        uk-kvm-run APP.elf    (Default: PT_LOADs copied into guest RAM)
//        qemu-system-x86_64 -M microvm -kernel APP.elf (if --qemu is given)
//      every side once per round, the order rotated each round, so drift on
//      a shared machine hits all alike;
//   2. the cost of KVM_SET_USER_MEMORY_REGION here: fresh VMs with 13
//      memslots each, with and without a vCPU created first;
//   3. uk-kvm-run --stats of helloworld and lua, desc and ELF, interleaved:
//      median set-up time (start to first KVM_RUN), memslots, minor faults;
//   4. memory of N concurrent VMs (default 32) per app: each VMM held at its
//      exit (ptrace, proc_util's HeldGroup) with its guest still mapped, then
//        SLT      = sum of the VMMs' Pss + the pool objects' tmpfs bytes
//                   (counted once; "exact" also subtracts the pool pages
//                   already inside the Pss sum)
//        Default  = sum of the VMMs' Pss
//        Default+--ksm = the same after KSM had time to merge (at least two
//                   full scans, or --ksm-wait-s), KSM set to the paper's
//                   "full" or "quiet" mode for the measurement and restored
//      with the target SLT <= 0.5x Default.
// bench/run-kvm.sh builds and runs this; numbers go to stdout, never to docs.
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "cli_conventions.h"
#include "proc_util.h"
#include "stats.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace ukbench;

struct Setup {
  std::string vmm, pool, hello_desc, hello_elf, lua_desc, lua_elf, qemu, qemu_image, qemu_accel = "kvm";
  std::string ksm_mode = "full";
  int runs = 100, warmup = 10, instances = 32, ksm_wait_s = 60, probe_vms = 20;
};

Command vmm_cmd(const Setup &s, const std::string &image, bool ksm, const std::vector<std::string> &args) {
  Command c;
  c.args = {s.vmm, "--pool", s.pool};
  if (ksm) c.args.push_back("--ksm");
  c.args.push_back(image);
  c.args.insert(c.args.end(), args.begin(), args.end());
  return c;
}

// QEMU's isa-debug-exit turns the guest's exit code c into (c << 1) | 1.
constexpr int kQemuExitForZero = 1;

Command qemu_cmd(const Setup &s) {
  return Command{{s.qemu, "-M", "microvm", "-accel", s.qemu_accel, "-m", "64", "-nodefaults", "-no-user-config",
                  "-display", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
                  "-kernel", s.qemu_image}};
}

// ---- 1. boot-to-exit ----

struct Side {
  Side(std::string l, Command c, int status = 0) : label(std::move(l)), cmd(std::move(c)), expected_status(status) {}
  std::string label;
  Command cmd;
  int expected_status;
  std::vector<double> ms;
  std::vector<long> minflt;
};

void measure_boot(std::vector<Side> &sides, int runs, int warmup, const ChildStdio &stdio) {
  for (int round = 0; round < runs + warmup; round++)
    for (size_t k = 0; k < sides.size(); k++) {
      Side &s = sides[(k + static_cast<size_t>(round)) % sides.size()];
      TimedRun t = run_timed(s.cmd, stdio, s.expected_status);
      if (round >= warmup) {
        s.ms.push_back(t.wall_ms);
        s.minflt.push_back(t.minflt);
      }
    }
}

void print_boot(const std::vector<Side> &sides) {
  double base = median(sides[0].ms);
  fmt::print("boot-to-exit, helloworld (wall time of fork + exec + wait; {} runs per side)\n", sides[0].ms.size());
  fmt::print("  {:<44} {:>9} {:>9} {:>9} {:>9} {:>12}\n", "side", "median ms", "p10", "p90", "vs desc",
             "minor faults");
  for (const Side &s : sides) {
    Spread sp = spread(s.ms);
    fmt::print("  {:<44} {:>9.3f} {:>9.3f} {:>9.3f} {:>8.2f}x {:>12.0f}\n", s.label, sp.median, sp.p10, sp.p90,
               sp.median / base, median(s.minflt));
  }
  if (sides.size() >= 2)
    fmt::print("  page faults at load, Default / SLT: {:.2f}x (the paper: up to 7x fewer with SLT)\n",
               median(sides[1].minflt) / median(sides[0].minflt));
  for (const Side &s : sides)
    if (s.label.starts_with("qemu"))
      fmt::print("  uk-kvm-run desc / {}: {:.3f}x (target <= 0.1x with KVM)\n", s.label, base / median(s.ms));
}

// ---- 2. what one memslot costs on this host ----

// KVM_SET_USER_MEMORY_REGION of `slots` 1 MiB anonymous memslots in a fresh
// VM, with or without a vCPU created first; ms per call, by call index.
std::vector<double> memslot_calls(int slots, bool vcpu_first) {
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) close(fd);
    }
  };
  Fd kvm{open("/dev/kvm", O_RDWR | O_CLOEXEC)};
  if (kvm.fd < 0) throw BenchError("/dev/kvm: cannot open");
  Fd vm{ioctl(kvm.fd, KVM_CREATE_VM, 0)};
  if (vm.fd < 0) throw BenchError("KVM_CREATE_VM failed");
  Fd vcpu{vcpu_first ? ioctl(vm.fd, KVM_CREATE_VCPU, 0) : -1};
  if (vcpu_first && vcpu.fd < 0) throw BenchError("KVM_CREATE_VCPU failed");
  constexpr uint64_t kSlotBytes = 1 << 20;
  void *mem = mmap(nullptr, kSlotBytes * static_cast<uint64_t>(slots), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) throw BenchError("cannot reserve the probe's memory");
  std::vector<double> ms;
  for (int i = 0; i < slots; i++) {
    kvm_userspace_memory_region r{};
    r.slot = static_cast<uint32_t>(i);
    r.guest_phys_addr = static_cast<uint64_t>(i) << 24;
    r.memory_size = kSlotBytes;
    r.userspace_addr = reinterpret_cast<uint64_t>(mem) + static_cast<uint64_t>(i) * kSlotBytes;
    auto t0 = std::chrono::steady_clock::now();
    int e = ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (e != 0) {
      munmap(mem, kSlotBytes * static_cast<uint64_t>(slots));
      throw BenchError("KVM_SET_USER_MEMORY_REGION failed in the probe");
    }
  }
  munmap(mem, kSlotBytes * static_cast<uint64_t>(slots));
  return ms;
}

void probe_memslots(int vms) {
  constexpr int kSlots = 13; // helloworld's desc had 13 memslots before they were merged into two
  std::vector<double> first[2], rest[2], total[2];
  for (int v = 0; v < vms; v++)
    for (int vcpu_first = 0; vcpu_first < 2; vcpu_first++) {
      std::vector<double> ms = memslot_calls(kSlots, vcpu_first != 0);
      first[vcpu_first].push_back(ms[0]);
      double sum = 0;
      for (size_t i = 1; i < ms.size(); i++) rest[vcpu_first].push_back(ms[i]), sum += ms[i];
      total[vcpu_first].push_back(sum + ms[0]);
    }
  fmt::print("\nKVM_SET_USER_MEMORY_REGION, {} fresh VMs x {} memslots of 1 MiB each way (ms per call, medians)\n",
             vms, kSlots);
  fmt::print("  {:<28} {:>12} {:>14} {:>14}\n", "", "first call", "later calls", "all 13 calls");
  for (int k = 0; k < 2; k++)
    fmt::print("  {:<28} {:>12.3f} {:>14.3f} {:>14.3f}\n", k ? "vCPU created first" : "no vCPU yet",
               median(first[k]), median(rest[k]), median(total[k]));
}

// ---- 3. the VMM's own view: --stats of each mode ----

// One `uk-kvm-run --stats` line set: set-up time, memslots, the VMM's minor faults.
struct VmmStats {
  double setup_ms = 0;
  double memslots = 0, minflt = 0;
};

VmmStats run_stats(const Command &cmd) {
  std::string sh = cmd.str() + " 2>&1 >/dev/null </dev/null";
  FILE *f = popen(sh.c_str(), "r");
  if (!f) throw BenchError("cannot run " + cmd.str());
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  int st = pclose(f);
  VmmStats v;
  auto num = [&](const char *key) {
    size_t at = out.find(key);
    if (at == std::string::npos) throw BenchError(fmt::format("{}: no '{}' in its --stats: {}", cmd.str(), key, out));
    return std::strtod(out.c_str() + at + std::strlen(key), nullptr);
  };
  if (st != 0) throw BenchError(fmt::format("{} exited with {}: {}", cmd.str(), st, out));
  v.setup_ms = num("set-up ");
  v.memslots = num("memslots ");
  v.minflt = num("host page faults minor ");
  return v;
}

struct StatsSide {
  std::string label;
  Command cmd;
  std::vector<double> setup_ms, memslots, minflt;
};

void measure_stats(std::vector<StatsSide> &sides, int runs) {
  for (int round = 0; round < runs; round++)
    for (size_t k = 0; k < sides.size(); k++) {
      StatsSide &s = sides[(k + static_cast<size_t>(round)) % sides.size()];
      VmmStats v = run_stats(s.cmd);
      s.setup_ms.push_back(v.setup_ms);
      s.memslots.push_back(v.memslots);
      s.minflt.push_back(v.minflt);
    }
}

void print_stats(const std::vector<StatsSide> &sides) {
  fmt::print("\nuk-kvm-run --stats ({} runs per side, interleaved): set-up = start to first KVM_RUN\n",
             sides[0].setup_ms.size());
  fmt::print("  {:<36} {:>14} {:>9} {:>9} {:>9} {:>14}\n", "side", "set-up median", "p10", "p90", "memslots",
             "minor faults");
  for (const StatsSide &s : sides) {
    Spread sp = spread(s.setup_ms);
    fmt::print("  {:<36} {:>11.3f} ms {:>9.3f} {:>9.3f} {:>9.0f} {:>14.0f}\n", s.label, sp.median, sp.p10, sp.p90,
               median(s.memslots), median(s.minflt));
  }
}

// ---- 4. memory of concurrent VMs ----

uint64_t allocated_kib(const std::string &dir, const std::set<std::string> &names) {
  uint64_t kib = 0;
  for (const std::string &n : names) {
    struct stat st;
    std::string p = dir + "/" + n;
    if (::stat(p.c_str(), &st) != 0) throw BenchError(p + ": pool object missing");
    kib += static_cast<uint64_t>(st.st_blocks) * 512 / 1024;
  }
  return kib;
}

// KSM's sysfs knobs, set for the Default+--ksm group and restored after.
class Ksm {
public:
  static constexpr const char *kDir = "/sys/kernel/mm/ksm/";
  static std::optional<std::string> get(const char *knob) {
    std::ifstream in(std::string(kDir) + knob);
    std::string v;
    if (!(in >> v)) return std::nullopt;
    return v;
  }
  static bool put(const char *knob, const std::string &v) {
    std::ofstream out(std::string(kDir) + knob);
    out << v << "\n";
    out.flush();
    return static_cast<bool>(out);
  }
  // Why KSM cannot be used, or "" once it runs in `mode`.
  std::string start(const std::string &mode) {
    auto run = get("run"), pages = get("pages_to_scan"), sleep = get("sleep_millisecs");
    if (!run || !pages || !sleep) return "this kernel has no KSM (/sys/kernel/mm/ksm)";
    if (mode == "system") // leave KSM exactly as the host has it
      return *run == "1" ? "" : "KSM is off (/sys/kernel/mm/ksm/run is " + *run + ") and --ksm-mode system leaves it";
    saved_ = {*run, *pages, *sleep};
    bool ok = true;
    if (mode == "full") ok = put("pages_to_scan", "20000") && put("sleep_millisecs", "1");
    else if (mode == "quiet") ok = put("pages_to_scan", "100") && put("sleep_millisecs", "20");
    ok = ok && (*run == "1" || put("run", "1"));
    changed_ = true;
    if (!ok) return "cannot configure KSM (writing /sys/kernel/mm/ksm needs root)";
    return "";
  }
  ~Ksm() {
    if (!changed_) return;
    put("run", saved_[0] == "1" ? "1" : "0");
    put("pages_to_scan", saved_[1]);
    put("sleep_millisecs", saved_[2]);
  }
  // Waits for two full scans after the group was started (or the timeout).
  static void settle(int wait_s) {
    auto scans = [] { return std::stoull(get("full_scans").value_or("0")); };
    unsigned long long start = scans();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    while (scans() < start + 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

private:
  std::vector<std::string> saved_;
  bool changed_ = false;
};

struct Group {
  std::string label;
  uint64_t pss = 0, pool_kib = 0, pool_present_kib = 0;
  bool measured = false;
  std::string skipped;
  double total() const { return static_cast<double>(pss + pool_kib); }
  double exact() const { return static_cast<double>(pss + pool_kib - std::min(pool_kib, pool_present_kib)); }
};

Group measure_group(const Setup &s, const std::string &label, const Command &cmd, const std::string *desc,
                    bool ksm, const ChildStdio &stdio) {
  Group g;
  g.label = label;
  std::optional<Ksm> k;
  if (ksm) {
    k.emplace();
    g.skipped = k->start(s.ksm_mode);
    if (!g.skipped.empty()) return g;
  }
  HeldGroup held;
  for (int i = 0; i < s.instances; i++) held.start_and_hold(cmd, stdio);
  if (ksm) Ksm::settle(s.ksm_wait_s);
  const std::string pool_dir = canonical_dir(s.pool);
  std::set<FilePage> present;
  for (pid_t pid : held.pids()) {
    g.pss += read_smaps_rollup(pid).pss;
    if (desc) add_present_pages(pid, read_smaps_mapped_under(pid, pool_dir).mappings, present);
  }
  held.release_all();
  if (desc) {
    g.pool_kib = allocated_kib(s.pool, desc_pool_objects(*desc));
    g.pool_present_kib = present.size() * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
  }
  g.measured = true;
  return g;
}

void print_memory(const std::string &app, int n, const std::vector<Group> &groups) {
  fmt::print("\nmemory of {} concurrent {} VMs (KiB; SLT = sum Pss + pool objects counted once)\n", n, app);
  fmt::print("  {:<28} {:>10} {:>10} {:>10} {:>10} {:>11}\n", "side", "sum Pss", "pool", "total", "exact",
             "vs Default");
  const Group &def = groups[1];
  for (const Group &g : groups) {
    if (!g.measured) {
      fmt::print("  {:<28} skipped: {}\n", g.label, g.skipped);
      continue;
    }
    fmt::print("  {:<28} {:>10} {:>10} {:>10.0f} {:>10.0f} {:>10.2f}x\n", g.label, g.pss, g.pool_kib, g.total(),
               g.exact(), g.total() / def.total());
  }
  fmt::print("  target: SLT total <= 0.5x Default: {}\n",
             groups[0].total() <= 0.5 * def.total() ? "met" : "NOT met");
}

int run(int argc, char **argv) {
  Setup s;
  CLI::App cli{"uk-bench-kvm: uk-kvm-run boot-to-exit (desc, ELF, QEMU microvm) and memory of concurrent VMs"};
  uk::cli::version(cli, "uk-bench-kvm " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", ukbench::g_verbose, "progress lines on stderr even when it is not a terminal");
  cli.add_option("--vmm", s.vmm, "uk-kvm-run")->required();
  cli.add_option("--pool", s.pool, "pool the KVM descs were packed into (on tmpfs)")->required();
  cli.add_option("--hello-desc", s.hello_desc, "helloworld desc, platform kvm")->required();
  cli.add_option("--hello-elf", s.hello_elf, "helloworld aligned ELF for KVM")->required();
  cli.add_option("--lua-desc", s.lua_desc, "lua desc, platform kvm (memory scenario)");
  cli.add_option("--lua-elf", s.lua_elf, "lua aligned ELF for KVM");
  cli.add_option("--qemu", s.qemu, "qemu-system-x86_64 (boot-to-exit side, skipped if absent)");
  cli.add_option("--qemu-image", s.qemu_image, "image QEMU boots (default: --hello-elf)");
  cli.add_option("--qemu-accel", s.qemu_accel, "QEMU accelerator: kvm or tcg")->capture_default_str();
  cli.add_option("--runs", s.runs, "boot runs per side")->capture_default_str()->check(CLI::Range(1, 100000));
  cli.add_option("--warmup", s.warmup, "discarded boot runs per side")->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cli.add_option("--instances", s.instances, "concurrent VMs per memory group")->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cli.add_option("--ksm-mode", s.ksm_mode, "KSM settings for the --ksm group: full, quiet or system (unchanged)")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "quiet", "system"}));
  cli.add_option("--ksm-wait-s", s.ksm_wait_s, "longest wait for KSM's two full scans")->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cli.add_option("--probe-vms", s.probe_vms, "fresh VMs of the memslot cost probe (0: skip it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  if (auto status = uk::cli::parse(cli, "uk-bench-kvm", argc, argv)) return *status; // --help, --version, usage error (2)
  check_file(s.vmm, "--vmm");
  check_file(s.hello_desc, "--hello-desc");
  check_file(s.hello_elf, "--hello-elf");
  if (s.lua_desc.empty() != s.lua_elf.empty()) throw BenchError("--lua-desc and --lua-elf go together");
  if (s.qemu_image.empty()) s.qemu_image = s.hello_elf;

  fmt::print("uk-bench-kvm {}: {}\n", UK_SLT_VERSION, Command{std::vector<std::string>(argv, argv + argc)}.str());
  ChildStdio stdio;
  std::vector<Side> sides{{"uk-kvm-run helloworld desc", vmm_cmd(s, s.hello_desc, false, {})},
                          {"uk-kvm-run helloworld ELF", vmm_cmd(s, s.hello_elf, false, {})}};
  if (!s.qemu.empty()) {
    if (access(s.qemu.c_str(), X_OK) == 0)
      sides.push_back({"qemu microvm (" + s.qemu_accel + ")", qemu_cmd(s), kQemuExitForZero});
    else
      fmt::print("qemu microvm: skipped: {} not found\n", s.qemu);
  }
  progress("uk-bench-kvm", fmt::format("boot-to-exit: {} rounds of {} sides", s.runs + s.warmup, sides.size()));
  measure_boot(sides, s.runs, s.warmup, stdio);
  print_boot(sides);

  std::vector<StatsSide> stats_sides;
  auto with_stats = [&](const std::string &image, const std::vector<std::string> &args) {
    Command cmd = vmm_cmd(s, image, false, args);
    cmd.args.insert(cmd.args.begin() + 1, "--stats");
    return cmd;
  };
  stats_sides.push_back({"helloworld desc", with_stats(s.hello_desc, {}), {}, {}, {}});
  stats_sides.push_back({"helloworld ELF", with_stats(s.hello_elf, {}), {}, {}, {}});
  if (!s.lua_desc.empty()) {
    stats_sides.push_back({"lua desc", with_stats(s.lua_desc, {"-e", "print(1 + 1)"}), {}, {}, {}});
    stats_sides.push_back({"lua ELF", with_stats(s.lua_elf, {"-e", "print(1 + 1)"}), {}, {}, {}});
  }
  if (s.probe_vms) {
    progress("uk-bench-kvm", fmt::format("memslot probe: {} VMs", s.probe_vms));
    probe_memslots(s.probe_vms);
  }
  progress("uk-bench-kvm", fmt::format("--stats: {} rounds of {} sides", s.runs, stats_sides.size()));
  measure_stats(stats_sides, s.runs);
  print_stats(stats_sides);

  struct App {
    std::string name, desc, elf;
    std::vector<std::string> args;
  };
  std::vector<App> apps{{"helloworld", s.hello_desc, s.hello_elf, {}}};
  if (!s.lua_desc.empty()) apps.push_back({"lua", s.lua_desc, s.lua_elf, {"-e", "print(1 + 1)"}});
  for (const App &a : apps) {
    progress("uk-bench-kvm", fmt::format("memory: {} x {}", s.instances, a.name));
    std::vector<Group> groups;
    groups.push_back(measure_group(s, "SLT (desc)", vmm_cmd(s, a.desc, false, a.args), &a.desc, false, stdio));
    groups.push_back(measure_group(s, "Default (ELF)", vmm_cmd(s, a.elf, false, a.args), nullptr, false, stdio));
    groups.push_back(measure_group(s, "Default + --ksm (" + s.ksm_mode + ")", vmm_cmd(s, a.elf, true, a.args),
                                   nullptr, true, stdio));
    print_memory(a.name, s.instances, groups);
  }
  if (std::fflush(stdout) != 0) throw BenchError("cannot write the results to stdout");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "uk-bench-kvm: %s\n", e.what());
    return 1;
  }
}
