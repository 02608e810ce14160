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
  int mandel_w = 200, mandel_h = 150, mandel_iters = 200;
};

inline const char *const kApps[] = {"helloworld", "mandelbrot", "cat", "exitcode"};

// Every input exists and has the right kind; throws BenchError otherwise.
void check_setup(const LinuxuSetup &s);

std::string mixed_description(const LinuxuSetup &s);

struct StartupSamples {
  std::vector<double> direct_ms, pool_ms;
  std::vector<long> direct_minflt, pool_minflt;
};
StartupSamples measure_startup(const LinuxuSetup &s, const ChildStdio &stdio);

struct GroupMemory {
  MemUsage sum;                       // KiB over the instances
  std::vector<uint64_t> private_each; // Private_Clean + Private_Dirty per instance, KiB
};
struct MemoryRep {
  GroupMemory mixed_direct, mixed_pool; // helloworld, mandelbrot, cat, exitcode in turn
  GroupMemory same_direct, same_pool;   // helloworld only
};
MemoryRep measure_memory_once(const LinuxuSetup &s, const ChildStdio &stdio, int rep);

} // namespace ukbench
