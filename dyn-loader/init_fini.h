// Initialisers and finalisers of every object, and the boot library's app
// table that runs them.
//
// Dependency order: a depth-first walk of DT_NEEDED from the app, each
// object after everything it needs (cycles broken where met), the app last.
// The init list is the app's DT_PREINIT_ARRAY, then for each object in that
// order its DT_INIT and DT_INIT_ARRAY; the fini list holds, in the same
// order, each object's DT_FINI then DT_FINI_ARRAY, and is walked backwards
// (the app's DT_FINI_ARRAY in reverse first, libmusl.so last).
//
// The lists are handed to libboot.so through its exported __uk_app table
// (unikernels/dynamic/boot/boot_dyn.c): musl's start-up calls the init list
// after it has set up libc and TLS, and exit() calls the fini list, exactly
// as the static boot library does with the app's arrays.
#pragma once

#include <cstdint>

#include "arena.h"
#include "error.h"
#include "object.h"
#include "stats.h"

namespace uk::dyn {

using EntryFn = void (*)();
using MainFn = int (*)(int, char **, char **);

struct InitFini {
  EntryFn *init = nullptr;
  uint64_t ninit = 0;
  EntryFn *fini = nullptr;
  uint64_t nfini = 0;
};

// `first_fini`, if set, is called last of all at exit (the fini list is
// walked backwards): the loader's exit statistics. The lists are in the
// arena; the caller copies them next to the startup headers, read-only.
Result<InitFini> build_init_fini(DynObject *head, size_t count, EntryFn first_fini, Arena &arena, bool verbose);

// The app's exported main.
Result<MainFn> find_main(const DynObject &app);

// Writes main and the lists into libboot.so's __uk_app.
Status fill_app_table(const DynObject *head, MainFn main_fn, const InitFini &lists, Stats &stats);

} // namespace uk::dyn
