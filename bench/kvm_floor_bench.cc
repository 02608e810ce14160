// uk-bench-kvm-boot: helloworld boot-to-exit (wall time of fork + exec +
// wait of the whole monitor process) side by side:
//   uk-kvm-run APP.kvm.desc    Spacer-SLT: pool objects as read-only memslots
//   uk-kvm-run APP.kvm.elf     Default: PT_LOADs copied into guest RAM
//   uk-kvm-floor FLOOR.bin     the floor: the least monitor and guest that
//                              make helloworld's system calls and exits
//                              (kvm_floor.cc, kvm_floor_guest.S)
//   qemu-system-x86_64 -M microvm -kernel APP.kvm.elf, per --qemu-accel
//                              (the same image, booted through its PVH note)
// every side once per round, the order rotated each round (interleaved, so
// drift on a shared machine hits all alike); medians, p10, p90, ratios to
// the floor and to QEMU with KVM (targets: <= 2x the floor, <= 0.1x QEMU).
// bench/run-kvm-boot.sh builds and runs this; numbers go to stdout only.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <utility>
#include <vector>

#include "cli_conventions.h"
#include "proc_util.h"
#include "stats.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace ukbench;

struct Side {
  Side(std::string l, Command c, int status = 0) : label(std::move(l)), cmd(std::move(c)), expected_status(status) {}
  std::string label;
  Command cmd;
  int expected_status;
  std::vector<double> ms;
};

// QEMU's isa-debug-exit makes a guest status of 0 QEMU's exit status 1.
constexpr int kQemuExitForZero = 1;

Command qemu_cmd(const std::string &qemu, const std::string &accel, const std::string &image) {
  Command c{{qemu, "-M", "microvm"}};
  if (accel == "kvm") c.args.insert(c.args.end(), {"-enable-kvm", "-cpu", "host"});
  else c.args.insert(c.args.end(), {"-accel", "tcg"});
  c.args.insert(c.args.end(), {"-m", "64", "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
                               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-kernel", image});
  return c;
}

const Side *find(const std::vector<Side> &sides, const std::string &label) {
  for (const Side &s : sides)
    if (s.label == label) return &s;
  return nullptr;
}

int run(int argc, char **argv) {
  std::string vmm, pool, desc, elf, floor_vmm, floor_guest, qemu;
  std::vector<std::string> accels = {"kvm"};
  int runs = 100, warmup = 10;
  bool verbose = false;
  CLI::App cli{"uk-bench-kvm-boot: helloworld boot-to-exit, uk-kvm-run vs the floor vs QEMU microvm"};
  uk::cli::version(cli, "uk-bench-kvm-boot " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", verbose, "one progress line per round on stderr");
  cli.add_option("--vmm", vmm, "uk-kvm-run")->required();
  cli.add_option("--pool", pool, "pool the KVM desc was packed into")->required();
  cli.add_option("--desc", desc, "helloworld.kvm.desc")->required();
  cli.add_option("--elf", elf, "helloworld.kvm.elf (also the image QEMU boots)")->required();
  cli.add_option("--floor", floor_vmm, "uk-kvm-floor")->required();
  cli.add_option("--floor-guest", floor_guest, "the floor guest's flat binary")->required();
  cli.add_option("--qemu", qemu, "qemu-system-x86_64 (its sides are skipped if empty)");
  cli.add_option("--qemu-accel", accels, "QEMU accelerators to run: kvm, tcg")->capture_default_str()
      ->check(CLI::IsMember({"kvm", "tcg"}));
  cli.add_option("--runs", runs, "runs per side")->capture_default_str()->check(CLI::Range(1, 100000));
  cli.add_option("--warmup", warmup, "discarded runs per side")->capture_default_str()->check(CLI::Range(0, 100000));
  if (auto status = uk::cli::parse(cli, "uk-bench-kvm-boot", argc, argv)) return *status; // help, version, usage (2)
  for (const std::string *f : {&vmm, &desc, &elf, &floor_vmm, &floor_guest})
    if (access(f->c_str(), R_OK) != 0) throw BenchError(*f + ": not found or not readable");

  fmt::print("uk-bench-kvm-boot {}: {}\n", UK_SLT_VERSION, Command{std::vector<std::string>(argv, argv + argc)}.str());
  std::vector<Side> sides{{"uk-kvm-run helloworld.kvm.desc", Command{{vmm, "--pool", pool, desc}}},
                          {"uk-kvm-run helloworld.kvm.elf", Command{{vmm, elf}}},
                          {"floor (uk-kvm-floor)", Command{{floor_vmm, floor_guest}}}};
  if (!qemu.empty())
    for (const std::string &a : accels)
      sides.push_back({"qemu microvm (" + a + ")", qemu_cmd(qemu, a, elf), kQemuExitForZero});
  ChildStdio stdio;
  for (int round = 0; round < runs + warmup; round++) {
    if (verbose) std::fprintf(stderr, "uk-bench-kvm-boot: round %d of %d\n", round + 1, runs + warmup);
    for (size_t k = 0; k < sides.size(); k++) {
      Side &s = sides[(k + static_cast<size_t>(round)) % sides.size()];
      TimedRun t = run_timed(s.cmd, stdio, s.expected_status);
      if (round >= warmup) s.ms.push_back(t.wall_ms);
    }
  }

  const Side *fl = find(sides, "floor (uk-kvm-floor)");
  const Side *qk = find(sides, "qemu microvm (kvm)");
  double floor_ms = median(fl->ms), qemu_ms = qk ? median(qk->ms) : 0;
  fmt::print("boot-to-exit, helloworld (wall time of fork + exec + wait; {} runs per side, {} discarded, "
             "interleaved)\n", runs, warmup);
  fmt::print("  {:<34} {:>10} {:>9} {:>9} {:>9} {:>11}\n", "side", "median ms", "p10", "p90", "vs floor",
             qk ? "vs qemu-kvm" : "");
  for (const Side &s : sides) {
    Spread sp = spread(s.ms);
    std::string vs_q = qk ? fmt::format("{:>10.3f}x", sp.median / qemu_ms) : "";
    fmt::print("  {:<34} {:>10.3f} {:>9.3f} {:>9.3f} {:>8.2f}x {}\n", s.label, sp.median, sp.p10, sp.p90,
               sp.median / floor_ms, vs_q);
  }
  for (const char *l : {"uk-kvm-run helloworld.kvm.desc", "uk-kvm-run helloworld.kvm.elf"}) {
    double m = median(find(sides, l)->ms);
    fmt::print("  target {} <= 2x floor: {:.2f}x, {}\n", l, m / floor_ms, m <= 2 * floor_ms ? "met" : "NOT met");
    if (qk)
      fmt::print("  target {} <= 0.1x qemu microvm (kvm): {:.3f}x, {}\n", l, m / qemu_ms,
                 m <= 0.1 * qemu_ms ? "met" : "NOT met");
  }
  if (std::fflush(stdout) != 0) throw BenchError("cannot write the results to stdout");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "uk-bench-kvm-boot: %s\n", e.what());
    return 1;
  }
}
