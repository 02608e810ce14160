#include "options.h"

#include <cstdio>
#include <cstring>

#include "flags.h"

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
             "  -v, --verbose  print every mapping to stderr\n"
             "  -h, --help     show this help\n"
             "  -V, --version  show the version\n"
             "The unikernel's exit status is uk-slt-run's (killed by a signal: the same signal);\n"
             "uk-slt-run's own: 125 usage error, 127 the unikernel could not be loaded.\n",
             stdout);
}

namespace {

enum Id { kPool, kStats, kVerify, kSeed };
constexpr flags::Flag kFlags[] = {
    {"--pool", 0, "a directory", kPool},
    {"--stats", 0, nullptr, kStats},
    {"--verify", 0, nullptr, kVerify},
    {"--seed", 0, "a number", kSeed},
};

Status parse_seed(const char *v, uint64_t *out) {
  uint64_t n = 0;
  bool ok = *v != '\0';
  for (const char *c = v; *c && ok; c++) {
    ok = *c >= '0' && *c <= '9' && n <= (UINT64_MAX - static_cast<uint64_t>(*c - '0')) / 10;
    n = n * 10 + static_cast<uint64_t>(*c - '0');
  }
  if (!ok) return Error::fmt("--seed needs a decimal number below 2^64, got '%.32s'", v);
  *out = n;
  return {};
}

} // namespace

Status parse_loader_options(int argc, char **argv, LoaderOptions *o) {
  flags::Common c;
  auto first = flags::parse(kFlags, argc, argv, &c, [o](int id, const char *v) -> Status {
    switch (id) {
    case kPool:
      if (v[0] == '\0') return Error::fmt("--pool needs a directory, got an empty string");
      o->pool = v;
      break;
    case kStats: o->stats = true; break;
    case kVerify: o->verify = true; break;
    case kSeed:
      o->have_seed = true;
      return parse_seed(v, &o->seed);
    }
    return {};
  });
  if (!first) return first.error();
  o->help = c.help, o->version = c.version, o->verbose = c.verbose;
  if (o->help || o->version) return {};
  int i = *first;
  if (i >= argc) return Error::fmt("no description file given (usage: uk-slt-run [options] APP.desc [ARGS...])");
  o->desc = argv[i];
  o->app_argc = argc - i;
  o->app_argv = argv + i;
  return {};
}

} // namespace uk
