#include "linuxu_report.h"

#include <fmt/format.h>

#include <functional>
#include <nlohmann/json.hpp>

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace ukbench {
namespace {

const char *const kDoubleCountNote =
    "the pool's files are counted fully although the instances' Pss already includes the pool pages they map, "
    "so the pool side is overstated (conservative)";

const char *const kExactNote =
    "exact pool total = sum Pss pool + pool tmpfs bytes - pool_present_kib, where pool_present_kib is the pool "
    "pages present in some instance's /proc/PID/pagemap, counted once (each is already in sum Pss pool); "
    "pool_mapped_kib, the sum of the Pss of the instances' pool mappings in /proc/PID/smaps, is the same quantity "
    "with each mapping truncated to whole KiB by the kernel";

using GroupOf = std::function<const GroupMemory &(const MemoryRep &)>;

std::vector<double> per_rep(const std::vector<MemoryRep> &reps, const GroupOf &group, uint64_t MemUsage::*field) {
  std::vector<double> v;
  for (const MemoryRep &r : reps) v.push_back(static_cast<double>(group(r).sum.*field));
  return v;
}

MemFields fields(const std::vector<MemoryRep> &reps, const GroupOf &g) {
  return {median(per_rep(reps, g, &MemUsage::rss)),           median(per_rep(reps, g, &MemUsage::pss)),
          median(per_rep(reps, g, &MemUsage::shared_clean)),  median(per_rep(reps, g, &MemUsage::shared_dirty)),
          median(per_rep(reps, g, &MemUsage::private_clean)), median(per_rep(reps, g, &MemUsage::private_dirty))};
}

double private_median(const std::vector<MemoryRep> &reps, const GroupOf &g) {
  std::vector<uint64_t> all;
  for (const MemoryRep &r : reps) all.insert(all.end(), g(r).private_each.begin(), g(r).private_each.end());
  return median(all);
}

std::vector<double> per_rep(const std::vector<MemoryRep> &reps, const GroupOf &group, uint64_t GroupMemory::*field) {
  std::vector<double> v;
  for (const MemoryRep &r : reps) v.push_back(static_cast<double>(group(r).*field));
  return v;
}

ScenarioSummary scenario(const std::vector<MemoryRep> &reps, const GroupOf &direct, const GroupOf &pool,
                         const DirUsage &pool_files) {
  ScenarioSummary c;
  c.direct = fields(reps, direct);
  c.pool = fields(reps, pool);
  auto pd = per_rep(reps, direct, &MemUsage::pss), pp = per_rep(reps, pool, &MemUsage::pss);
  c.pss_min_direct = quantile(pd, 0.0);
  c.pss_max_direct = quantile(pd, 1.0);
  c.pss_min_pool = quantile(pp, 0.0);
  c.pss_max_pool = quantile(pp, 1.0);
  c.pool_tmpfs_kib = static_cast<double>(pool_files.allocated_bytes) / 1024.0;
  c.pool_total = c.pool.pss + c.pool_tmpfs_kib;
  c.ratio = c.pool_total / c.direct.pss;
  c.pool_mapped_kib = median(per_rep(reps, pool, &GroupMemory::pool_mapped_pss));
  c.pool_mappings = median(per_rep(reps, pool, &GroupMemory::pool_mappings));
  c.pool_present_kib = median(per_rep(reps, pool, &GroupMemory::pool_present));
  // smaps_rollup's Pss is rounded once per process, while the per-mapping
  // Pss lines are each truncated: subtract the unrounded page count.
  c.exact_total = c.pool.pss + c.pool_tmpfs_kib - c.pool_present_kib;
  c.exact_ratio = c.exact_total / c.direct.pss;
  return c;
}

const char *verdict(bool met) { return met ? "MET" : "NOT MET"; }

void field_header(std::FILE *out) {
  fmt::print(out, "  {:<20} {:>8} {:>8} {:>13} {:>13} {:>14} {:>14}\n", "", "Rss", "Pss", "Shared_Clean",
             "Shared_Dirty", "Private_Clean", "Private_Dirty");
}

void field_row(std::FILE *out, const char *label, const MemFields &f) {
  fmt::print(out, "  {:<20} {:>8.0f} {:>8.0f} {:>13.0f} {:>13.0f} {:>14.0f} {:>14.0f}\n", label, f.rss, f.pss,
             f.shared_clean, f.shared_dirty, f.private_clean, f.private_dirty);
}

nlohmann::ordered_json fields_json(const MemFields &f) {
  return {{"rss", f.rss},
          {"pss", f.pss},
          {"shared_clean", f.shared_clean},
          {"shared_dirty", f.shared_dirty},
          {"private_clean", f.private_clean},
          {"private_dirty", f.private_dirty}};
}

nlohmann::ordered_json spread_json(const Spread &s) {
  return {{"median", s.median}, {"p10", s.p10}, {"p90", s.p90}, {"min", s.min}, {"max", s.max}};
}

// The rows, sums, conservative and exact totals of a memory scenario; the
// conservative ratio's line ends with `ratio_note`.
void print_scenario(std::FILE *out, const ScenarioSummary &c, const DirUsage &pool_files,
                    const std::string &ratio_note) {
  field_header(out);
  field_row(out, "direct ELF", c.direct);
  field_row(out, "uk-slt-run (pool)", c.pool);
  fmt::print(out, "  {:<34} {:>9.0f} KiB   (range over repetitions {:.0f}..{:.0f})\n", "sum Pss direct", c.direct.pss,
             c.pss_min_direct, c.pss_max_direct);
  fmt::print(out, "  {:<34} {:>9.0f} KiB   (range over repetitions {:.0f}..{:.0f})\n", "sum Pss pool", c.pool.pss,
             c.pss_min_pool, c.pss_max_pool);
  fmt::print(out, "  {:<34} {:>9.0f} KiB   ({} files counted fully: this double-counts the\n", "+ pool tmpfs bytes",
             c.pool_tmpfs_kib, pool_files.files);
  fmt::print(out, "  {:<34} {:>9} {:>3}   pool pages the instances map, so it is conservative)\n", "", "", "");
  fmt::print(out, "  {:<34} {:>9.0f} KiB\n", "= pool total", c.pool_total);
  fmt::print(out, "  {:<34} {:>9.2f}x       {}\n", "ratio pool total/direct", c.ratio, ratio_note);
  fmt::print(out, "  {:<34} {:>9.0f} KiB   (Pss of their {:.0f} pool mappings in /proc/PID/smaps, summed:\n",
             "pool pages mapped by the instances", c.pool_mapped_kib, c.pool_mappings);
  fmt::print(out, "  {:<34} {:>9} {:>3}   each resident pool page once, and already in sum Pss pool;\n", "", "", "");
  fmt::print(out, "  {:<34} {:>9} {:>3}   the kernel truncates each mapping's Pss to whole KiB; check:\n", "", "", "");
  fmt::print(out, "  {:<34} {:>9} {:>3}   {:.0f} KiB of pool pages present in their /proc/PID/pagemap)\n", "", "", "",
             c.pool_present_kib);
  fmt::print(out, "  {:<34} {:>9.0f} KiB   (sum Pss pool + pool tmpfs bytes - pool pages present)\n",
             "= exact pool total", c.exact_total);
  fmt::print(out, "  {:<34} {:>9.2f}x       (extra information, no target)\n", "ratio exact pool total/direct",
             c.exact_ratio);
}

nlohmann::ordered_json scenario_json(const ScenarioSummary &c, const DirUsage &pool_files) {
  return {{"unit", "KiB"},
          {"direct", fields_json(c.direct)},
          {"pool", fields_json(c.pool)},
          {"pool_tmpfs_kib", c.pool_tmpfs_kib},
          {"pool_files", pool_files.files},
          {"pool_total_kib", c.pool_total},
          {"ratio", c.ratio},
          {"pool_mapped_kib", c.pool_mapped_kib},
          {"pool_mappings", c.pool_mappings},
          {"pool_present_kib", c.pool_present_kib},
          {"exact_pool_total_kib", c.exact_total},
          {"exact_ratio", c.exact_ratio}};
}

} // namespace

LinuxuSummary summarize(const LinuxuResults &r) {
  LinuxuSummary s;
  const StartupSamples &st = r.startup;
  s.direct_ms = spread(st.direct_ms);
  s.pool_ms = spread(st.pool_ms);
  s.startup_ratio = s.pool_ms.median / s.direct_ms.median;
  std::vector<double> paired;
  for (size_t i = 0; i < st.direct_ms.size() && i < st.pool_ms.size(); i++)
    paired.push_back(st.pool_ms[i] / st.direct_ms[i]);
  s.paired_ratio = median(paired);
  s.minflt_direct = median(st.direct_minflt);
  s.minflt_pool = median(st.pool_minflt);
  s.startup_met = s.startup_ratio <= kTargetStartupRatio;

  GroupOf mixed_direct = [](const MemoryRep &m) -> const GroupMemory & { return m.mixed_direct; };
  GroupOf mixed_pool = [](const MemoryRep &m) -> const GroupMemory & { return m.mixed_pool; };
  GroupOf same_direct = [](const MemoryRep &m) -> const GroupMemory & { return m.same_direct; };
  GroupOf same_pool = [](const MemoryRep &m) -> const GroupMemory & { return m.same_pool; };
  GroupOf distinct_direct = [](const MemoryRep &m) -> const GroupMemory & { return m.distinct_direct; };
  GroupOf distinct_pool = [](const MemoryRep &m) -> const GroupMemory & { return m.distinct_pool; };
  s.mixed = scenario(r.mem, mixed_direct, mixed_pool, r.pool_mixed);
  s.mixed_met = s.mixed.ratio <= kTargetMixedRatio;
  s.has_distinct = r.setup.functions > 0;
  if (s.has_distinct) s.distinct = scenario(r.mem, distinct_direct, distinct_pool, r.pool_distinct);

  s.same_direct = fields(r.mem, same_direct);
  s.same_pool = fields(r.mem, same_pool);
  s.added_kib = (s.same_pool.pss - s.same_direct.pss) / r.setup.instances;
  s.private_direct = private_median(r.mem, same_direct);
  s.private_pool = private_median(r.mem, same_pool);
  s.added_met = s.added_kib <= kTargetAddedKiB;
  return s;
}

void print_table(const LinuxuResults &r, const LinuxuSummary &s, std::FILE *out) {
  const LinuxuSetup &c = r.setup;
  fmt::print(out, "uk-bench-linuxu {}: unikernels via uk-slt-run from a tmpfs pool vs the same apps as direct ELFs\n",
             UK_SLT_VERSION);
  fmt::print(out, "command: {}\n", r.command_line);
  fmt::print(out, "loader:  {}\ncorpus:  {}\n", c.loader, c.corpus);
  fmt::print(out, "pool:    {} (tmpfs, {} files, {} bytes, {} KiB allocated)\n", c.pool, r.pool.files,
             r.pool.size_bytes, r.pool.allocated_bytes / 1024);
  if (s.has_distinct)
    fmt::print(out,
               "         memory scenarios count the pool's files except the objects only the other scenario uses:\n"
               "         mixed apps {} files ({} KiB allocated), functions {} files ({} KiB allocated)\n",
               r.pool_mixed.files, r.pool_mixed.allocated_bytes / 1024, r.pool_distinct.files,
               r.pool_distinct.allocated_bytes / 1024);
  fmt::print(out, "host:    {} CPUs online, load average {} at start, {} at end\n\n", r.cpus, r.loadavg_start,
             r.loadavg_end);

  fmt::print(out, "1. Start-up wall time of helloworld (fork + execve + wait4, CLOCK_MONOTONIC, stdout to /dev/null)\n");
  fmt::print(out, "   {} runs per side, interleaved ABBA, after {} warm-up runs per side\n", c.runs, c.warmup);
  fmt::print(out, "  {:<20} {:>10} {:>10} {:>10}\n", "", "median", "p10", "p90");
  fmt::print(out, "  {:<20} {:>7.3f} ms {:>7.3f} ms {:>7.3f} ms\n", "direct ELF", s.direct_ms.median, s.direct_ms.p10,
             s.direct_ms.p90);
  fmt::print(out, "  {:<20} {:>7.3f} ms {:>7.3f} ms {:>7.3f} ms\n", "uk-slt-run (pool)", s.pool_ms.median,
             s.pool_ms.p10, s.pool_ms.p90);
  fmt::print(out, "  {:<20} {:>9.2f}x   (median of paired ratios {:.2f}x)   target <= {:.2f}x: {}\n\n",
             "ratio pool/direct", s.startup_ratio, s.paired_ratio, kTargetStartupRatio, verdict(s.startup_met));

  fmt::print(out, "2. Minor page faults per start-up run (wait4 ru_minflt of the child), median\n");
  fmt::print(out, "  {:<20} {:>10.0f}\n  {:<20} {:>10.0f}\n  {:<20} {:>9.2f}x   (no target)\n\n", "direct ELF",
             s.minflt_direct, "uk-slt-run (pool)", s.minflt_pool, "ratio pool/direct", s.minflt_pool / s.minflt_direct);

  fmt::print(out, "3. Memory of {} concurrent instances: {}\n", c.instances, mixed_description(c));
  fmt::print(out, "   each held at its exit event under ptrace, /proc/PID/smaps_rollup summed; median of {} repetitions, "
                  "KiB\n",
             c.reps);
  print_scenario(out, s.mixed, r.pool_mixed,
                 fmt::format("target <= {:.2f}x: {}", kTargetMixedRatio, verdict(s.mixed_met)));
  fmt::print(out, "\n");

  fmt::print(out, "4. Per-instance added memory: {} concurrent helloworld each way, median of {} repetitions\n",
             c.instances, c.reps);
  field_header(out);
  field_row(out, "direct ELF", s.same_direct);
  field_row(out, "uk-slt-run (pool)", s.same_pool);
  fmt::print(out, "  {:<34} {:>9.1f} KiB   target <= {:.0f} KiB: {}\n",
             fmt::format("added per instance (pool-direct)/{}", c.instances), s.added_kib, kTargetAddedKiB,
             verdict(s.added_met));
  fmt::print(out, "  {:<34} {:>9.0f} KiB direct, {:.0f} KiB via uk-slt-run\n\n",
             "Private_Clean+Private_Dirty/inst.", s.private_direct, s.private_pool);

  if (s.has_distinct) {
    fmt::print(out, "5. Memory of {} (the FaaS case)\n", distinct_description(c));
    fmt::print(out, "   generated by run-linuxu.sh, each with its own code (its own library, pool object and ELF)\n");
    fmt::print(out, "   each held at its exit event under ptrace, /proc/PID/smaps_rollup summed; median of {} "
                    "repetitions, KiB\n",
               c.reps);
    print_scenario(out, s.distinct, r.pool_distinct, "(no target)");
    fmt::print(out, "\n");
  } else {
    fmt::print(out, "5. Memory of distinct functions: skipped (--functions 0)\n\n");
  }

  int met = s.startup_met + s.mixed_met + s.added_met;
  fmt::print(out, "Targets: {} of 3 met\n", met);
  fmt::print(out, "  start-up time ratio          {:>8.2f}x     <= {:.2f}x    {}\n", s.startup_ratio,
             kTargetStartupRatio, verdict(s.startup_met));
  fmt::print(out, "  mixed memory ratio           {:>8.2f}x     <= {:.2f}x    {}\n", s.mixed.ratio, kTargetMixedRatio,
             verdict(s.mixed_met));
  fmt::print(out, "  added memory per instance    {:>8.1f} KiB  <= {:.0f} KiB    {}\n", s.added_kib, kTargetAddedKiB,
             verdict(s.added_met));
  fmt::print(out, "Extra information (no targets): memory ratios pool/direct, conservative and exact\n");
  fmt::print(out, "  mixed apps                   {:>8.2f}x     exact {:.2f}x\n", s.mixed.ratio, s.mixed.exact_ratio);
  if (s.has_distinct)
    fmt::print(out, "  distinct functions           {:>8.2f}x     exact {:.2f}x\n", s.distinct.ratio,
               s.distinct.exact_ratio);
}

std::string to_json(const LinuxuResults &r, const LinuxuSummary &s) {
  const LinuxuSetup &c = r.setup;
  nlohmann::ordered_json reps = nlohmann::ordered_json::array();
  for (const MemoryRep &m : r.mem) {
    nlohmann::ordered_json one = {{"mixed_pss_direct_kib", m.mixed_direct.sum.pss},
                                  {"mixed_pss_pool_kib", m.mixed_pool.sum.pss},
                                  {"mixed_pool_mapped_kib", m.mixed_pool.pool_mapped_pss},
                                  {"mixed_pool_present_kib", m.mixed_pool.pool_present},
                                  {"same_pss_direct_kib", m.same_direct.sum.pss},
                                  {"same_pss_pool_kib", m.same_pool.sum.pss}};
    if (s.has_distinct) {
      one["distinct_pss_direct_kib"] = m.distinct_direct.sum.pss;
      one["distinct_pss_pool_kib"] = m.distinct_pool.sum.pss;
      one["distinct_pool_mapped_kib"] = m.distinct_pool.pool_mapped_pss;
      one["distinct_pool_present_kib"] = m.distinct_pool.pool_present;
    }
    reps.push_back(one);
  }
  nlohmann::ordered_json mixed = scenario_json(s.mixed, r.pool_mixed);
  mixed["target_max_ratio"] = kTargetMixedRatio;
  mixed["met"] = s.mixed_met;
  mixed["note"] = kDoubleCountNote;
  mixed["exact_note"] = kExactNote;
  nlohmann::ordered_json distinct = nullptr;
  if (s.has_distinct) {
    distinct = scenario_json(s.distinct, r.pool_distinct);
    distinct["functions"] = c.functions;
    distinct["description"] = distinct_description(c);
    distinct["note"] = kDoubleCountNote;
    distinct["exact_note"] = kExactNote;
  }
  nlohmann::ordered_json j = {
      {"tool", "uk-bench-linuxu"},
      {"version", UK_SLT_VERSION},
      {"command", r.command_line},
      {"host", {{"cpus", r.cpus}, {"loadavg_start", r.loadavg_start}, {"loadavg_end", r.loadavg_end}}},
      {"config",
       {{"corpus", c.corpus},
        {"pool", c.pool},
        {"loader", c.loader},
        {"runs", c.runs},
        {"warmup", c.warmup},
        {"mem_reps", c.reps},
        {"instances", c.instances},
        {"mixed", mixed_description(c)},
        {"functions", c.functions}}},
      {"pool_directory",
       {{"files", r.pool.files},
        {"size_bytes", r.pool.size_bytes},
        {"allocated_kib", static_cast<double>(r.pool.allocated_bytes) / 1024.0}}},
      {"startup",
       {{"app", "helloworld"},
        {"direct_ms", spread_json(s.direct_ms)},
        {"pool_ms", spread_json(s.pool_ms)},
        {"ratio_of_medians", s.startup_ratio},
        {"median_paired_ratio", s.paired_ratio},
        {"target_max_ratio", kTargetStartupRatio},
        {"met", s.startup_met},
        {"minflt_median", {{"direct", s.minflt_direct}, {"pool", s.minflt_pool}}}}},
      {"memory_mixed", mixed},
      {"memory_same_app",
       {{"unit", "KiB"},
        {"app", "helloworld"},
        {"direct", fields_json(s.same_direct)},
        {"pool", fields_json(s.same_pool)},
        {"added_per_instance_kib", s.added_kib},
        {"target_max_added_kib", kTargetAddedKiB},
        {"met", s.added_met},
        {"private_per_instance_median_kib", {{"direct", s.private_direct}, {"pool", s.private_pool}}}}},
      {"memory_distinct", distinct},
      {"memory_repetitions", reps},
      {"targets_met", s.all_met()}};
  return j.dump(2) + "\n";
}

} // namespace ukbench
