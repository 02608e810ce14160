// Command line of uk-slt-run. Hand-parsed (no CLI11 here): the loader is a
// lean musl static-pie without libstdc++, so its start-up stays close to the
// direct ELF's. Options stop at the desc; what follows goes to the app.
#pragma once

#include <cstdint>

#include "error.h"

namespace uk {

struct LoaderOptions {
  const char *pool = nullptr; // --pool DIR (else $UK_SLT_POOL, else /dev/shm/uk-pool)
  const char *desc = nullptr; // app.desc
  bool stats = false;
  bool verify = false;    // --verify: pool objects against their names, the image against the desc (sha256)
  bool have_seed = false; // --seed N: layout aslr from a deterministic PRNG
  uint64_t seed = 0;
  bool verbose = false;
  bool help = false;
  bool version = false;
  int app_argc = 0;       // argv for the app: desc path, then its arguments
  char **app_argv = nullptr;
};

Status parse_loader_options(int argc, char **argv, LoaderOptions *out);
void print_loader_usage();

} // namespace uk
