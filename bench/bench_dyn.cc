// uk-bench-dyn: the dynamic mode side by side with the others. Wall time
// (fork + exec + wait, medians) of the same app run
//   - directly from its static ELF (the Default mode),
//   - by uk-slt-run from the pool (Spacer-SLT),
//   - by uk-dyn-run, lazy binding and --bind-now (Dynamic),
//   - and, for reference, by musl's own dynamic linker: the same source
//     built with musl-gcc as an ordinary dynamic executable
//     (PT_INTERP /lib/ld-musl-x86_64.so.1, which binds everything at load).
// Start-up with helloworld, run time with mandelbrot; every side of a
// measurement interleaved round by round so drift on a shared machine hits
// all alike. Then the relocations uk-dyn-run processes (its --stats), and
// the two targets: uk-dyn-run start-up within 1.5x of musl's dynamic
// linker, mandelbrot under uk-dyn-run within 5% of the static ELF.
// bench/run-dyn.sh builds everything and runs this.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <string>
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
  std::string corpus, pool, slt_run, dyn_run, musl_hello, musl_mandel, tmp_dir = "/tmp";
  int runs = 300, warmup = 20, mandel_runs = 15, mandel_warmup = 2;
  int mandel_w = 1200, mandel_h = 900, mandel_iters = 500;
};

struct Side {
  std::string label;
  Command cmd;
  std::vector<double> ms;
};

// Runs every side once per round, in an order rotated each round.
void measure(std::vector<Side> &sides, int runs, int warmup, const ChildStdio &stdio) {
  for (int round = 0; round < runs + warmup; round++)
    for (size_t k = 0; k < sides.size(); k++) {
      Side &s = sides[(k + static_cast<size_t>(round)) % sides.size()];
      TimedRun t = run_timed(s.cmd, stdio);
      if (round >= warmup) s.ms.push_back(t.wall_ms);
    }
}

void print_table(const std::vector<Side> &sides, size_t direct, size_t reference, const char *ref_name) {
  double d = median(sides[direct].ms), r = median(sides[reference].ms);
  std::printf("%-34s %9s %9s %9s %10s %10s\n", "mode", "median ms", "p10", "p90", "vs direct",
              fmt::format("vs {}", ref_name).c_str());
  for (const Side &s : sides) {
    Spread sp = spread(s.ms);
    std::printf("%-34s %9.3f %9.3f %9.3f %9.2fx %9.2fx\n", s.label.c_str(), sp.median, sp.p10, sp.p90,
                sp.median / d, sp.median / r);
  }
}

// uk-dyn-run --stats lines (stderr) of one run.
std::vector<std::string> stats_of(const Command &cmd) {
  std::string sh = cmd.str() + " 2>&1 >/dev/null";
  FILE *p = popen(sh.c_str(), "r");
  if (!p) throw BenchError("popen failed for " + sh);
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    if (l.find("uk-dyn-run: stats: ") == 0) lines.push_back(l.substr(19, l.size() - 20));
  }
  if (pclose(p) != 0) throw BenchError("`" + sh + "` failed");
  return lines;
}

int run(int argc, char **argv) {
  Setup s;
  bool fail_on_miss = false;
  CLI::App cli{"uk-bench-dyn: uk-dyn-run vs uk-slt-run vs the static ELF vs musl's dynamic linker"};
  uk::cli::version(cli, "uk-bench-dyn " UK_SLT_VERSION);
  cli.add_flag("-v,--verbose", ukbench::g_verbose, "progress lines on stderr even when it is not a terminal");
  cli.add_option("--corpus", s.corpus, "directory with <app>/<app>.elf, .desc and .so (build/unikernels)")->required();
  cli.add_option("--pool", s.pool, "pool the descs were packed into")->required();
  cli.add_option("--slt-run", s.slt_run, "uk-slt-run")->required();
  cli.add_option("--dyn-run", s.dyn_run, "uk-dyn-run")->required();
  cli.add_option("--musl-hello", s.musl_hello, "helloworld built with musl-gcc as a dynamic executable")->required();
  cli.add_option("--musl-mandelbrot", s.musl_mandel, "mandelbrot built with musl-gcc as a dynamic executable")
      ->required();
  cli.add_option("--tmp-dir", s.tmp_dir, "where mandelbrot writes its images")->capture_default_str();
  cli.add_option("--runs", s.runs, "start-up runs per side")->capture_default_str()->check(CLI::Range(1, 1000000));
  cli.add_option("--warmup", s.warmup, "discarded start-up runs per side")->capture_default_str();
  cli.add_option("--mandel-runs", s.mandel_runs, "mandelbrot runs per side")->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cli.add_option("--mandel-size", s.mandel_w, "mandelbrot width (height is 3/4 of it)")->capture_default_str()
      ->check(CLI::Range(8, 16384));
  cli.add_option("--mandel-iters", s.mandel_iters, "mandelbrot iterations")->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cli.add_flag("--fail-on-miss", fail_on_miss, "exit with status 3 if a target is not met");
  if (auto status = uk::cli::parse(cli, "uk-bench-dyn", argc, argv)) return *status; // --help, --version, usage error (2)
  s.mandel_h = s.mandel_w * 3 / 4;
  auto app = [&](const std::string &a, const char *ext) { return s.corpus + "/" + a + "/" + a + "." + ext; };
  for (const char *a : {"helloworld", "mandelbrot"})
    for (const char *ext : {"elf", "desc", "so"}) check_file(app(a, ext), "corpus file");
  for (const std::string *f : {&s.slt_run, &s.dyn_run, &s.musl_hello, &s.musl_mandel}) check_file(*f, "program");

  std::printf("uk-bench-dyn: %s\n", Command{std::vector<std::string>(argv, argv + argc)}.str().c_str());
  std::printf("machine: %ld cpus, load average %s at start\n\n", sysconf(_SC_NPROCESSORS_ONLN), loadavg().c_str());
  ChildStdio stdio;

  // Start-up: helloworld, each way.
  std::vector<Side> hello = {
      {"direct ELF (static)", Command{{app("helloworld", "elf")}}, {}},
      {"uk-slt-run (pool)", Command{{s.slt_run, "--pool", s.pool, app("helloworld", "desc")}}, {}},
      {"uk-dyn-run (lazy)", Command{{s.dyn_run, app("helloworld", "so")}}, {}},
      {"uk-dyn-run --bind-now", Command{{s.dyn_run, "--bind-now", app("helloworld", "so")}}, {}},
      {"musl ld.so (musl-gcc dynamic)", Command{{s.musl_hello}}, {}},
  };
  progress("uk-bench-dyn", fmt::format("start-up: {} rounds of {} sides", s.runs + s.warmup, hello.size()));
  measure(hello, s.runs, s.warmup, stdio);
  std::printf("== start-up: helloworld, wall time of fork + exec + wait, %d runs per side ==\n", s.runs);
  print_table(hello, 0, 4, "musl ld.so");

  // Run time: mandelbrot, each way.
  std::string out = s.tmp_dir + "/uk-bench-dyn-mandel-" + std::to_string(getpid()) + ".ppm";
  std::vector<std::string> margs = {std::to_string(s.mandel_w), std::to_string(s.mandel_h),
                                    std::to_string(s.mandel_iters), out};
  auto with = [&](std::vector<std::string> v) {
    v.insert(v.end(), margs.begin(), margs.end());
    return Command{v};
  };
  std::vector<Side> mandel = {
      {"direct ELF (static)", with({app("mandelbrot", "elf")}), {}},
      {"uk-slt-run (pool)", with({s.slt_run, "--pool", s.pool, app("mandelbrot", "desc")}), {}},
      {"uk-dyn-run (lazy)", with({s.dyn_run, app("mandelbrot", "so")}), {}},
      {"uk-dyn-run --bind-now", with({s.dyn_run, "--bind-now", app("mandelbrot", "so")}), {}},
      {"musl ld.so (musl-gcc dynamic)", with({s.musl_mandel}), {}},
  };
  progress("uk-bench-dyn", fmt::format("mandelbrot: {} rounds of {} sides", s.mandel_runs + s.mandel_warmup, mandel.size()));
  measure(mandel, s.mandel_runs, s.mandel_warmup, stdio);
  std::remove(out.c_str());
  std::printf("\n== run time: mandelbrot %dx%d, %d iterations, %d runs per side ==\n", s.mandel_w, s.mandel_h,
              s.mandel_iters, s.mandel_runs);
  print_table(mandel, 0, 4, "musl ld.so");

  // What uk-dyn-run does at load and while running.
  std::printf("\n== uk-dyn-run --stats ==\n");
  for (const char *a : {"helloworld", "mandelbrot"})
    for (bool eager : {false, true}) {
      std::vector<std::string> v = {s.dyn_run, "--stats"};
      if (eager) v.push_back("--bind-now");
      v.push_back(app(a, "so"));
      if (std::string(a) == "mandelbrot") v.insert(v.end(), {"64", "48", "50", "/dev/null"});
      std::printf("%s, %s binding:\n", a, eager ? "eager" : "lazy");
      for (const std::string &l : stats_of(Command{v})) std::printf("  %s\n", l.c_str());
    }

  double startup_ratio = median(hello[2].ms) / median(hello[4].ms);
  double mandel_ratio = median(mandel[2].ms) / median(mandel[0].ms);
  bool ok1 = startup_ratio <= 1.5, ok2 = mandel_ratio <= 1.05;
  std::printf("\n== targets ==\n");
  std::printf("start-up, uk-dyn-run (lazy) / musl ld.so: %.2fx (target <= 1.50x): %s\n", startup_ratio,
              ok1 ? "met" : "MISSED");
  std::printf("mandelbrot, uk-dyn-run (lazy) / static ELF: %.3fx (target <= 1.050x): %s\n", mandel_ratio,
              ok2 ? "met" : "MISSED");
  std::printf("load average at end: %s\n", loadavg().c_str());
  if (std::fflush(stdout) != 0) throw BenchError("cannot write the results to stdout");
  return fail_on_miss && !(ok1 && ok2) ? 3 : 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "uk-bench-dyn: %s\n", e.what());
    return 1;
  }
}
