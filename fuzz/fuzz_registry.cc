// Registry::parse on arbitrary bytes: accepted, or refused with a message
// that names the file; never an exception or a crash. An accepted registry
// keeps its invariants: slots page-aligned, disjoint, in order, inside the
// slot range, `next` at or after the last one; and assign() on it either
// finds room inside the range or says the registry is full.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "layout.h"
#include "registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto r = uk::Registry::parse(data, size, "fuzz.json");
  if (!r) {
    if (std::strncmp(r.error().what(), "fuzz.json: ", 11) != 0) std::abort();
    return 0;
  }
  uint64_t prev = uk::kSlotBase;
  for (const uk::Slot &s : r->slots()) {
    if (!uk::page_aligned(s.base) || s.base < prev || s.end() < s.base || s.end() > uk::kSlotLimit) std::abort();
    prev = s.end();
  }
  if (r->next() < prev || r->next() > uk::kSlotLimit || !uk::page_aligned(r->next())) std::abort();
  uk::Library lib;
  lib.name = "fuzz";
  lib.id = std::string(64, 'f');
  lib.bound = {0x1000, 0x1000, 0, 0x1000};
  auto slot = r->assign(lib);
  if (slot && (slot->base < prev || slot->end() > uk::kSlotLimit)) std::abort();
  return 0;
}
