#include "host_image.h"

#include <cstdlib>
#include <cstring>

#include "dynamic.h"
#include "headers.h"

namespace uk::dyn {

HostImage::~HostImage() { std::free(mem); }

Result<DynObject *> load_host_object(const uint8_t *file, size_t size, const char *name, bool is_main, Arena &arena,
                                     HostImage &img) {
  // A copy of the header bytes, as the loader reads them from the file.
  size_t have = size < kPage ? size : kPage;
  auto need = header_bytes_needed(file, have, size, name);
  if (!need) return need.error();
  auto hdr = arena.alloc(*need, 8);
  if (!hdr) return hdr.error();
  std::memcpy(*hdr, file, *need);
  auto op = read_object_headers(static_cast<uint8_t *>(*hdr), *need, size, name, name, is_main, arena);
  if (!op) return op.error();
  DynObject &o = **op;
  uint64_t lo = page_down(o.seg[0].vaddr), hi = page_up(o.seg[o.nseg - 1].vaddr + o.seg[o.nseg - 1].memsz);
  if (hi - lo > kMaxHostImageSpan)
    return Error::fmt("%s: load segments span 0x%lx bytes (a host image holds at most 0x%lx)", o.name,
                      static_cast<unsigned long>(hi - lo), static_cast<unsigned long>(kMaxHostImageSpan));
  img.mem = static_cast<uint8_t *>(std::calloc(1, hi - lo));
  if (!img.mem) return Error::fmt("%s: no memory for a host image of 0x%lx bytes", o.name, static_cast<unsigned long>(hi - lo));
  img.len = hi - lo;
  o.base = reinterpret_cast<uint64_t>(img.mem) - lo;
  o.map_start = reinterpret_cast<uint64_t>(img.mem);
  o.map_len = img.len;
  for (size_t i = 0; i < o.nseg; i++) {
    const LoadSegment &s = o.seg[i];
    if (!s.filesz) continue;
    // The file's pages of the segment, as mmap maps them (whole pages,
    // bytes past the end of the file read as zero).
    uint64_t from = page_down(s.offset), to = page_up(s.offset + s.filesz);
    if (to > size) to = size;
    if (from < to) std::memcpy(img.mem + (page_down(s.vaddr) - lo), file + from, to - from);
    uint64_t file_end = s.vaddr + s.filesz;
    if (s.memsz > s.filesz && (file_end % kPage))
      std::memset(img.mem + (file_end - lo), 0, page_up(file_end) - file_end);
  }
  UK_TRY(parse_dynamic(o, arena));
  return &o;
}

} // namespace uk::dyn
