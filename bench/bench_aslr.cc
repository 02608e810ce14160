// uk-bench-aslr: SLT [ASLR] side by side with Spacer-SLT (and the direct ELF
// for reference), in one run, every side interleaved with the others:
//   1. exec time of mandelbrot, zlib-perf, sqlite-speed and lua (target:
//      ASLR within +1% of SLT);
//   2. start-up of helloworld (target: ASLR within 1.15x of SLT);
//   3. entropy of every block over many starts of uk-slt-run --stats
//      (aslr_entropy.h: what the sample shows, against what the loader
//      claims; target: at least 28 bits per block);
//   4. memory of N ASLR vs N SLT instances held at their exit, Σ Pss + pool
//      once, counted as bench/run-linuxu.sh counts (target: within 5%);
//   5. pool bytes of the whole corpus, ASLR vs SLT.
// Ends with one table of the targets, met or not met. bench/run-aslr.sh
// copies the build's pool to tmpfs and runs this.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "aslr_entropy.h"
#include "aslr_measure.h"
#include "bench_util.h"
#include "cli_conventions.h"
#include "proc_util.h"
#include "stats.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace ukbench;

constexpr double kExecTarget = 1.01, kStartupTarget = 1.15, kMemoryTarget = 1.05;
constexpr int kEntropyTarget = 28;

struct Target {
  std::string measure, value, target;
  bool met;
  std::string note = ""; // printed under the table
};

void progress(const std::string &what) { ukbench::progress("uk-bench-aslr", what); }

std::string default_loader() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "uk-slt-run";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "uk-slt-run";
}

std::string join(const std::vector<std::string> &v, const char *sep) {
  std::string s;
  for (const std::string &x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Median of the per-round ratios a[i] / b[i].
double paired_ratio(const std::vector<double> &a, const std::vector<double> &b) {
  std::vector<double> r;
  for (size_t i = 0; i < a.size() && i < b.size(); i++) r.push_back(a[i] / b[i]);
  return median(r);
}

void exec_times(const AslrSetup &s, const ChildStdio &stdio, std::vector<Target> &targets) {
  std::printf("== exec time: wall time of fork + exec + wait, median of %d runs per side, sides interleaved ==\n",
              s.exec_runs);
  std::printf("%-13s %-26s %11s %11s %11s %9s %8s %8s\n", "app", "input", "direct ms", "SLT ms", "ASLR ms", "ASLR/SLT",
              "paired", "SLT/dir");
  for (const std::string &app : s.exec_apps) {
    Workload w = workload(s, app, Input::Exec);
    progress(fmt::format("exec time: {} x {} rounds of {}", s.exec_runs + s.exec_warmup, 3, app));
    Sides r = measure_exec(s, stdio, app, w, s.exec_runs, s.exec_warmup);
    double d = median(r.ms[0]), slt = median(r.ms[1]), aslr = median(r.ms[2]);
    double ratio = aslr / slt;
    std::printf("%-13s %-26s %11.2f %11.2f %11.2f %8.4fx %7.4fx %7.3fx\n", app.c_str(), w.what.c_str(), d, slt, aslr,
                ratio, paired_ratio(r.ms[2], r.ms[1]), slt / d);
    targets.push_back({app + " exec time, ASLR/SLT (median)", fmt::format("{:.4f}x", ratio),
                       fmt::format("<= {:.2f}x", kExecTarget), ratio <= kExecTarget});
  }
  std::printf("(paired: median over the rounds of ASLR/SLT of the same round)\n\n");
}

void startup(const AslrSetup &s, const ChildStdio &stdio, std::vector<Target> &targets) {
  progress(fmt::format("start-up: {} x 3 runs of helloworld", s.startup_runs + s.startup_warmup));
  Sides r = measure_exec(s, stdio, "helloworld", workload(s, "helloworld", Input::Exec), s.startup_runs, s.startup_warmup);
  std::printf("== start-up: helloworld, fork + exec + wait, %d runs per side, interleaved ==\n", s.startup_runs);
  std::printf("%-12s %10s %10s %10s %9s %9s\n", "side", "median ms", "p10", "p90", "vs SLT", "vs direct");
  for (size_t k = 0; k < r.modes.size(); k++) {
    Spread sp = spread(r.ms[k]);
    std::printf("%-12s %10.3f %10.3f %10.3f %8.3fx %8.3fx\n", mode_label(r.modes[k]), sp.median, sp.p10, sp.p90,
                sp.median / median(r.ms[1]), sp.median / median(r.ms[0]));
  }
  double ratio = median(r.ms[2]) / median(r.ms[1]);
  std::printf("(paired ASLR/SLT: %.3fx)\n\n", paired_ratio(r.ms[2], r.ms[1]));
  targets.push_back({"helloworld start-up, ASLR/SLT", fmt::format("{:.3f}x", ratio),
                     fmt::format("<= {:.2f}x", kStartupTarget), ratio <= kStartupTarget});
}

void entropy(const AslrSetup &s, const ChildStdio &stdio, std::vector<Target> &targets) {
  std::printf("== entropy: %d starts of uk-slt-run --stats APP.aslr.desc per app ==\n", s.entropy_starts);
  std::printf("%-13s %-13s %7s %9s %5s %7s %5s %5s %8s %5s  %-9s %-7s %s\n", "app", "block", "claimed", "distinct",
              "pairs", "(exp.)", "span", "bits", "distance", "est.", "claim", ">= 28", "distance to");
  std::vector<std::string> below, inconsistent;
  double lowest = 1e9;
  for (const std::string &app : s.entropy_apps) {
    progress(fmt::format("entropy: {} starts of {}", s.entropy_starts, app));
    for (const BlockEntropy &e : entropy_of(sample_layouts(s, stdio, app))) {
      std::string claimed = e.claimed_min == e.claimed_max ? std::to_string(e.claimed_min)
                                                           : fmt::format("{}-{}", e.claimed_min, e.claimed_max);
      bool met = e.claimed_min >= kEntropyTarget && e.estimate() >= kEntropyTarget;
      std::printf("%-13s %-13s %7s %4zu/%-4zu %5llu %7.2f %5.1f %5.1f %8.1f %5.1f  %-9s %-7s %s\n", app.c_str(),
                  e.name.c_str(), claimed.c_str(), e.distinct, e.starts,
                  static_cast<unsigned long long>(e.equal_pairs), e.expected_pairs, e.span_bits, e.bit_entropy,
                  e.distance_bits, e.estimate(), e.consistent_with_claim() ? "agrees" : "DISAGREES",
                  met ? "met" : "NOT MET", e.nearest.c_str());
      std::string who = app + ":" + e.name;
      if (!met) below.push_back(who);
      if (!e.consistent_with_claim()) inconsistent.push_back(who);
      lowest = std::min(lowest, std::min(e.estimate(), static_cast<double>(e.claimed_min)));
    }
  }
  std::printf("(claimed: the loader's bits; pairs: starts that drew the same base, (exp.) expected at the claimed\n"
              " bits; span: log2 of the pages between the lowest and highest base; bits: sum of the binary entropy\n"
              " of each page-number bit; distance: the same for the distance to another block's base, the lowest\n"
              " over the other blocks (named last); est.: the lower of bits and distance; claim: agrees if est. and\n"
              " span >= claimed - 1 and the pairs are plausible)\n\n");
  Target t{fmt::format("entropy per block, min(claimed, est.), {} starts", s.entropy_starts),
           fmt::format("{:.1f} bits", lowest), fmt::format(">= {} bits", kEntropyTarget), below.empty()};
  if (!below.empty()) t.note = "below 28 bits: " + join(below, " ");
  targets.push_back(t);
  Target c{"entropy sample agrees with the loader's claim", inconsistent.empty() ? "every block" : "not every block",
           "every block", inconsistent.empty()};
  if (!inconsistent.empty()) c.note = "disagree: " + join(inconsistent, " ");
  targets.push_back(c);
}

GroupMemory median_group(const std::vector<GroupMemory> &reps) {
  auto med = [&](uint64_t GroupMemory::*f) {
    std::vector<uint64_t> v;
    for (const GroupMemory &g : reps) v.push_back(g.*f);
    return static_cast<uint64_t>(median(v) + 0.5);
  };
  GroupMemory m;
  m.pss = med(&GroupMemory::pss);
  m.private_kib = med(&GroupMemory::private_kib);
  m.page_tables = med(&GroupMemory::page_tables);
  m.pool_present = med(&GroupMemory::pool_present);
  m.pool_tmpfs = reps.front().pool_tmpfs;
  m.pool_objects = reps.front().pool_objects;
  return m;
}

void memory(const AslrSetup &s, const ChildStdio &stdio, std::vector<Target> &targets) {
  struct Group {
    std::string name;
    std::vector<std::string> apps;
  };
  const std::vector<Group> groups = {{"mixed", s.memory_apps}, {"helloworld", {"helloworld"}}};
  std::printf("== memory: %d instances held at their exit (ptrace), KiB, median of %d repetitions ==\n", s.instances,
              s.mem_reps);
  std::printf("%-11s %-11s %8s %10s %9s %9s %9s %8s %9s\n", "group", "mode", "sum Pss", "pool tmpfs", "- present",
              "= total", "ASLR/SLT", "private", "sum VmPTE");
  for (const Group &g : groups) {
    std::vector<GroupMemory> slt, aslr;
    for (int rep = 0; rep < s.mem_reps; rep++) {
      progress(fmt::format("memory: {} group, repetition {} of {}", g.name, rep + 1, s.mem_reps));
      bool slt_first = rep % 2 == 0;
      for (Mode m : {slt_first ? Mode::Slt : Mode::Aslr, slt_first ? Mode::Aslr : Mode::Slt})
        (m == Mode::Slt ? slt : aslr).push_back(measure_group(s, stdio, m, g.apps, s.instances));
    }
    GroupMemory ms = median_group(slt), ma = median_group(aslr);
    double ratio = ma.total() / ms.total();
    for (const auto &[mode, gm] : {std::pair{"SLT", &ms}, std::pair{"SLT [ASLR]", &ma}})
      std::printf("%-11s %-11s %8llu %10llu %9llu %9.0f %9s %8llu %9llu\n", g.name.c_str(), mode,
                  static_cast<unsigned long long>(gm->pss), static_cast<unsigned long long>(gm->pool_tmpfs),
                  static_cast<unsigned long long>(gm->pool_present), gm->total(),
                  gm == &ma ? fmt::format("{:.3f}x", ratio).c_str() : "",
                  static_cast<unsigned long long>(gm->private_kib), static_cast<unsigned long long>(gm->page_tables));
    double pte = static_cast<double>(ma.total() + static_cast<double>(ma.page_tables)) /
                 (ms.total() + static_cast<double>(ms.page_tables));
    std::printf("%-11s with page tables (total + sum VmPTE): ASLR/SLT %.3fx\n", "", pte);
    targets.push_back({fmt::format("memory, {} {} instances, ASLR/SLT (sum Pss + pool once)", s.instances, g.name),
                       fmt::format("{:.3f}x", ratio), fmt::format("<= {:.2f}x", kMemoryTarget),
                       ratio <= kMemoryTarget});
  }
  std::printf("(mixed: %s in turn, small inputs; pool tmpfs: the pool\n"
              " objects the group's descs name; present: their pages present in some instance's page tables, already\n"
              " in sum Pss; private: Private_Clean + Private_Dirty; VmPTE: page tables, not in Pss)\n\n",
              join(s.memory_apps, ", ").c_str());
}

void pool(const AslrSetup &s) {
  PoolBytes p = pool_bytes(s);
  std::printf("== pool bytes: the whole corpus (%zu apps with both descs), from the descs' lib records ==\n", p.apps);
  std::printf("%-11s %8s %12s %14s\n", "mode", "objects", "pool bytes", "private images");
  std::printf("%-11s %8zu %12llu %14llu\n", "SLT", p.slt_objects, static_cast<unsigned long long>(p.slt_bytes),
              static_cast<unsigned long long>(p.slt_image_bytes));
  std::printf("%-11s %8zu %12llu %14llu\n", "SLT [ASLR]", p.aslr_objects,
              static_cast<unsigned long long>(p.aslr_bytes), static_cast<unsigned long long>(p.aslr_image_bytes));
  std::printf("ASLR/SLT: pool %.3fx, private images %.3fx; objects used by both modes: %zu\n\n",
              static_cast<double>(p.aslr_bytes) / static_cast<double>(p.slt_bytes),
              static_cast<double>(p.aslr_image_bytes) / static_cast<double>(p.slt_image_bytes), p.common_objects);
}

int run(int argc, char **argv) {
  AslrSetup s;
  s.loader = default_loader();
  s.tmp_dir = "/tmp";
  bool fail_on_miss = false;
  std::vector<std::string> parts;

  CLI::App cli{"uk-bench-aslr: SLT [ASLR] vs Spacer-SLT (and the direct ELF): exec time, start-up, entropy, "
               "memory, pool bytes"};
  uk::cli::version(cli, "uk-bench-aslr " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", ukbench::g_verbose, "progress lines on stderr even when it is not a terminal");
  cli.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast); // run-aslr.sh's presets, then yours
  cli.add_option("--corpus", s.corpus, "directory with <app>/<app>.elf, .desc and .aslr.desc (build/unikernels)")
      ->required();
  cli.add_option("--pool", s.pool, "pool both kinds of desc were packed into; must be on tmpfs")->required();
  cli.add_option("--loader", s.loader, "uk-slt-run to use")->capture_default_str();
  cli.add_option("--tmp-dir", s.tmp_dir, "scratch files (mandelbrot's image, lua's script)")->capture_default_str();
  cli.add_flag("--long", s.long_inputs, "exec time with the long inputs (mandelbrot 1280x960x1000, zlib 32M, "
                                        "speedtest1 --size 50, lua fib(30))");
  cli.add_option("--exec-runs", s.exec_runs, "exec-time runs per side and app")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  cli.add_option("--exec-warmup", s.exec_warmup, "discarded exec-time rounds")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  cli.add_option("--startup-runs", s.startup_runs, "start-up runs per side")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cli.add_option("--entropy-starts", s.entropy_starts, "starts per app for the entropy")
      ->capture_default_str()
      ->check(CLI::Range(2, 1000000));
  cli.add_option("--entropy-apps", s.entropy_apps, "apps whose blocks are sampled")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->delimiter(',')->capture_default_str();
  cli.add_option("--exec-apps", s.exec_apps, "apps timed")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->delimiter(',')->capture_default_str();
  cli.add_option("--instances", s.instances, "concurrent instances per memory group")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cli.add_option("--mem-reps", s.mem_reps, "memory repetitions")->capture_default_str()->check(CLI::Range(1, 1000));
  cli.add_option("--only", parts, "run only these parts: exec, startup, entropy, memory, pool")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->delimiter(',')
      ->check(CLI::IsMember({"exec", "startup", "entropy", "memory", "pool"}));
  cli.add_flag("--fail-on-miss", fail_on_miss, "exit with status 3 if a target is not met");
  if (auto status = uk::cli::parse(cli, "uk-bench-aslr", argc, argv)) return *status; // --help, --version, usage error (2)
  check_setup(s);
  auto part = [&](const char *p) { return parts.empty() || std::find(parts.begin(), parts.end(), p) != parts.end(); };

  std::printf("uk-bench-aslr: %s\n", Command{std::vector<std::string>(argv, argv + argc)}.str().c_str());
  std::printf("machine: %ld cpus; pool %s; exec inputs %s\n\n", sysconf(_SC_NPROCESSORS_ONLN), s.pool.c_str(),
              s.long_inputs ? "long" : "short");
  std::fflush(stdout);
  ChildStdio stdio;
  std::vector<Target> targets;
  if (part("exec")) exec_times(s, stdio, targets);
  if (part("startup")) startup(s, stdio, targets);
  if (part("entropy")) entropy(s, stdio, targets);
  std::fflush(stdout);
  if (part("memory")) memory(s, stdio, targets);
  if (part("pool")) pool(s);

  std::printf("== targets ==\n");
  std::printf("%-62s %-15s %-11s %s\n", "measure", "value", "target", "");
  bool all = true;
  for (const Target &t : targets) {
    std::printf("%-62s %-15s %-11s %s\n", t.measure.c_str(), t.value.c_str(), t.target.c_str(),
                t.met ? "met" : "NOT MET");
    all = all && t.met;
  }
  for (const Target &t : targets)
    if (!t.note.empty()) std::printf("%s: %s\n", t.measure.c_str(), t.note.c_str());
  if (std::fflush(stdout) != 0) throw BenchError("cannot write the results to stdout");
  return fail_on_miss && !all ? 3 : 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "uk-bench-aslr: %s\n", e.what());
    return 1;
  }
}
