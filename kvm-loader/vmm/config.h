// --config-file: the seeds' Firecracker configuration (parsed by
// kvm-loader/host/config_file) turned into uk-kvm-run's options.
#pragma once

#include <string>
#include <vector>

#include "error.h"
#include "options.h"

namespace uk::kvm {

struct ConfigArgs { // owns what Options then points to
  std::vector<std::string> args;
  std::vector<char *> argv;
};

// Sets o->app / app_argc / app_argv (kernel_image_path and boot_args) unless
// the command line named the app, and o->mem_mib unless --mem was given.
// Prints the parser's warnings (ignored fields) to stderr.
Status apply_config_file(Options *o, ConfigArgs *storage);

} // namespace uk::kvm
