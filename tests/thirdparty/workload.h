// Helpers for the third-party workload tests: which apps were built (an app
// whose Debian sources were not fetched is skipped, never silently missing),
// how to run an app in each mode, and a run in a scratch directory whose
// outputs can be compared across modes.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "process_util.h"

namespace uk::test::tp {

// Every way the project runs a unikernel in Linux userspace.
enum class Mode { Direct, Loader, Dynamic };
inline constexpr Mode kModes[] = {Mode::Direct, Mode::Loader, Mode::Dynamic};
const char *mode_name(Mode m);

// argv for running APP in MODE, before the app's own arguments.
std::vector<std::string> command(Mode m, const std::string &app);

// True if APP was built. If not, *skip_reason names the Debian source packages
// it needs that were not fetched and what to run; if they were fetched and APP
// is still missing, the reason is empty and a gtest failure is recorded.
bool built(const std::string &app, std::string *skip_reason);

// One run in a fresh scratch directory. "{dir}" in an argument or in the
// standard input stands for that directory; INPUTS are written into it first.
// Afterwards out/err have the directory replaced by "{dir}" and the program
// path (argv[0]) by "{argv0}", and FILES holds every file in the directory.
struct Outcome {
  int status = -1;
  std::string out, err;
  std::map<std::string, std::string> files;
};
Outcome run_in_dir(Mode m, const std::string &app, const std::vector<std::string> &args,
                   const std::string &stdin_data = "", const std::map<std::string, std::string> &inputs = {});

// speedtest1 prints elapsed times ("   0.012s", "  46.000s"): each one, with
// the spaces before it (their number depends on the time), becomes " #.###s";
// everything else (test numbers, names, dots, the hash) is kept.
std::string strip_times(const std::string &s);

// Deterministic bytes: text-like runs mixed with binary noise.
std::string sample_bytes(size_t n, unsigned seed);

// A host program for the reference tests, found by tests.cmake: "sqlite3",
// "lua5.4" or "speedtest1" (SQLite's speedtest1.c built against the host's
// libsqlite3). "" with a gtest failure naming the package if it is missing.
std::string host_tool(const std::string &name);

} // namespace uk::test::tp

// Skips the test (with the reason) if APP's sources were not fetched.
#define UK_TP_REQUIRE(app)                                                                                   \
  do {                                                                                                       \
    std::string uk_tp_reason_;                                                                               \
    if (!::uk::test::tp::built(app, &uk_tp_reason_)) {                                                       \
      if (uk_tp_reason_.empty()) return;                                                                     \
      GTEST_SKIP() << uk_tp_reason_;                                                                         \
    }                                                                                                        \
  } while (0)
