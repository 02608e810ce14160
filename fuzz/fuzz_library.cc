// load_library on arbitrary bytes (mutations aimed at the headers, the
// section table and the symbols: elf_mutator.h). Either refused with a
// message naming the file, or a library whose slot bounds are page-aligned
// and hold every section it put in them; the linker script for it is
// generated without a crash.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "elf_mutator.h"
#include "layout.h"
#include "library.h"
#include "linker_script.h"
#include "registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uk::Bytes bytes(data, data + size);
  auto lib = uk::load_library_bytes(bytes, "fuzz.o", "/fuzz/fuzz.o");
  if (!lib) {
    if (std::strncmp(lib.error().what(), "fuzz.o: ", 8) != 0) std::abort();
    return 0;
  }
  for (size_t k = 0; k < uk::kSlotParts; k++)
    if (!uk::page_aligned(lib->bound[k])) std::abort();
  auto reg = uk::Registry::load("/nonexistent/registry.json"); // empty: slots start at kSlotBase
  if (!reg) std::abort();
  auto slot = reg->assign(*lib);
  if (!slot) return 0; // too big for the slot range: refused, fine
  (void)uk::make_linker_script({*lib}, {*slot});
  return 0;
}
