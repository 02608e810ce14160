// uk-slt-run: starts a Spacer-SLT unikernel from the library pool in Linux
// userspace. Stages:
//   1. options    parse the command line
//   2. desc       read and validate the description file
//   3. map        pool objects shared read-only, private image, bss; with
//                 layout aslr a random base per block and the relocations
//   4. phdrs      the program headers musl's start-up reads (AT_PHDR)
//   5. stack      argc/argv/envp/auxv as the kernel would build them
//   6. enter      release the loader's data and bss, jump to the entry;
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
#include "flags.h"
#include "initial_stack.h"
#include "mapper.h"
#include "layout.h"
#include "options.h"
#include "phdrs.h"
#include "pool.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace uk;

using flags::kLoadError;

// constinit: zero pages in bss, no start-up constructor writing 30 KiB.
constinit char g_desc_text[kDescMaxBytes + 1] = {};
constinit Desc g_desc{};

[[noreturn]] void die(const Error &e, int status = kLoadError) {
  std::fprintf(stderr, "uk-slt-run: %s\n", e.what());
  std::fflush(stderr);
  _exit(status);
}

Status read_desc(const char *path, Desc *d) {
  int fd = open(path, O_RDONLY | O_NONBLOCK); // closed below
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error::fmt("%s: not a regular file", path);
  }
  if (static_cast<uint64_t>(st.st_size) > kDescMaxBytes) { // an ELF says so, anything else gets its real size
    ssize_t n = read(fd, g_desc_text, 4);
    close(fd);
    Status s = check_desc_file(g_desc_text, n > 0 ? static_cast<size_t>(n) : 0, static_cast<uint64_t>(st.st_size), path);
    return s ? Error::fmt("%s: changed while being read", path) : s;
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

void print_aslr_stats(const Desc &d, const MapStats &ms) {
  uint64_t pages = (ms.place.range.hi - ms.place.range.lo) / kPageSize;
  int bits = pages ? 63 - __builtin_clzll(pages) : 0;
  std::fprintf(stderr, "uk-slt-run: aslr: range 0x%lx-0x%lx (%d bits), collisions %u, relocations %lu, slots %lu\n",
               static_cast<unsigned long>(ms.place.range.lo), static_cast<unsigned long>(ms.place.range.hi), bits,
               ms.place.collisions, static_cast<unsigned long>(ms.relocs), static_cast<unsigned long>(ms.slots));
  std::fprintf(stderr, "uk-slt-run: aslr: bases (/bits of entropy)");
  for (uint32_t i = 0; i < d.nblocks; i++)
    std::fprintf(stderr, " %s=0x%lx/%u", d.blocks[i].name, static_cast<unsigned long>(d.blocks[i].base),
                 ms.place.bits[i]);
  std::fprintf(stderr, "\n");
}

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace

int main(int argc, char **argv, char **envp) {
  LoaderOptions opt;
  if (Status s = parse_loader_options(argc, argv, &opt); !s) die(s.error(), flags::kUsageError); // 1. options
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
  Rng rng;
  if (opt.have_seed) rng.seed(opt.seed);
  MapOptions mo{opt.verbose, opt.verify, &rng};
  if (Status s = map_unikernel(&g_desc, opt.desc, pool, mo, &ms); !s) die(s.error()); // 3. map
  auto phdrs = program_headers(g_desc, opt.desc);                                    // 4. phdrs
  if (!phdrs) die(phdrs.error());
  auto stack = build_initial_stack(EntryInfo{phdrs->addr, phdrs->count, g_desc.entry_addr(), 0}, opt.app_argc,
                                   opt.app_argv, envp);                             // 5. stack
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
    if (g_desc.layout == Layout::Aslr) print_aslr_stats(g_desc, ms);
  }
  std::fflush(stdout);
  std::fflush(stderr);
  LoaderRange own = loader_writable_range(); // released in uk_enter
  uk_enter(stack->words, stack->count, g_desc.entry_addr(), stack->fixups, own.start, own.len); // 6. enter
}
