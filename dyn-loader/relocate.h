// Relocation of every loaded object: dependencies first, the app last (its
// copy relocations read the libraries' relocated data), then the deferred
// ifunc resolvers (they may call into any object, so they run once every
// object is relocated). DT_RELR, DT_RELA and DT_JMPREL; the latter either
// bound now or prepared for lazy binding (lazy.cc). Every target is checked
// to lie in a writable segment of its object; unknown types are errors
// naming the type, the object and the offset. All undefined symbols are
// collected and reported together.
#pragma once

#include "arena.h"
#include "error.h"
#include "object.h"
#include "stats.h"

namespace uk::dyn {

struct TlsLayout; // tls.h

struct RelocOptions {
  bool bind_now = false; // --bind-now / LD_BIND_NOW: no lazy binding at all
  bool verbose = false;
  // Call the ifunc resolvers (each checked to be code of its object) and
  // write their results. False for --dry-run (nothing of the objects runs:
  // those slots keep what relocation left there) and in ukdyn_host.
  bool run_resolvers = true;
};

Status relocate_all(DynObject *head, size_t count, const TlsLayout &tls, const RelocOptions &opt, Arena &arena,
                    Stats &stats);

} // namespace uk::dyn
