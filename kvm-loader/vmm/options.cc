#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "flags.h"

namespace uk::kvm {

void print_usage() {
  std::fputs("usage: uk-kvm-run [options] APP.desc|APP.elf [ARGS...]\n"
             "Boot a unikernel packed for KVM (uk-slt pack --platform kvm) in a KVM virtual machine:\n"
             "APP.desc maps pool objects as read-only memslots (Spacer-SLT), APP.elf copies the\n"
             "ELF's segments into guest RAM (Default).\n\n"
             "options:\n"
             "  --pool DIR      pool directory (default $UK_SLT_POOL, else /dev/shm/uk-pool)\n"
             "  --mem MIB       guest RAM for heap and stack (default 64, at most 1024)\n"
             "  --ksm           mark guest RAM MADV_MERGEABLE (KSM baselines)\n"
             "  --stats         print set-up and run times, exits by kind, pages shared vs private\n"
             "  --share DIR     the guest's file system calls reach files beneath DIR (its \"/\")\n"
             "  --config-file F Firecracker-style JSON: boot-source.kernel_image_path (desc or ELF),\n"
             "                  boot_args (the app's arguments), machine-config.mem_size_mib\n"
             "  -v, --verbose   print every guest region to stderr\n"
             "  --no-api        accepted for compatibility with Firecracker's command line\n"
             "  -h, --help      show this help\n"
             "  -V, --version   show the version\n"
             "The unikernel's exit status is uk-kvm-run's; a guest fault exits 128 + the signal Linux\n"
             "would have sent (e.g. 139 for a page fault); uk-kvm-run's own: 125 usage error, 127 the\n"
             "VM could not be set up or run.\n",
             stdout);
}

namespace {

enum Id { kPool, kShare, kConfigFile, kMem, kStats, kKsm, kNoApi };
constexpr flags::Flag kFlags[] = {
    {"--pool", 0, "a directory", kPool},          {"--share", 0, "a directory", kShare},
    {"--config-file", 0, "a file", kConfigFile},  {"--mem", 0, "a size in MiB", kMem},
    {"--stats", 0, nullptr, kStats},              {"--ksm", 0, nullptr, kKsm},
    {"--no-api", 0, nullptr, kNoApi},
};

} // namespace

Status parse_options(int argc, char **argv, Options *o) {
  flags::Common c;
  auto first = flags::parse(kFlags, argc, argv, &c, [o](int id, const char *v) -> Status {
    static const char *const kNames[] = {"--pool", "--share", "--config-file", "--mem"};
    if (v && !*v) return Error::fmt("%s needs a value", kNames[id]);
    switch (id) {
    case kPool: o->pool = v; break;
    case kShare: o->share = v; break;
    case kConfigFile: o->config_file = v; break;
    case kMem: {
      char *end;
      errno = 0;
      unsigned long long m = std::strtoull(v, &end, 10);
      if (errno || *end || m == 0 || m > kMaxMemMib)
        return Error::fmt("--mem '%s': expected MiB from 1 to %lu", v, static_cast<unsigned long>(kMaxMemMib));
      o->mem_mib = m;
      o->mem_given = true;
      break;
    }
    case kStats: o->stats = true; break;
    case kKsm: o->ksm = true; break;
    case kNoApi: break; // Firecracker's; there is no API socket here
    }
    return {};
  });
  if (!first) return first.error();
  o->help = c.help, o->version = c.version, o->verbose = c.verbose;
  if (o->help || o->version) return {};
  int i = *first;
  if (i >= argc && !o->config_file)
    return Error::fmt("no unikernel given (usage: uk-kvm-run [options] APP.desc|APP.elf [ARGS...])");
  if (i < argc) {
    o->app = argv[i];
    o->app_argc = argc - i;
    o->app_argv = argv + i;
  }
  return {};
}

} // namespace uk::kvm
