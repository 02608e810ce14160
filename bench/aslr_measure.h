// The measurements of uk-bench-aslr: the same corpus app run three ways,
//   direct  its aligned ELF, run by the kernel (reference),
//   SLT     uk-slt-run APP.desc (Spacer-SLT, every library at its slot),
//   ASLR    uk-slt-run APP.aslr.desc (SLT [ASLR], every library at a fresh
//           random base in every start),
// always interleaved (the order of the sides rotates every round) so that
// drift on a shared machine hits every side alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aslr_entropy.h"
#include "proc_util.h"

namespace ukbench {

enum class Mode { Direct, Slt, Aslr };
const char *mode_label(Mode m);

struct AslrSetup {
  std::string corpus;  // <corpus>/<app>/<app>.elf, .desc, .aslr.desc (build/unikernels)
  std::string pool;    // the pool both kinds of desc were packed into (tmpfs)
  std::string loader;  // uk-slt-run
  std::string tmp_dir; // scratch files (mandelbrot's image, lua's script)
  bool long_inputs = false;
  int exec_runs = 5, exec_warmup = 1;
  int startup_runs = 200, startup_warmup = 10;
  int entropy_starts = 1000;
  std::vector<std::string> exec_apps = {"mandelbrot", "zlib-perf", "sqlite-speed", "lua"};
  std::vector<std::string> entropy_apps = {"helloworld", "zlib-perf", "sqlite-speed", "lua"};
  std::vector<std::string> memory_apps = {"helloworld", "mandelbrot", "zlib-perf", "sqlite-speed", "lua"};
  int instances = 20, mem_reps = 3;
};

// Every input exists (corpus files of every app named, loader, pool on
// tmpfs, scratch dir); writes the lua script into tmp_dir. Throws BenchError.
void check_setup(const AslrSetup &s);

// An app's arguments for each use: Exec the exec-time runs (sizes from
// long_inputs), Small the memory instances (a little real work), Start the
// entropy starts (the layout is chosen before the app runs: it only has to
// start and exit 0).
enum class Input { Exec, Small, Start };
struct Workload {
  std::vector<std::string> args;
  std::string what; // e.g. "--size 10 --memdb"
};
Workload workload(const AslrSetup &s, const std::string &app, Input in);
Command command(const AslrSetup &s, Mode m, const std::string &app, const Workload &w, bool stats = false);

// Wall times (fork .. wait4) of each side, one run of every side per round.
struct Sides {
  std::vector<Mode> modes;
  std::vector<std::vector<double>> ms; // per mode, per round
};
Sides measure_exec(const AslrSetup &s, const ChildStdio &stdio, const std::string &app, const Workload &w, int runs,
                   int warmup);

// Bases of every block over s.entropy_starts starts of uk-slt-run --stats APP.aslr.desc.
std::vector<std::vector<BlockBase>> sample_layouts(const AslrSetup &s, const ChildStdio &stdio, const std::string &app);

// Memory of `count` instances of `apps` (round-robin) held at their exit.
struct GroupMemory {
  uint64_t pss = 0;           // Σ Pss, KiB (smaps_rollup)
  uint64_t private_kib = 0;   // Σ Private_Clean + Private_Dirty, KiB
  uint64_t page_tables = 0;   // Σ VmPTE, KiB (not in Pss)
  uint64_t pool_present = 0;  // pool pages present in some instance (pagemap), KiB counted once
  uint64_t pool_tmpfs = 0;    // KiB allocated on tmpfs by the pool objects the group's descs name
  size_t pool_objects = 0;
  // Σ Pss + pool once: the pool's tmpfs bytes minus the pool pages already in Σ Pss
  // (bench/run-linuxu.sh's "exact" count).
  double total() const { return static_cast<double>(pss + pool_tmpfs) - static_cast<double>(pool_present); }
};
GroupMemory measure_group(const AslrSetup &s, const ChildStdio &stdio, Mode m, const std::vector<std::string> &apps,
                          int count);

// Pool objects and private images of the whole corpus, per mode (every app
// directory with both APP.desc and APP.aslr.desc).
struct PoolBytes {
  size_t apps = 0;
  size_t slt_objects = 0, aslr_objects = 0, common_objects = 0;
  uint64_t slt_bytes = 0, aslr_bytes = 0;             // Σ object sizes named by the descs (distinct objects)
  uint64_t slt_image_bytes = 0, aslr_image_bytes = 0; // Σ private image sizes
};
PoolBytes pool_bytes(const AslrSetup &s);

} // namespace ukbench
