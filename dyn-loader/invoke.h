// --invoke: the FaaS way of running a unikernel. The instance is loaded
// and started once (libc initialised, every initialiser run), then instead
// of main the loader calls an exported function whose signature is only
// known at run time (--arg TYPE:VALUE..., --ret TYPE), through libffi,
// --repeat N times in the same instance, printing each return value on
// stdout. Then the program exits normally (its finalisers run).
//
// The calls run inside the program (its stack and thread pointer), so this
// allocates nothing: libffi's call path uses the stack only, and output
// goes through raw write(2) after the program's own stdio has been flushed
// (its fflush, looked up in the global scope), so a handler's printf output
// comes before the value it returns.
#pragma once

#include "error.h"
#include "init_fini.h"
#include "object.h"
#include "options.h"
#include "stats.h"

namespace uk::dyn {

// Finds the function and prepares the call; returns the function the boot
// library must call instead of main.
Result<MainFn> prepare_invoke(const DynOptions &opt, const DynObject *head, Stats &stats);

} // namespace uk::dyn
