#include "relocate.h"

#include <sys/mman.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "layout.h"

namespace uk {

Status read_relocs(const Desc &d, int image_fd, const char *desc_path, RelocTable *t, bool *written) {
  *t = RelocTable{};
  if (!d.relocs.present || d.relocs.count == 0) return {};
  uint64_t start = page_down(d.relocs.offset);
  uint64_t end = page_up(d.relocs.offset + uint64_t{d.relocs.count} * sizeof(DescReloc)); // inside the image: validated
  void *m = mmap(nullptr, end - start, PROT_READ, MAP_PRIVATE, image_fd, static_cast<off_t>(start));
  if (m == MAP_FAILED)
    return Error::fmt("%s: cannot map the relocation table from the image: %s", desc_path, std::strerror(errno));
  t->mapping = m;
  t->mapping_len = end - start;
  t->entries = reinterpret_cast<const DescReloc *>(static_cast<const char *>(m) + (d.relocs.offset - start));
  t->count = d.relocs.count;
  for (uint32_t i = 0; i < t->count; i++) {
    DescReloc r;
    std::memcpy(&r, &t->entries[i], sizeof r); // the image is untrusted: read each entry once
    int map = -1;
    Status s = check_reloc(d, r, i, desc_path, &map);
    if (!s) {
      munmap(t->mapping, t->mapping_len);
      *t = RelocTable{};
      return s;
    }
    written[map] = true;
    if (r.kind == kRelocPc32) t->any_pc32 = true;
    if (r.kind == kRelocSlot64) t->slots++;
    else t->relocs++;
  }
  return {};
}

Status apply_relocs(const Desc &d, RelocTable *t, const char *desc_path, const bool *written) {
  Status s;
  for (uint32_t i = 0; i < t->count && s; i++) {
    DescReloc r;
    std::memcpy(&r, &t->entries[i], sizeof r);
    // Checked again: a MAP_PRIVATE page that was never written still shows
    // later changes of the file, so the entry may differ from the one
    // read_relocs saw. It must still write a map that was mapped writable.
    int map = -1;
    s = check_reloc(d, r, i, desc_path, &map);
    if (s && !written[map])
      s = Error::fmt("%s: relocation %u changed while loading (the image was modified)", desc_path, i);
    if (!s) break;
    uint64_t at = d.blocks[r.block].base + r.offset;
    uint64_t target = d.blocks[r.target].base;
    void *p = reinterpret_cast<void *>(at);
    if (r.kind == kRelocPc32) {
      __int128 v = static_cast<__int128>(target) + r.addend - static_cast<__int128>(at);
      if (v < INT32_MIN || v > INT32_MAX) {
        s = Error::fmt("%s: relocation %u: pc32 at %s+0x%x to %s%+ld is out of rel32 reach", desc_path, i,
                       d.blocks[r.block].name, r.offset, d.blocks[r.target].name, static_cast<long>(r.addend));
        break;
      }
      int32_t v32 = static_cast<int32_t>(v);
      std::memcpy(p, &v32, sizeof v32);
    } else {
      uint64_t v = target + static_cast<uint64_t>(r.addend);
      std::memcpy(p, &v, sizeof v);
    }
  }
  munmap(t->mapping, t->mapping_len);
  t->mapping = nullptr;
  t->entries = nullptr;
  return s;
}

} // namespace uk
