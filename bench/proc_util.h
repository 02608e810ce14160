// Process helpers for the benchmarks: timed fork + execve + wait4, and a
// group of ptrace'd children held at their exit event (address space still
// mapped) so their memory can be read from /proc while all are alive.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ukbench {

// Any failure of the benchmark: main prints what() on one line and exits 1.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A program and its arguments; args[0] is the path executed.
struct Command {
  std::vector<std::string> args;
  std::string str() const; // shell-quoted, for messages and the report
};

// Descriptors the children get as stdin and stdout (stderr is inherited).
class ChildStdio {
 public:
  ChildStdio(); // both /dev/null
  ~ChildStdio();
  ChildStdio(const ChildStdio &) = delete;
  ChildStdio &operator=(const ChildStdio &) = delete;
  int in() const { return in_; }
  int out() const { return out_; }

 private:
  int in_ = -1, out_ = -1;
};

struct TimedRun {
  double wall_ms = 0; // fork .. wait4 returned, CLOCK_MONOTONIC
  long minflt = 0;    // the child's ru_minflt from wait4
};

// Runs cmd to completion; throws unless it exits with `expected_status`
// (0, or e.g. QEMU's isa-debug-exit code for a guest that exited with 0).
TimedRun run_timed(const Command &cmd, const ChildStdio &stdio, int expected_status = 0);

// smaps_rollup fields, KiB.
struct MemUsage {
  uint64_t rss = 0, pss = 0, shared_clean = 0, shared_dirty = 0, private_clean = 0, private_dirty = 0;
  uint64_t private_total() const { return private_clean + private_dirty; }
  MemUsage &operator+=(const MemUsage &o);
};

MemUsage read_smaps_rollup(pid_t pid);

// A mapping of a file: [start, end) from byte `offset` of `path`.
struct FileMapping {
  uint64_t start = 0, end = 0, offset = 0;
  std::string path;
};

// Mappings of files under a directory, from /proc/PID/smaps (one line per
// mapping, so each mapping's Pss is truncated to whole KiB by the kernel).
struct MappedUnder {
  uint64_t pss = 0; // KiB, summed over the mappings
  std::vector<FileMapping> mappings;
};
// dir must be canonical (realpath); a mapping counts if its path starts with dir + "/".
MappedUnder read_smaps_mapped_under(pid_t pid, const std::string &dir);

// A page of a file: path and page index.
using FilePage = std::pair<std::string, uint64_t>;
// Adds the pages of `maps` that are present in pid's page tables
// (/proc/PID/pagemap) to `pages`.
void add_present_pages(pid_t pid, const std::vector<FileMapping> &maps, std::set<FilePage> &pages);

// Children started under ptrace and held stopped at PTRACE_EVENT_EXIT.
// The destructor kills and reaps whatever is still held (error paths).
class HeldGroup {
 public:
  HeldGroup() = default;
  ~HeldGroup();
  HeldGroup(const HeldGroup &) = delete;
  HeldGroup &operator=(const HeldGroup &) = delete;

  // Starts cmd and runs it until its exit event; throws unless it is exiting
  // with status 0. The process stays stopped until release_all().
  void start_and_hold(const Command &cmd, const ChildStdio &stdio);
  const std::vector<pid_t> &pids() const { return pids_; }
  // Lets every held process finish and reaps it.
  void release_all();

 private:
  std::vector<pid_t> pids_;
};

// Regular files directly in dir: count and bytes allocated (st_blocks).
struct DirUsage {
  size_t files = 0;
  uint64_t allocated_bytes = 0;
  uint64_t size_bytes = 0;
};
// Files named in `exclude` are skipped.
DirUsage dir_usage(const std::string &dir, const std::set<std::string> &exclude = {});
bool on_tmpfs(const std::string &path);

} // namespace ukbench
