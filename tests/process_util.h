// Helpers for end-to-end tests: run a command and capture its output, or
// hold it stopped at its exit (ptrace exit event) so its mappings can be
// inspected deterministically, with no sleeps or timing.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <string>
#include <vector>

namespace uk::test {

struct RunResult {
  int status = -1; // exit status, or 128 + signal
  std::string out, err;
};

RunResult run(const std::vector<std::string> &argv, const std::string &stdin_data = "");

// A child stopped at its exit event, address space intact.
class HeldProcess {
public:
  explicit HeldProcess(const std::vector<std::string> &argv);
  ~HeldProcess();
  HeldProcess(const HeldProcess &) = delete;
  pid_t pid() const { return pid_; }
  bool held() const { return held_; }
  // Lets it finish; returns its exit status.
  int release();

private:
  pid_t pid_ = -1;
  bool held_ = false;
  bool done_ = false;
  int status_ = -1;
};

// One line of /proc/PID/maps.
struct Mapping {
  uint64_t start = 0, end = 0;
  uint64_t offset = 0; // file offset of start
  std::string perms, dev, path;
  unsigned long inode = 0;
};
std::vector<Mapping> maps_of(pid_t pid);

std::string read_text(const std::string &path);
void write_text(const std::string &path, const std::string &text);
std::string make_temp_dir();

} // namespace uk::test
