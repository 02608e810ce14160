#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace uk {

Progress::Progress(const char *what, size_t total, bool quiet)
    : what_(what), total_(total), on_(!quiet && isatty(STDERR_FILENO) == 1) {}

void Progress::step(const std::string &item) {
  done_++;
  if (!on_) return;
  std::fflush(stdout); // lines already printed come before the progress line
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %.60s", done_, total_, what_, item.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

} // namespace uk
