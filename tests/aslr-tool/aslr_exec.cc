// uk-aslr-exec APP.aslr.elf ARGS...: test support, runs an ASLR app from its
// plan inside this process (blocks at bases the kernel picks, relocations
// applied, maps given their protection: tests/aslr/block_map.h) and enters it
// with the initial stack the kernel would build (loader-common). It checks
// the toolchain's output end to end; the ASLR loader itself is uk-slt-run.
#include <cstdio>
#include <cstring>
#include <memory>

#include "aslr_plan.h"
#include "block_map.h"
#include "initial_stack.h"

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: uk-aslr-exec APP.aslr.elf ARGS...\n");
    return 2;
  }
  auto plan = std::make_unique<uk::Result<uk::AslrPlan>>(uk::plan_aslr(argv[1], {}));
  if (!*plan) {
    std::fprintf(stderr, "uk-aslr-exec: %s\n", plan->error().what());
    return 1;
  }
  const uk::AslrPlan &p = plan->value();
  auto m = uk::test::MappedPlan::map(p);
  if (!m) {
    std::fprintf(stderr, "uk-aslr-exec: %s\n", m.error().what());
    return 1;
  }
  uk::EntryInfo e;
  e.phdr = reinterpret_cast<uint64_t>(m->base(0)) + p.phdr_off;
  e.phnum = p.phnum;
  e.entry = reinterpret_cast<uint64_t>(m->base(static_cast<size_t>(p.entry_block))) + p.entry_off;
  auto st = uk::build_initial_stack(e, argc - 1, argv + 1, environ);
  if (!st) {
    std::fprintf(stderr, "uk-aslr-exec: %s\n", st.error().what());
    return 1;
  }
  std::fflush(stdout);
  uk_enter(st->words, st->count, e.entry, st->fixups, 0, 0);
}
