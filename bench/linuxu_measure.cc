#include "linuxu_measure.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "bench_util.h"

namespace ukbench {
namespace {

enum class Side { Direct, Pool };

std::string app_file(const LinuxuSetup &s, const std::string &app, const char *ext) {
  return s.corpus + "/" + app + "/" + app + ext;
}

// What every function gets as its arguments (a and b of its f(a, b)).
const char *const kFunctionArgs[] = {"17", "5"};

bool is_function(const std::string &app) {
  return app.size() > 2 && app.starts_with("fn") && app.find_first_not_of("0123456789", 2) == std::string::npos;
}

// The app's own arguments; `instance` keeps mandelbrot's output files apart.
std::vector<std::string> app_args(const LinuxuSetup &s, const std::string &app, int instance) {
  if (is_function(app)) return {std::begin(kFunctionArgs), std::end(kFunctionArgs)};
  if (app == "mandelbrot")
    return {std::to_string(s.mandel_w), std::to_string(s.mandel_h), std::to_string(s.mandel_iters),
            fmt::format("{}/uk-bench-{}-mandel-{}.ppm", s.tmp_dir, getpid(), instance)};
  if (app == "exitcode") return {"0"};
  return {}; // helloworld prints its greeting, cat copies /dev/null
}

Command command(const LinuxuSetup &s, Side side, const std::string &app, int instance = 0) {
  Command c;
  if (side == Side::Direct) c.args = {app_file(s, app, ".elf")};
  else c.args = {s.loader, "--pool", s.pool, app_file(s, app, ".desc")};
  for (std::string &a : app_args(s, app, instance)) c.args.push_back(std::move(a));
  return c;
}

void require(bool ok, const std::string &what) {
  if (!ok) throw BenchError(what);
}

bool is_file(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Removes mandelbrot's images however the group ends.
struct ImageCleanup {
  const LinuxuSetup &s;
  ~ImageCleanup() {
    for (int i = 0; i < s.instances; i++) std::remove(app_args(s, "mandelbrot", i).back().c_str());
  }
};

// Starts `apps` round-robin until `count` are held, reads their memory,
// lets them go.
GroupMemory measure_group(const LinuxuSetup &s, const ChildStdio &stdio, Side side,
                          const std::vector<std::string> &apps, int count) {
  GroupMemory g;
  ImageCleanup cleanup{s};
  HeldGroup held;
  const std::string pool_dir = canonical_dir(s.pool);
  for (int i = 0; i < count; i++)
    held.start_and_hold(command(s, side, apps[static_cast<size_t>(i) % apps.size()], i), stdio);
  std::set<FilePage> present;
  for (pid_t pid : held.pids()) {
    MemUsage m = read_smaps_rollup(pid);
    g.sum += m;
    g.private_each.push_back(m.private_total());
    if (side == Side::Pool) {
      MappedUnder p = read_smaps_mapped_under(pid, pool_dir);
      g.pool_mapped_pss += p.pss;
      g.pool_mappings += p.mappings.size();
      add_present_pages(pid, p.mappings, present);
    }
  }
  held.release_all();
  g.pool_present = present.size() * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
  return g;
}

} // namespace

std::string function_name(int i) { return fmt::format("fn{:02d}", i); }

std::vector<std::string> function_names(const LinuxuSetup &s) {
  std::vector<std::string> v;
  for (int i = 1; i <= s.functions; i++) v.push_back(function_name(i));
  return v;
}

void check_setup(const LinuxuSetup &s) {
  require(is_dir(s.corpus), s.corpus + ": corpus directory not found");
  require(s.functions >= 0 && s.functions <= 999, "--functions must be between 0 and 999");
  std::vector<std::string> apps(std::begin(kApps), std::end(kApps));
  for (const std::string &fn : function_names(s)) apps.push_back(fn);
  for (const std::string &app : apps) {
    const char *hint = is_function(app) ? " (run-linuxu.sh generates the functions; --functions 0 skips them)" : "";
    std::string elf = app_file(s, app, ".elf"), desc = app_file(s, app, ".desc");
    require(is_file(elf) && access(elf.c_str(), X_OK) == 0, elf + ": missing or not executable" + hint);
    require(is_file(desc) && access(desc.c_str(), R_OK) == 0, desc + ": missing or unreadable" + hint);
  }
  require(is_file(s.loader) && access(s.loader.c_str(), X_OK) == 0, s.loader + ": loader missing or not executable");
  require(is_dir(s.pool), s.pool + ": pool directory not found");
  require(on_tmpfs(s.pool),
          s.pool + ": pool is not on tmpfs; the memory comparison counts its tmpfs bytes (pack it under /dev/shm)");
  require(is_dir(s.tmp_dir) && access(s.tmp_dir.c_str(), W_OK) == 0, s.tmp_dir + ": not a writable directory");
  require(s.runs >= 1 && s.reps >= 1 && s.warmup >= 0, "--runs and --mem-reps must be >= 1, --warmup >= 0");
  require(s.instances >= 4 && s.instances % 4 == 0 && s.instances <= 1000,
          "--instances must be a multiple of 4 between 4 and 1000 (the mixed group runs 4 apps equally)");
}

std::string mixed_description(const LinuxuSetup &s) {
  int each = s.instances / 4;
  return fmt::format("{} each of helloworld, mandelbrot {}x{}x{} (to {}), cat </dev/null, exitcode 0", each,
                     s.mandel_w, s.mandel_h, s.mandel_iters, s.tmp_dir);
}

std::string distinct_description(const LinuxuSetup &s) {
  if (s.functions == 0) return "none (--functions 0)";
  return fmt::format("{} distinct functions {}..{} at once, one instance each, args {} {}", s.functions,
                     function_name(1), function_name(s.functions), kFunctionArgs[0], kFunctionArgs[1]);
}

DirUsage scenario_pool_usage(const LinuxuSetup &s, const std::vector<std::string> &apps) {
  std::set<std::string> own, others;
  for (const std::string &app : apps) own.merge(desc_pool_objects(app_file(s, app, ".desc")));
  std::vector<std::string> all(std::begin(kApps), std::end(kApps));
  for (const std::string &fn : function_names(s)) all.push_back(fn);
  for (const std::string &app : all)
    if (std::find(apps.begin(), apps.end(), app) == apps.end())
      for (const std::string &o : desc_pool_objects(app_file(s, app, ".desc")))
        if (own.count(o) == 0) others.insert(o);
  return dir_usage(s.pool, others);
}

StartupSamples measure_startup(const LinuxuSetup &s, const ChildStdio &stdio) {
  const Command direct = command(s, Side::Direct, "helloworld");
  const Command pool = command(s, Side::Pool, "helloworld");
  for (int i = 0; i < s.warmup; i++) {
    run_timed(direct, stdio);
    run_timed(pool, stdio);
  }
  StartupSamples r;
  auto one = [&](Side side) {
    TimedRun t = run_timed(side == Side::Direct ? direct : pool, stdio);
    (side == Side::Direct ? r.direct_ms : r.pool_ms).push_back(t.wall_ms);
    (side == Side::Direct ? r.direct_minflt : r.pool_minflt).push_back(t.minflt);
  };
  for (int i = 0; i < s.runs; i++) { // ABBA: neither side always runs second
    bool direct_first = i % 2 == 0;
    one(direct_first ? Side::Direct : Side::Pool);
    one(direct_first ? Side::Pool : Side::Direct);
  }
  return r;
}

MemoryRep measure_memory_once(const LinuxuSetup &s, const ChildStdio &stdio, int rep) {
  const std::vector<std::string> mixed(std::begin(kApps), std::end(kApps));
  const std::vector<std::string> same = {"helloworld"};
  const std::vector<std::string> distinct = function_names(s);
  MemoryRep r;
  bool direct_first = rep % 2 == 0;
  for (Side side : {direct_first ? Side::Direct : Side::Pool, direct_first ? Side::Pool : Side::Direct}) {
    (side == Side::Direct ? r.mixed_direct : r.mixed_pool) = measure_group(s, stdio, side, mixed, s.instances);
    (side == Side::Direct ? r.same_direct : r.same_pool) = measure_group(s, stdio, side, same, s.instances);
    if (!distinct.empty())
      (side == Side::Direct ? r.distinct_direct : r.distinct_pool) =
          measure_group(s, stdio, side, distinct, s.functions);
  }
  return r;
}

} // namespace ukbench
