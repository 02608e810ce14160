// The dynamic section of a mapped object: every tag uk-dyn-run uses, each
// address translated through the load segments (never used as a file
// offset) and checked to lie inside one, with the access it needs; the
// symbol hash tables validated (hash.cc).
#pragma once

#include "arena.h"
#include "error.h"
#include "object.h"

namespace uk::dyn {

Status parse_dynamic(DynObject &o, Arena &arena);

} // namespace uk::dyn
