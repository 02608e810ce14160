// uk-slt-run: starts a Spacer-SLT unikernel from the library pool in Linux
// userspace. Stages:
//   1. options    parse the command line
//   2. desc       read and validate the description file
//   3. map        pool objects shared read-only, private image, bss
//   4. stack      argc/argv/envp/auxv as the kernel would build them
//   5. enter      release the loader's data and bss, jump to the entry;
//                 the unikernel's exit status is ours
//
// Built against musl as a static PIE without libstdc++: a glibc static
// binary alone costs about twice the start-up of the direct ELF.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "desc.h"
#include "initial_stack.h"
#include "mapper.h"
#include "options.h"
#include "pool.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace uk;

constexpr int kLoadError = 127;

// constinit: zero pages in bss, no start-up constructor writing 30 KiB.
constinit char g_desc_text[kDescMaxBytes + 1] = {};
constinit Desc g_desc{};

[[noreturn]] void die(const Error &e) {
  std::fprintf(stderr, "uk-slt-run: %s\n", e.what());
  std::fflush(stderr);
  _exit(kLoadError);
}

Status read_desc(const char *path, Desc *d) {
  int fd = open(path, O_RDONLY | O_NONBLOCK); // closed below
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error::fmt("%s: not a regular file", path);
  }
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, g_desc_text + len, sizeof g_desc_text - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return Error::fmt("%s: read failed: %s", path, std::strerror(e));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
    if (len == sizeof g_desc_text) break;
  }
  close(fd);
  return parse_desc(g_desc_text, len, path, d);
}

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace

int main(int argc, char **argv, char **envp) {
  LoaderOptions opt;
  if (Status s = parse_loader_options(argc, argv, &opt); !s) die(s.error());         // 1. options
  uint64_t t0 = opt.stats ? now_ns() : 0; // the first clock_gettime costs vDSO page faults
  if (opt.help) {
    print_loader_usage();
    return 0;
  }
  if (opt.version) {
    std::printf("uk-slt-run " UK_SLT_VERSION "\n");
    return 0;
  }
  if (Status s = read_desc(opt.desc, &g_desc); !s) die(s.error());                  // 2. desc
  if (std::strcmp(g_desc.platform, "linuxu") != 0)
    die(Error::fmt("%s: platform '%s' cannot run in Linux userspace (use uk-kvm-run)", opt.desc, g_desc.platform));
  const char *pool = resolve_pool_dir(opt.pool);
  MapStats ms;
  if (Status s = map_unikernel(g_desc, opt.desc, pool, opt.verbose, &ms, opt.verify); !s) die(s.error()); // 3. map
  auto stack = build_initial_stack(EntryInfo{g_desc.phdr, g_desc.phnum, g_desc.entry, 0}, opt.app_argc, opt.app_argv,
                                   envp);                                           // 4. stack
  if (!stack) die(stack.error());
  if (opt.stats) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::fprintf(stderr,
                 "uk-slt-run: stats: load %.1f us, maps %lu, pages shared %lu private %lu, page faults minor %ld "
                 "major %ld\n",
                 static_cast<double>(now_ns() - t0) / 1000.0, static_cast<unsigned long>(ms.maps),
                 static_cast<unsigned long>(ms.shared_pages), static_cast<unsigned long>(ms.private_pages),
                 ru.ru_minflt, ru.ru_majflt);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  LoaderRange own = loader_writable_range(); // released in uk_enter
  uk_enter(stack->words, stack->count, g_desc.entry, stack->fixups, own.start, own.len); // 5. enter
}
