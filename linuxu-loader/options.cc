#include "options.h"

#include <cstdio>
#include <cstring>

namespace uk {

void print_loader_usage() {
  std::fputs("usage: uk-slt-run [options] APP.desc [ARGS...]\n"
             "Start a Spacer-SLT unikernel from the shared library pool in Linux userspace.\n\n"
             "options:\n"
             "  --pool DIR   pool directory (default $UK_SLT_POOL, else /dev/shm/uk-pool)\n"
             "  --stats      print load time, pages mapped and page faults to stderr\n"
             "               (layout aslr: also the chosen bases, relocations and slots written)\n"
             "  --verify     check every pool object's content against its name and the private\n"
             "               image's against the desc (SHA-256) before mapping\n"
             "  --seed N     layout aslr: bases from a PRNG seeded with N (reproducible),\n"
             "               instead of getrandom\n"
             "  -v           print every mapping to stderr\n"
             "  --help       show this help\n"
             "  --version    show the version\n"
             "The unikernel's exit status is uk-slt-run's; a load error exits 127.\n",
             stdout);
}

Status parse_loader_options(int argc, char **argv, LoaderOptions *o) {
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0') break;
    if (std::strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) o->help = true;
    else if (std::strcmp(a, "--version") == 0) o->version = true;
    else if (std::strcmp(a, "--stats") == 0) o->stats = true;
    else if (std::strcmp(a, "-v") == 0 || std::strcmp(a, "--verbose") == 0) o->verbose = true;
    else if (std::strcmp(a, "--verify") == 0) o->verify = true;
    else if (std::strcmp(a, "--pool") == 0 || std::strncmp(a, "--pool=", 7) == 0) {
      if (a[6] == '\0' && i + 1 >= argc) return Error::fmt("--pool needs a directory");
      o->pool = a[6] == '=' ? a + 7 : argv[++i];
      if (o->pool[0] == '\0') return Error::fmt("--pool needs a directory, got an empty string");
    } else if (std::strcmp(a, "--seed") == 0 || std::strncmp(a, "--seed=", 7) == 0) {
      if (a[6] == '\0' && i + 1 >= argc) return Error::fmt("--seed needs a number");
      const char *v = a[6] == '=' ? a + 7 : argv[++i];
      uint64_t n = 0;
      bool ok = *v != '\0';
      for (const char *c = v; *c && ok; c++) {
        ok = *c >= '0' && *c <= '9' && n <= (UINT64_MAX - static_cast<uint64_t>(*c - '0')) / 10;
        n = n * 10 + static_cast<uint64_t>(*c - '0');
      }
      if (!ok) return Error::fmt("--seed needs a decimal number below 2^64, got '%.32s'", v);
      o->seed = n;
      o->have_seed = true;
    }
    else return Error::fmt("unknown option '%s' (see --help)", a);
  }
  if (o->help || o->version) return {};
  if (i >= argc) return Error::fmt("no description file given (usage: uk-slt-run [options] APP.desc [ARGS...])");
  o->desc = argv[i];
  o->app_argc = argc - i;
  o->app_argv = argv + i;
  return {};
}

} // namespace uk
