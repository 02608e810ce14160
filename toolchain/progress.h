// A progress line on stderr for long work (pack of many apps, gc, verify,
// fsck): "\r[3/17] fsck 5f2c...", rewritten in place and erased at the end.
// Only when stderr is a terminal: a pipe or a file gets nothing, so logs and
// the tests' captured output stay exactly what the command reports.
#pragma once

#include <cstddef>
#include <string>

namespace uk {

class Progress {
public:
  // `what` names the work ("pack", "gc"); `total` steps. Disabled when
  // stderr is not a terminal or `quiet` (e.g. -v prints lines instead).
  Progress(const char *what, size_t total, bool quiet = false);
  ~Progress() { clear(); }
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  void step(const std::string &item); // the next step begins
  void clear();                       // erase the line (before printing something else)

private:
  const char *what_;
  size_t total_, done_ = 0;
  bool on_, shown_ = false;
};

} // namespace uk
