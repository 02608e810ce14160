// Opening and mapping one ELF object: validated headers (common/elf_view.h)
// and program headers, one reservation for the whole image, each PT_LOAD
// mapped MAP_PRIVATE from the file over it (read-only pages stay shared
// with every other process mapping the same file, through the page cache),
// bss as anonymous zero pages. Segments are never writable and executable.
#pragma once

#include <sys/stat.h>

#include "arena.h"
#include "error.h"
#include "object.h"
#include "stats.h"

namespace uk::dyn {

// Maps the object open on `fd` (consumed: closed on return); `st` is its
// fstat if the caller has it (else null). `name` is used in messages.
// `populate`: fault in the file pages of writable segments with the
// mapping (not for --dry-run; bss is never populated).
Result<DynObject *> map_object(int fd, const struct stat *st, const char *path, const char *name, bool is_main,
                               bool populate, Arena &arena, Stats &stats, bool verbose);

// Makes the object's PT_GNU_RELRO range read-only (after relocation).
Status protect_relro(const DynObject &o);

} // namespace uk::dyn
