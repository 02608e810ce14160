// The measurements of uk-bench-linuxu: each app run directly from its
// aligned ELF ("direct") and through uk-slt-run from the pool ("pool"),
// always interleaved so drift on a shared machine hits both sides alike.
#pragma once

#include <string>
#include <vector>

#include "proc_util.h"

namespace ukbench {

struct LinuxuSetup {
  std::string corpus;  // <corpus>/<app>/<app>.elf and .desc
  std::string pool;    // the pool the descs were packed into (tmpfs)
  std::string loader;  // uk-slt-run
  std::string tmp_dir; // where mandelbrot writes its images
  int runs = 200;      // start-up runs per side
  int warmup = 10;     // discarded start-up runs per side
  int reps = 3;        // memory repetitions
  int instances = 20;  // concurrent instances per memory group
  int functions = 20;  // distinct functions fn01..fnNN, one instance each (0: none)
  int mandel_w = 200, mandel_h = 150, mandel_iters = 200;
};

inline const char *const kApps[] = {"helloworld", "mandelbrot", "cat", "exitcode"};

// The distinct functions run-linuxu.sh generates: fn01, fn02, ... (i from 1).
std::string function_name(int i);
std::vector<std::string> function_names(const LinuxuSetup &s);

// Every input exists and has the right kind; throws BenchError otherwise.
void check_setup(const LinuxuSetup &s);

std::string mixed_description(const LinuxuSetup &s);
std::string distinct_description(const LinuxuSetup &s);

// The pool's files that count for a memory scenario running `apps`: every
// regular file in the pool except the objects that only the other apps of
// the corpus (mixed apps and functions) name in their descs.
DirUsage scenario_pool_usage(const LinuxuSetup &s, const std::vector<std::string> &apps);

struct StartupSamples {
  std::vector<double> direct_ms, pool_ms;
  std::vector<long> direct_minflt, pool_minflt;
};
StartupSamples measure_startup(const LinuxuSetup &s, const ChildStdio &stdio);

struct GroupMemory {
  MemUsage sum;                       // KiB over the instances
  std::vector<uint64_t> private_each; // Private_Clean + Private_Dirty per instance, KiB
  // Pool side only: Pss of the instances' mappings of pool files (/proc/PID/smaps), KiB summed over the
  // instances, and how many such mappings; the pool pages present in some instance's page tables
  // (/proc/PID/pagemap), KiB counted once: the same quantity without the kernel's per-mapping rounding.
  uint64_t pool_mapped_pss = 0, pool_mappings = 0, pool_present = 0;
};
struct MemoryRep {
  GroupMemory mixed_direct, mixed_pool;       // helloworld, mandelbrot, cat, exitcode in turn
  GroupMemory same_direct, same_pool;         // helloworld only
  GroupMemory distinct_direct, distinct_pool; // fn01..fnNN once each (empty without functions)
};
MemoryRep measure_memory_once(const LinuxuSetup &s, const ChildStdio &stdio, int rep);

} // namespace ukbench
