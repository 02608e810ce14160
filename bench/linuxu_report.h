// Turns the raw samples of uk-bench-linuxu into medians, ratios and target
// verdicts, printed as a table or as JSON.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "linuxu_measure.h"
#include "stats.h"

namespace ukbench {

inline constexpr double kTargetStartupRatio = 1.3;  // uk-slt-run / direct, median wall time
inline constexpr double kTargetMixedRatio = 0.6;    // (pool Pss + pool tmpfs) / direct Pss, conservative
inline constexpr double kTargetAddedKiB = 64.0;     // per-instance Pss the loader adds

struct LinuxuResults {
  LinuxuSetup setup;
  std::string command_line;
  StartupSamples startup;
  std::vector<MemoryRep> mem;
  DirUsage pool;                      // the whole pool directory
  DirUsage pool_mixed, pool_distinct; // what each memory scenario counts (scenario_pool_usage)
  long cpus = 0;
  std::string loadavg_start, loadavg_end; // first three fields of /proc/loadavg
};

struct MemFields { // medians over the repetitions, KiB
  double rss = 0, pss = 0, shared_clean = 0, shared_dirty = 0, private_clean = 0, private_dirty = 0;
};

// One memory scenario, direct vs pool: medians over the repetitions, KiB.
struct ScenarioSummary {
  MemFields direct, pool;
  double pss_min_direct = 0, pss_max_direct = 0, pss_min_pool = 0, pss_max_pool = 0;
  // Conservative: sum Pss pool + all the scenario's pool tmpfs bytes (double-counts the mapped pool pages).
  double pool_tmpfs_kib = 0, pool_total = 0, ratio = 0;
  // Exact: sum Pss pool + (pool tmpfs bytes - pool pages resident in the instances' mappings, from smaps Pss).
  double pool_mapped_kib = 0, pool_mappings = 0, exact_total = 0, exact_ratio = 0;
  double pool_present_kib = 0; // check: the same resident mapped pool pages from pagemap, no rounding
};

struct LinuxuSummary {
  Spread direct_ms, pool_ms;
  double startup_ratio = 0, paired_ratio = 0;
  double minflt_direct = 0, minflt_pool = 0;
  bool startup_met = false;

  ScenarioSummary mixed;
  bool mixed_met = false; // on the conservative ratio

  bool has_distinct = false; // --functions > 0
  ScenarioSummary distinct;  // no target

  MemFields same_direct, same_pool;
  double added_kib = 0, private_direct = 0, private_pool = 0;
  bool added_met = false;

  bool all_met() const { return startup_met && mixed_met && added_met; }
};

LinuxuSummary summarize(const LinuxuResults &r);
void print_table(const LinuxuResults &r, const LinuxuSummary &s, std::FILE *out);
std::string to_json(const LinuxuResults &r, const LinuxuSummary &s);

} // namespace ukbench
