// Runs an external tool (the system linker) and captures what it prints.
#pragma once

#include <string>
#include <vector>

#include "error.h"

namespace uk {

struct CommandResult {
  int status = 0;     // exit status, or 128+signal
  std::string output; // stdout and stderr, interleaved
};

Result<CommandResult> run_command(const std::vector<std::string> &argv);

} // namespace uk
