// uk-kvm-run's command line.
#pragma once

#include <cstdint>

#include "error.h"

namespace uk::kvm {

struct Options {
  const char *pool = nullptr;
  const char *share = nullptr;       // --share DIR
  const char *config_file = nullptr; // --config-file (Firecracker's JSON)
  uint64_t mem_mib = 64;
  bool mem_given = false;
  bool stats = false, ksm = false, verbose = false, help = false, version = false;
  const char *app = nullptr; // APP.desc or APP.elf
  int app_argc = 0;
  char **app_argv = nullptr; // argv[0] is the app path
};

inline constexpr uint64_t kMaxMemMib = 1024; // page tables and kvmplat's page bitmap are sized for it

Status parse_options(int argc, char **argv, Options *o);
void print_usage();

} // namespace uk::kvm
