// uk-dyn-run: loads a dynamically linked unikernel (a PIE and the shared
// objects it needs) and runs it in Linux userspace: the third way to run
// the corpus, beside the plain static ELF and uk-slt-run's shared pool.
// No system ld.so, no dlopen: this is the dynamic loader. Stages:
//   1. options     the command line and LD_BIND_NOW
//   2. load        the app, then its DT_NEEDED libraries breadth-first:
//                  headers checked, PT_LOADs mapped, dynamic sections read
//   3. TLS layout  one static block for every module (variant II)
//   4. relocate    dependencies first, the app last, ifuncs at the end;
//                  PLT slots left for lazy binding unless --bind-now
//   5. startup     init/fini lists in dependency order, the combined TLS
//                  template and program headers for musl, sealed read-only
//   6. app table   main (or --invoke's call) and the lists into libboot.so
//   7. RELRO       read-only once everything is written (the app table too)
//   8. stack       argc/argv/envp/auxv as the kernel would build them
//   9. enter       jump to the app's entry; its exit status is ours
//
// Built against musl as a static PIE without libstdc++, like uk-slt-run.
// Its code stays mapped while the program runs: the lazy-binding resolver,
// --invoke and the exit statistics run from it (see lazy.h, arena.h).
#include <elf.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "arena.h"
#include "deps.h"
#include "flags.h"
#include "image.h"
#include "init_fini.h"
#include "initial_stack.h"
#include "invoke.h"
#include "lazy.h"
#include "options.h"
#include "raw_io.h"
#include "reloc_kinds.h"
#include "relocate.h"
#include "stats.h"
#include "tls.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif
#ifndef UK_DYN_DEFAULT_LIBDIR
#define UK_DYN_DEFAULT_LIBDIR ""
#endif

extern "C" const Elf64_Ehdr __ehdr_start; // our own ELF header (linker-defined)

namespace uk::dyn {

uint64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace uk::dyn

namespace {

using namespace uk;
using namespace uk::dyn;

using flags::kLoadError;

constinit DynOptions g_opt{};
constinit Stats g_stats{};
constinit Arena g_arena;

[[noreturn]] void die(const Error &e, int status = kLoadError) {
  std::fprintf(stderr, "uk-dyn-run: %s\n", e.what());
  std::fflush(stderr);
  _exit(status);
}

void print_load_stats(bool lazy_any) {
  uint64_t total = 0;
  for (unsigned t = 0; t < kMaxRelocType; t++) total += g_stats.relocs[t];
  std::fprintf(stderr,
               "uk-dyn-run: stats: load %.1f us, objects %lu, pages mapped %lu (file %lu, anonymous %lu), binding %s\n",
               static_cast<double>(now_ns() - g_stats.t0_ns) / 1000.0, static_cast<unsigned long>(g_stats.objects),
               static_cast<unsigned long>(g_stats.pages_file + g_stats.pages_anon),
               static_cast<unsigned long>(g_stats.pages_file), static_cast<unsigned long>(g_stats.pages_anon),
               g_opt.bind_now ? "now" : lazy_any ? "lazy" : "now (objects linked -z now)");
  std::fprintf(stderr, "uk-dyn-run: stats: relocations applied %lu:", static_cast<unsigned long>(total + g_stats.relr));
  const char *sep = " ";
  for (unsigned t = 0; t < kMaxRelocType; t++)
    if (g_stats.relocs[t]) {
      std::fprintf(stderr, "%s%s %lu", sep, reloc_type(t).name, static_cast<unsigned long>(g_stats.relocs[t]));
      sep = ", ";
    }
  if (g_stats.relr) std::fprintf(stderr, "%sDT_RELR %lu", sep, static_cast<unsigned long>(g_stats.relr));
  std::fprintf(stderr, "; R_X86_64_JUMP_SLOT left for the first call %lu\n",
               static_cast<unsigned long>(g_stats.lazy_slots));
  std::fprintf(stderr, "uk-dyn-run: stats: symbols resolved at load %lu, hash lookups %lu\n",
               static_cast<unsigned long>(g_stats.symbols_eager), static_cast<unsigned long>(g_stats.lookups));
}

// What the program's start-up reads from the loader, in one mapping made
// read-only before entry: the combined TLS template, the program headers
// for AT_PHDR, and the init/fini lists libboot.so walks.
struct Sealed {
  StartupHeaders headers;
  InitFini lists;
};

Result<Sealed> seal_startup(const DynObject &app, const TlsLayout &tls, const InitFini &l, bool verbose) {
  uint64_t hdr_bytes = (startup_headers_bytes(app, tls) + 15) & ~uint64_t{15};
  uint64_t len = (hdr_bytes + (l.ninit + l.nfini) * sizeof(EntryFn) + kPage - 1) & ~(kPage - 1);
  void *m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return Error::fmt("cannot map the start-up block (%lu bytes): %s", static_cast<unsigned long>(len),
                                         std::strerror(errno));
  g_stats.pages_anon += len / kPage;
  uint8_t *area = static_cast<uint8_t *>(m);
  Sealed s;
  s.headers = write_startup_headers(app, &app, tls, area, verbose);
  s.lists.init = reinterpret_cast<EntryFn *>(area + hdr_bytes);
  s.lists.ninit = l.ninit;
  s.lists.fini = s.lists.init + l.ninit;
  s.lists.nfini = l.nfini;
  std::memcpy(s.lists.init, l.init, l.ninit * sizeof(EntryFn));
  std::memcpy(s.lists.fini, l.fini, l.nfini * sizeof(EntryFn));
  // Read-only: the program cannot be made to run something else at exit
  // by overwriting the lists.
  if (mprotect(m, len, PROT_READ) != 0) return Error::fmt("cannot protect the start-up block: %s", std::strerror(errno));
  return s;
}

// Last of the finalisers (see build_init_fini): runs inside the program.
void exit_stats() {
  raw::Line l;
  l.s("uk-dyn-run: stats: at exit: symbols resolved lazily ").u(g_stats.symbols_lazy).s(", hash lookups ")
      .u(g_stats.lookups).s("\n");
  l.emit(2);
}

} // namespace

int main(int argc, char **argv, char **envp) {
  g_stats.t0_ns = now_ns();
  if (Status s = parse_dyn_options(argc, argv, std::getenv("LD_BIND_NOW"), &g_opt); !s) die(s.error(), flags::kUsageError); // 1. options
  if (g_opt.help) {
    print_dyn_usage();
    return 0;
  }
  if (g_opt.version) {
    std::printf("uk-dyn-run " UK_SLT_VERSION "\n");
    return 0;
  }
  const bool verbose = g_opt.verbose;

  SearchPath path;                                                                         // 2. load
  if (Status s = build_search_path(g_opt.library_paths, g_opt.nlibrary_paths, std::getenv("UK_DYN_LIBRARY_PATH"),
                                   g_opt.app, UK_DYN_DEFAULT_LIBDIR, g_arena, &path);
      !s)
    die(s.error());
  size_t count = 0;
  auto loaded = load_all(g_opt.app, path, !g_opt.dry_run, g_arena, g_stats, verbose, &count);
  if (!loaded) die(loaded.error());
  DynObject *app = *loaded;
  // Before relocation: ifunc resolvers may already call through a PLT.
  init_lazy_binding(app, &g_stats, g_opt.clobber_registers, g_opt.lazy_xsave);

  TlsLayout tls;                                                                            // 3. TLS layout
  if (Status s = layout_tls(app, &tls); !s) die(s.error());

  RelocOptions ro{g_opt.bind_now, verbose, !g_opt.dry_run}; // --dry-run: no ifunc resolver runs                                                 // 4. relocate
  if (Status s = relocate_all(app, count, tls, ro, g_arena, g_stats); !s) die(s.error());

  auto lists = build_init_fini(app, count, g_opt.stats ? &exit_stats : nullptr, g_arena, verbose); // 5. startup
  if (!lists) die(lists.error());
  auto sealed = seal_startup(*app, tls, *lists, verbose);
  if (!sealed) die(sealed.error());

  auto main_fn = g_opt.invoke ? prepare_invoke(g_opt, app, g_stats) : find_main(*app);        // 6. app table
  if (!main_fn) die(main_fn.error());
  if (Status s = fill_app_table(app, *main_fn, sealed->lists, g_stats); !s) die(s.error());

  // RELRO last of all the writes into the objects: PT_GNU_RELRO may cover
  // anything relocated or written above, the app table included (which is
  // then read-only for the program, as it should be).
  bool lazy_any = false;                                                                    // 7. RELRO
  for (DynObject *o = app; o; o = o->next) {
    if (Status s = protect_relro(*o); !s) die(s.error());
    lazy_any |= o->lazy;
  }

  EntryInfo entry{sealed->headers.phdr, sealed->headers.phnum, app->base + app->entry,      // 8. stack
                  reinterpret_cast<uint64_t>(&__ehdr_start)};
  auto stack = build_initial_stack(entry, g_opt.app_argc, g_opt.app_argv, envp);
  if (!stack) die(stack.error());

  // What lazy binding reads (objects, symbol tables' addresses) becomes
  // read-only: the program cannot redirect the resolver by overwriting it.
  if (Status s = g_arena.seal(); !s) die(s.error());
  if (g_opt.stats) print_load_stats(lazy_any);
  if (g_opt.dry_run) return 0;
  std::fflush(stdout);
  std::fflush(stderr);
  uk_enter(stack->words, stack->count, entry.entry, stack->fixups, 0, 0);                   // 9. enter
}
