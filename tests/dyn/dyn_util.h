// Helpers for the uk-dyn-run tests: where the dynamic corpus is, running
// the loader with a clean binding environment, and the process maps.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {

inline const std::string kDynRun = kBin + "/uk-dyn-run";
inline const std::string kDynLib = UK_DYNLIB_DIR;      // the loader's default library directory
inline const std::string kDynTestDir = UK_DYN_TEST_DIR; // test-only apps (dyntest.so, ...)

inline std::string so_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".so"; }
inline std::string test_app(const std::string &name) { return kDynTestDir + "/" + name + ".so"; }

// Runs uk-dyn-run with LD_BIND_NOW and UK_DYN_LIBRARY_PATH removed from the
// environment (plus `env` entries "NAME=value"), then `args`.
RunResult dyn_run(const std::vector<std::string> &args, const std::string &stdin_data = "",
                  const std::vector<std::string> &env = {});

// dyn_run, also measuring the peak resident set of the loader's process
// (wait4's ru_maxrss, KiB): stdout and stderr go through files in `scratch`.
RunResult dyn_run_rss(const std::vector<std::string> &args, const std::string &scratch, long *max_rss_kib);

// dyn_run with a safety net for tests of inputs that once made the loader
// block: killed (status 128 + SIGKILL) if still running after 30 s.
RunResult dyn_run_bounded(const std::vector<std::string> &args);

// A load error: exit status 127, nothing on stdout, exactly one line on
// stderr starting with "uk-dyn-run: ". Returns that line.
std::string expect_load_error(const RunResult &r);

// A usage error: exit status 125, otherwise as expect_load_error.
std::string expect_usage_error(const RunResult &r);

// smaps field (kB) of the mapping starting at `start`.
long smaps_field(pid_t pid, uint64_t start, const std::string &field);

std::vector<std::string> split(const std::string &s, char sep);

} // namespace uk::test
