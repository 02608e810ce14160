// uk-bench-linuxu: start-up time, page faults and memory of unikernels run
// by uk-slt-run from a shared tmpfs pool, side by side with the same apps run
// directly from their aligned ELFs. Both sides are interleaved in one run and
// reported as medians and ratios (the machine is shared and noisy).
// bench/run-linuxu.sh builds, packs a fresh tmpfs pool and runs this.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "bench_util.h"
#include "cli_conventions.h"
#include "linuxu_measure.h"
#include "linuxu_report.h"
#include "proc_util.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace ukbench;

std::string default_loader() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "uk-slt-run";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "uk-slt-run";
}

int run(int argc, char **argv) {
  LinuxuSetup s;
  s.loader = default_loader();
  s.tmp_dir = "/tmp";
  bool json = false, fail_on_miss = false;

  CLI::App cli{"uk-bench-linuxu: start-up time, page faults and memory of uk-slt-run from a tmpfs pool vs direct ELFs"};
  uk::cli::version(cli, "uk-bench-linuxu " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", ukbench::g_verbose, "progress lines on stderr even when it is not a terminal");
  cli.add_option("--corpus", s.corpus, "directory with <app>/<app>.elf and <app>.desc for helloworld, mandelbrot, "
                                       "cat, exitcode and the functions fn01..fnNN (uk-slt pack --out-dir)")
      ->required();
  cli.add_option("--pool", s.pool, "pool the corpus was packed into; must be on tmpfs")->required();
  cli.add_option("--loader", s.loader, "uk-slt-run to use")->capture_default_str();
  cli.add_option("--tmp-dir", s.tmp_dir, "where mandelbrot writes its images")->capture_default_str();
  cli.add_option("--runs", s.runs, "start-up runs per side")->capture_default_str()->check(CLI::Range(1, 1000000));
  cli.add_option("--warmup", s.warmup, "discarded start-up runs per side")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cli.add_option("--mem-reps", s.reps, "memory measurement repetitions")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cli.add_option("--instances", s.instances, "concurrent instances per memory group (multiple of 4)")
      ->capture_default_str()
      ->check(CLI::Range(4, 1000));
  cli.add_option("--functions", s.functions,
                 "distinct functions fn01..fnNN run at once, one instance each (0: skip that scenario)")
      ->capture_default_str()
      ->check(CLI::Range(0, 999));
  cli.add_flag("--json", json, "print the results as JSON instead of a table");
  cli.add_flag("--fail-on-miss", fail_on_miss, "exit with status 3 if a target is not met");
  if (auto status = uk::cli::parse(cli, "uk-bench-linuxu", argc, argv)) return *status; // --help, --version, usage error (2)

  LinuxuResults r;
  r.command_line = Command{std::vector<std::string>(argv, argv + argc)}.str();
  check_setup(s);
  r.setup = s;
  r.cpus = sysconf(_SC_NPROCESSORS_ONLN);
  r.loadavg_start = loadavg();
  r.pool = dir_usage(s.pool);
  r.pool_mixed = scenario_pool_usage(s, std::vector<std::string>(std::begin(kApps), std::end(kApps)));
  if (s.functions > 0) r.pool_distinct = scenario_pool_usage(s, function_names(s));
  ChildStdio stdio;

  progress("uk-bench-linuxu", "start-up: " + std::to_string(2 * (s.runs + s.warmup)) + " runs of helloworld");
  r.startup = measure_startup(s, stdio);
  for (int rep = 0; rep < s.reps; rep++) {
    progress("uk-bench-linuxu", "memory: repetition " + std::to_string(rep + 1) + " of " + std::to_string(s.reps));
    r.mem.push_back(measure_memory_once(s, stdio, rep));
  }
  r.loadavg_end = loadavg();

  LinuxuSummary sum = summarize(r);
  if (json) std::fputs(to_json(r, sum).c_str(), stdout);
  else print_table(r, sum, stdout);
  if (std::fflush(stdout) != 0) throw BenchError("cannot write the results to stdout");
  return fail_on_miss && !sum.all_met() ? 3 : 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "uk-bench-linuxu: %s\n", e.what());
    return 1;
  }
}
