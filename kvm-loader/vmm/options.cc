#include "options.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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
             "  -v              print every guest region to stderr\n"
             "  --no-api        accepted for compatibility with Firecracker's command line\n"
             "  --help, --version\n"
             "The unikernel's exit status is uk-kvm-run's; a VMM error exits 127, a guest fault\n"
             "128 + the signal Linux would have sent (e.g. 139 for a page fault).\n",
             stdout);
}

Status parse_options(int argc, char **argv, Options *o) {
  int i = 1;
  auto value = [&](const char *name) -> const char * {
    size_t n = std::strlen(name);
    const char *a = argv[i];
    if (std::strncmp(a, name, n) == 0 && a[n] == '=') return a + n + 1;
    if (std::strcmp(a, name) == 0 && i + 1 < argc) return argv[++i];
    return nullptr;
  };
  auto is = [&](const char *name) {
    size_t n = std::strlen(name);
    return std::strncmp(argv[i], name, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '=');
  };
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
    else if (std::strcmp(a, "--ksm") == 0) o->ksm = true;
    else if (std::strcmp(a, "--no-api") == 0) {
    } else if (std::strcmp(a, "-v") == 0 || std::strcmp(a, "--verbose") == 0) o->verbose = true;
    else if (is("--pool") || is("--share") || is("--config-file") || is("--mem")) {
      const char *name = std::strncmp(a, "--pool", 6) == 0    ? "--pool"
                         : std::strncmp(a, "--share", 7) == 0 ? "--share"
                         : std::strncmp(a, "--mem", 5) == 0   ? "--mem"
                                                              : "--config-file";
      const char *v = value(name);
      if (!v || !*v) return Error::fmt("%s needs a value", name);
      if (name[2] == 'p') o->pool = v;
      else if (name[2] == 's') o->share = v;
      else if (name[2] == 'c') o->config_file = v;
      else {
        char *end;
        errno = 0;
        unsigned long long m = std::strtoull(v, &end, 10);
        if (errno || *end || m == 0 || m > kMaxMemMib)
          return Error::fmt("--mem '%s': expected MiB from 1 to %lu", v, static_cast<unsigned long>(kMaxMemMib));
        o->mem_mib = m;
        o->mem_given = true;
      }
    } else return Error::fmt("unknown option '%s' (see --help)", a);
  }
  if (o->help || o->version) return {};
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
