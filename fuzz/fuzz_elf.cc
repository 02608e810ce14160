// ElfView::parse and plan_image on arbitrary bytes (mutations aimed at the
// headers: elf_mutator.h). Either refused with a message naming the file,
// or a plan whose every map lies inside its pool object or the image and
// whose objects are whole pages with a SHA-256 name. The registry is the corpus'
// ($UK_FUZZ_REGISTRY, default build/pool/layout-registry.json), so the
// seeds' library segments fall into real slots.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "elf_mutator.h"
#include "elf_view.h"
#include "image_plan.h"
#include "layout.h"
#include "registry.h"

namespace {

const uk::Registry &registry() {
  static uk::Registry *reg = [] {
    const char *p = std::getenv("UK_FUZZ_REGISTRY");
    auto r = uk::Registry::load(p && *p ? p : "build/pool/layout-registry.json");
    if (!r) std::abort();
    return new uk::Registry(std::move(*r));
  }();
  return *reg;
}

void check_maps(const std::vector<uk::PlanMap> &maps, uint64_t backing, bool image) {
  for (const uk::PlanMap &m : maps) {
    uint64_t end = 0;
    if (!uk::page_aligned(m.vaddr) || !uk::page_aligned(m.size) || m.size == 0) std::abort();
    if (uk::add_overflows(m.offset, image ? uk::page_up(m.filesz) : m.size, &end) || end > backing) std::abort();
    if (image && m.filesz > m.size) std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uk::Registry &reg = registry();
  auto view = uk::ElfView::parse(data, size, "fuzz.elf");
  if (!view) {
    if (std::strncmp(view.error().what(), "fuzz.elf: ", 10) != 0) std::abort();
    return 0;
  }
  for (size_t i = 0; i < view->shnum(); i++) (void)view->section_name(i);
  uk::Bytes bytes(data, data + size);
  auto plan = uk::plan_image_bytes(bytes, "fuzz.elf", reg);
  if (!plan) {
    if (std::strncmp(plan.error().what(), "fuzz.elf: ", 10) != 0) std::abort();
    return 0;
  }
  check_maps(plan->private_maps, plan->image.size(), true);
  for (const uk::PoolObjectPlan &o : plan->objects) {
    check_maps(o.maps, o.bytes.size(), false);
    if (o.object.size() != 64 || uk::page_up(o.bytes.size()) != o.bytes.size()) std::abort();
  }
  (void)uk::make_desc(*plan, "fuzz.elf", "fuzz.img"); // validated or refused
  return 0;
}
