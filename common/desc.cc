#include "desc.h"

#include <cstring>
#include <string_view>

#include "layout.h"

namespace uk {
namespace {

constexpr size_t kMaxFields = 8;

struct Line {
  std::string_view f[kMaxFields];
  size_t n = 0;
  unsigned lineno = 0;
};

// Splits on single spaces. Empty fields (double spaces, leading or trailing
// space) and tabs are errors: the format has one spelling.
Status split(std::string_view s, Line *out, const char *src) {
  out->n = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i < s.size() && s[i] != ' ') {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x21 || c > 0x7e)
        return Error::fmt("%s:%u: invalid character 0x%02x", src, out->lineno, c);
      continue;
    }
    if (i == start) return Error::fmt("%s:%u: empty field (stray space)", src, out->lineno);
    if (out->n == kMaxFields) return Error::fmt("%s:%u: too many fields", src, out->lineno);
    out->f[out->n++] = s.substr(start, i - start);
    start = i + 1;
  }
  return {};
}

Status parse_hex(std::string_view s, uint64_t *out, const char *what, const char *src, unsigned ln) {
  if (s.size() < 3 || s.size() > 18 || s[0] != '0' || s[1] != 'x')
    return Error::fmt("%s:%u: %s: expected a hex number 0x..., got '%.*s'", src, ln, what,
                      static_cast<int>(s.size() > 40 ? 40 : s.size()), s.data());
  uint64_t v = 0;
  for (size_t i = 2; i < s.size(); i++) {
    char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else
      return Error::fmt("%s:%u: %s: bad hex digit '%c'", src, ln, what, c);
    v = v << 4 | d;
  }
  *out = v;
  return {};
}

Status parse_dec(std::string_view s, uint32_t *out, const char *what, const char *src, unsigned ln) {
  if (s.empty() || s.size() > 9) return Error::fmt("%s:%u: %s: expected a decimal number", src, ln, what);
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Error::fmt("%s:%u: %s: expected a decimal number", src, ln, what);
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  *out = v;
  return {};
}

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '+';
}

Status copy_name(std::string_view s, char *dst, size_t cap, const char *what, const char *src, unsigned ln) {
  if (s.empty() || s.size() >= cap)
    return Error::fmt("%s:%u: %s must be 1..%zu characters", src, ln, what, cap - 1);
  for (char c : s)
    if (!name_char(c)) return Error::fmt("%s:%u: %s has invalid character '%c'", src, ln, what, c);
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  return {};
}

// A relative path: no leading '/', no ".." component, no empty component.
Status copy_path(std::string_view s, char *dst, size_t cap, const char *what, const char *src, unsigned ln) {
  if (s.empty() || s.size() >= cap) return Error::fmt("%s:%u: %s path too long or empty", src, ln, what);
  if (s[0] == '/') return Error::fmt("%s:%u: %s path must be relative to the desc", src, ln, what);
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i < s.size() && s[i] != '/') {
      if (!name_char(s[i])) return Error::fmt("%s:%u: %s path has invalid character '%c'", src, ln, what, s[i]);
      continue;
    }
    std::string_view comp = s.substr(start, i - start);
    if (comp.empty() || comp == "..")
      return Error::fmt("%s:%u: %s path '%.*s' has an empty or '..' component", src, ln, what,
                        static_cast<int>(s.size()), s.data());
    start = i + 1;
  }
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  return {};
}

Status parse_prot(std::string_view s, uint8_t *out, const char *src, unsigned ln) {
  if (s.size() != 3 || (s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') ||
      (s[2] != 'x' && s[2] != '-'))
    return Error::fmt("%s:%u: protection must look like r-x, got '%.*s'", src, ln,
                      static_cast<int>(s.size() > 8 ? 8 : s.size()), s.data());
  *out = (s[0] == 'r' ? kProtR : 0) | (s[1] == 'w' ? kProtW : 0) | (s[2] == 'x' ? kProtX : 0);
  return {};
}

Status parse_sha256(std::string_view s, char *dst, const char *what, const char *src, unsigned ln) {
  if (s.size() != kObjectNameLen) return Error::fmt("%s:%u: %s must be %zu hex digits", src, ln, what, kObjectNameLen);
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return Error::fmt("%s:%u: %s must be lowercase hex", src, ln, what);
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  return {};
}

int block_named(const Desc &d, std::string_view name) {
  for (uint32_t i = 0; i < d.nblocks; i++)
    if (name == d.blocks[i].name) return static_cast<int>(i);
  return -1;
}

// The block a record names: listed by a 'block' line before it.
Status ref_block(const Desc &d, std::string_view name, uint16_t *out, const char *what, const char *src,
                 unsigned ln) {
  int b = block_named(d, name);
  if (b < 0)
    return Error::fmt("%s:%u: %s refers to block '%.*s' not listed before it", src, ln, what,
                      static_cast<int>(name.size() > 64 ? 64 : name.size()), name.data());
  *out = static_cast<uint16_t>(b);
  return {};
}

enum Seen : unsigned {
  kSeenApp = 1, kSeenPlatform = 2, kSeenElf = 4, kSeenImage = 8, kSeenEntry = 16, kSeenPhdr = 32, kSeenTls = 64,
  kSeenLayout = 128, kSeenRelocs = 256,
};

Status parse_line(const Line &l, Desc *d, unsigned *seen, const char *src) {
  const unsigned ln = l.lineno;
  std::string_view k = l.f[0];
  auto once = [&](unsigned bit) -> Status {
    if (*seen & bit) return Error::fmt("%s:%u: duplicate '%.*s' line", src, ln, static_cast<int>(k.size()), k.data());
    *seen |= bit;
    return {};
  };
  auto arity = [&](size_t n) -> Status {
    if (l.n != n)
      return Error::fmt("%s:%u: '%.*s' takes %zu fields, got %zu", src, ln, static_cast<int>(k.size()), k.data(),
                        n - 1, l.n - 1);
    return {};
  };
  if (k == "app") {
    UK_TRY(once(kSeenApp)); UK_TRY(arity(2));
    return copy_name(l.f[1], d->app, sizeof d->app, "app name", src, ln);
  }
  if (k == "platform") {
    UK_TRY(once(kSeenPlatform)); UK_TRY(arity(2));
    if (l.f[1] != "linuxu" && l.f[1] != "kvm")
      return Error::fmt("%s:%u: platform must be 'linuxu' or 'kvm', got '%.*s'", src, ln,
                        static_cast<int>(l.f[1].size() > 16 ? 16 : l.f[1].size()), l.f[1].data());
    return copy_name(l.f[1], d->platform, sizeof d->platform, "platform", src, ln);
  }
  if (k == "layout") {
    UK_TRY(once(kSeenLayout)); UK_TRY(arity(2));
    if (l.f[1] == "fixed") d->layout = Layout::Fixed;
    else if (l.f[1] == "aslr") d->layout = Layout::Aslr;
    else return Error::fmt("%s:%u: layout must be 'fixed' or 'aslr'", src, ln);
    return {};
  }
  if (k == "elf") {
    UK_TRY(once(kSeenElf)); UK_TRY(arity(2));
    return copy_path(l.f[1], d->elf, sizeof d->elf, "elf", src, ln);
  }
  if (k == "image") {
    UK_TRY(once(kSeenImage)); UK_TRY(arity(4));
    UK_TRY(copy_path(l.f[1], d->image, sizeof d->image, "image", src, ln));
    UK_TRY(parse_hex(l.f[2], &d->image_size, "image size", src, ln));
    return parse_sha256(l.f[3], d->image_sha256, "image sha256", src, ln);
  }
  if (k == "block") {
    if (l.n != 3 && l.n != 4)
      return Error::fmt("%s:%u: 'block' takes NAME SIZE [BASE], got %zu fields", src, ln, l.n - 1);
    if (d->nblocks == kDescMaxBlocks) return Error::fmt("%s:%u: more than %zu blocks", src, ln, kDescMaxBlocks);
    DescBlock &b = d->blocks[d->nblocks];
    UK_TRY(copy_name(l.f[1], b.name, sizeof b.name, "block name", src, ln));
    if (b.name[0] == '.' && std::strcmp(b.name, kAppBlock) != 0)
      return Error::fmt("%s:%u: block name '%s': names starting with '.' are reserved ('%s' is the app region)", src,
                        ln, b.name, kAppBlock);
    if (block_named(*d, b.name) >= 0) return Error::fmt("%s:%u: block '%s' listed twice", src, ln, b.name);
    UK_TRY(parse_hex(l.f[2], &b.size, "block size", src, ln));
    b.has_base = l.n == 4;
    b.base = 0;
    b.lib = -1;
    if (b.has_base) UK_TRY(parse_hex(l.f[3], &b.base, "block base", src, ln));
    d->nblocks++;
    return {};
  }
  if (k == "lib") {
    UK_TRY(arity(5));
    if (d->nlibs == kDescMaxLibs) return Error::fmt("%s:%u: more than %zu libraries", src, ln, kDescMaxLibs);
    DescLib &lib = d->libs[d->nlibs];
    UK_TRY(copy_name(l.f[1], lib.name, sizeof lib.name, "library name", src, ln));
    if (lib.name[0] == '.')
      return Error::fmt("%s:%u: library name '%s' starts with '.': the app region has no pool object", src, ln,
                        lib.name);
    UK_TRY(ref_block(*d, l.f[1], &lib.block, "lib", src, ln));
    if (d->blocks[lib.block].lib >= 0) return Error::fmt("%s:%u: library '%s' listed twice", src, ln, lib.name);
    UK_TRY(parse_sha256(l.f[2], lib.id, "library id", src, ln));
    UK_TRY(parse_sha256(l.f[3], lib.object, "pool object name", src, ln));
    UK_TRY(parse_hex(l.f[4], &lib.object_size, "object size", src, ln));
    d->blocks[lib.block].lib = static_cast<int16_t>(d->nlibs);
    d->nlibs++;
    return {};
  }
  if (k == "map") {
    if (l.n < 6) return Error::fmt("%s:%u: 'map' needs block, offset, size, protection and source", src, ln);
    if (d->nmaps == kDescMaxMaps) return Error::fmt("%s:%u: more than %zu maps", src, ln, kDescMaxMaps);
    DescMap &m = d->maps[d->nmaps];
    m = DescMap{};
    UK_TRY(ref_block(*d, l.f[1], &m.block, "map", src, ln));
    UK_TRY(parse_hex(l.f[2], &m.off, "map offset", src, ln));
    UK_TRY(parse_hex(l.f[3], &m.size, "map size", src, ln));
    UK_TRY(parse_prot(l.f[4], &m.prot, src, ln));
    if (l.f[5] == "pool") {
      UK_TRY(arity(7));
      int lib = d->blocks[m.block].lib;
      if (lib < 0)
        return Error::fmt("%s:%u: map from the pool in block '%s', which has no 'lib' line before it", src, ln,
                          d->blocks[m.block].name);
      m.source = MapSource::Pool;
      m.lib = static_cast<uint16_t>(lib);
      UK_TRY(parse_hex(l.f[6], &m.offset, "object offset", src, ln));
    } else if (l.f[5] == "image") {
      UK_TRY(arity(8));
      m.source = MapSource::Image;
      UK_TRY(parse_hex(l.f[6], &m.offset, "image offset", src, ln));
      UK_TRY(parse_hex(l.f[7], &m.filesz, "image bytes", src, ln));
    } else {
      return Error::fmt("%s:%u: map source must be 'pool' or 'image'", src, ln);
    }
    d->nmaps++;
    return {};
  }
  if (k == "entry") {
    UK_TRY(once(kSeenEntry)); UK_TRY(arity(3));
    UK_TRY(ref_block(*d, l.f[1], &d->entry.block, "entry", src, ln));
    return parse_hex(l.f[2], &d->entry.off, "entry offset", src, ln);
  }
  if (k == "phdr") {
    UK_TRY(once(kSeenPhdr)); UK_TRY(arity(4));
    UK_TRY(ref_block(*d, l.f[1], &d->phdr.block, "phdr", src, ln));
    UK_TRY(parse_hex(l.f[2], &d->phdr.off, "phdr offset", src, ln));
    return parse_dec(l.f[3], &d->phnum, "phdr count", src, ln);
  }
  if (k == "tls") {
    UK_TRY(once(kSeenTls)); UK_TRY(arity(6));
    d->tls.present = true;
    UK_TRY(ref_block(*d, l.f[1], &d->tls.block, "tls", src, ln));
    UK_TRY(parse_hex(l.f[2], &d->tls.off, "tls offset", src, ln));
    UK_TRY(parse_hex(l.f[3], &d->tls.filesz, "tls file size", src, ln));
    UK_TRY(parse_hex(l.f[4], &d->tls.memsz, "tls memory size", src, ln));
    return parse_hex(l.f[5], &d->tls.align, "tls alignment", src, ln);
  }
  if (k == "relocs") {
    UK_TRY(once(kSeenRelocs)); UK_TRY(arity(3));
    d->relocs.present = true;
    UK_TRY(parse_hex(l.f[1], &d->relocs.offset, "relocs image offset", src, ln));
    return parse_dec(l.f[2], &d->relocs.count, "relocs count", src, ln);
  }
  return Error::fmt("%s:%u: unknown record '%.*s'", src, ln, static_cast<int>(k.size() > 32 ? 32 : k.size()),
                    k.data());
}

bool range_in(uint64_t a, uint64_t len, uint64_t lo, uint64_t hi) {
  uint64_t end;
  if (add_overflows(a, len, &end)) return false;
  return a >= lo && end <= hi;
}

bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) { return a < b + blen && b < a + alen; }

// Index of the map of `block` containing [off, off+len), or -1.
int find_map(const Desc &d, uint16_t block, uint64_t off, uint64_t len) {
  for (uint32_t i = 0; i < d.nmaps; i++)
    if (d.maps[i].block == block && range_in(off, len, d.maps[i].off, d.maps[i].off + d.maps[i].size))
      return static_cast<int>(i);
  return -1;
}

unsigned long ul(uint64_t v) { return static_cast<unsigned long>(v); }

Status validate_blocks(const Desc &d, const char *src) {
  for (uint32_t i = 0; i < d.nblocks; i++) {
    const DescBlock &b = d.blocks[i];
    if (b.size == 0 || !page_aligned(b.size) || b.size > kUserTop)
      return Error::fmt("%s: block '%s': size 0x%lx is not a non-zero page multiple below 0x%lx", src, b.name,
                        ul(b.size), ul(kUserTop));
    if (d.layout == Layout::Aslr) {
      if (b.has_base)
        return Error::fmt("%s: block '%s' has a base, but with layout aslr the loader chooses it", src, b.name);
      continue;
    }
    if (!b.has_base) return Error::fmt("%s: block '%s' has no base, which layout fixed requires", src, b.name);
    if (!page_aligned(b.base)) return Error::fmt("%s: block '%s': base 0x%lx is not page-aligned", src, b.name, ul(b.base));
    if (!range_in(b.base, b.size, kUserMin, kUserTop))
      return Error::fmt("%s: block '%s' [0x%lx, +0x%lx) is outside user address space [0x%lx, 0x%lx)", src, b.name,
                        ul(b.base), ul(b.size), ul(kUserMin), ul(kUserTop));
    for (uint32_t j = 0; j < i; j++) {
      const DescBlock &o = d.blocks[j];
      if (overlaps(b.base, b.size, o.base, o.size))
        return Error::fmt("%s: block '%s' [0x%lx, 0x%lx) overlaps block '%s' [0x%lx, 0x%lx)", src, b.name,
                          ul(b.base), ul(b.base + b.size), o.name, ul(o.base), ul(o.base + o.size));
    }
  }
  return {};
}

Status validate_maps(const Desc &d, const char *src) {
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    const DescBlock &b = d.blocks[m.block];
    if (!page_aligned(m.off) || !page_aligned(m.size) || m.size == 0)
      return Error::fmt("%s: map %u (block %s +0x%lx size 0x%lx): offset and size must be page-aligned and non-zero",
                        src, i, b.name, ul(m.off), ul(m.size));
    if (!range_in(m.off, m.size, 0, b.size))
      return Error::fmt("%s: map %u (block %s +0x%lx size 0x%lx) runs outside its block (size 0x%lx)", src, i, b.name,
                        ul(m.off), ul(m.size), ul(b.size));
    if ((m.prot & kProtW) && (m.prot & kProtX))
      return Error::fmt("%s: map %u (block %s +0x%lx) is writable and executable (W^X)", src, i, b.name, ul(m.off));
    if (m.source == MapSource::Pool) {
      const DescLib &l = d.libs[m.lib];
      if (m.prot & kProtW)
        return Error::fmt("%s: map %u (block %s +0x%lx) maps the pool object writable; pool pages are read-only", src,
                          i, b.name, ul(m.off));
      if (!page_aligned(m.offset) || !range_in(m.offset, m.size, 0, l.object_size))
        return Error::fmt("%s: map %u (block %s +0x%lx): offset 0x%lx size 0x%lx is outside object of '%s' (size "
                          "0x%lx)",
                          src, i, b.name, ul(m.off), ul(m.offset), ul(m.size), l.name, ul(l.object_size));
    } else {
      if (m.filesz > m.size)
        return Error::fmt("%s: map %u (block %s +0x%lx): image bytes 0x%lx exceed map size 0x%lx", src, i, b.name,
                          ul(m.off), ul(m.filesz), ul(m.size));
      if (!page_aligned(m.offset) || !range_in(m.offset, page_up(m.filesz), 0, d.image_size))
        return Error::fmt("%s: map %u (block %s +0x%lx): image range 0x%lx+0x%lx is outside the image (size 0x%lx)",
                          src, i, b.name, ul(m.off), ul(m.offset), ul(m.filesz), ul(d.image_size));
    }
    for (uint32_t j = 0; j < i; j++) {
      const DescMap &o = d.maps[j];
      if (o.block == m.block && overlaps(m.off, m.size, o.off, o.size))
        return Error::fmt("%s: map %u (block %s [+0x%lx, +0x%lx)) overlaps map %u [+0x%lx, +0x%lx)", src, i, b.name,
                          ul(m.off), ul(m.off + m.size), j, ul(o.off), ul(o.off + o.size));
    }
  }
  return {};
}

Status validate_refs(const Desc &d, const char *src) {
  int e = find_map(d, d.entry.block, d.entry.off, 1);
  if (e < 0 || !(d.maps[e].prot & kProtX))
    return Error::fmt("%s: entry %s+0x%lx is not inside an executable map", src, d.blocks[d.entry.block].name,
                      ul(d.entry.off));
  if (d.phnum == 0 || d.phnum > kDescMaxPhnum)
    return Error::fmt("%s: phdr count %u out of range 1..%u", src, d.phnum, kDescMaxPhnum);
  int p = find_map(d, d.phdr.block, d.phdr.off, uint64_t{d.phnum} * 56);
  if (p < 0 || !(d.maps[p].prot & kProtR) || (d.phdr.off & 7))
    return Error::fmt("%s: program headers at %s+0x%lx (%u entries) are not inside one readable map", src,
                      d.blocks[d.phdr.block].name, ul(d.phdr.off), d.phnum);
  if (d.tls.present) {
    const DescTls &t = d.tls;
    if (t.filesz > t.memsz || t.align == 0 || (t.align & (t.align - 1)) || t.align > kPageSize)
      return Error::fmt("%s: TLS template: file size 0x%lx, memory size 0x%lx, alignment 0x%lx are inconsistent", src,
                        ul(t.filesz), ul(t.memsz), ul(t.align));
    if (t.memsz > kDescMaxTlsMemsz)
      return Error::fmt("%s: TLS memory size 0x%lx is larger than the 0x%lx-byte limit", src, ul(t.memsz),
                        ul(kDescMaxTlsMemsz));
    int m = t.filesz ? find_map(d, t.block, t.off, t.filesz) : 0;
    if (t.off > d.blocks[t.block].size || m < 0 || (t.filesz && !(d.maps[m].prot & kProtR)))
      return Error::fmt("%s: TLS template at %s+0x%lx (0x%lx bytes) is not inside a readable map", src,
                        d.blocks[t.block].name, ul(t.off), ul(t.filesz));
  }
  return {};
}

Status validate_relocs(const Desc &d, const char *src) {
  if (!d.relocs.present) return {};
  const DescRelocs &r = d.relocs;
  if (d.layout != Layout::Aslr)
    return Error::fmt("%s: 'relocs' with layout fixed: load-time relocations are for layout aslr only", src);
  uint64_t bytes = uint64_t{r.count} * sizeof(DescReloc);
  if ((r.offset & 7) || !range_in(r.offset, bytes, 0, d.image_size))
    return Error::fmt("%s: relocation table at image offset 0x%lx (%u entries) is unaligned or outside the image "
                      "(size 0x%lx)",
                      src, ul(r.offset), r.count, ul(d.image_size));
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    if (m.source == MapSource::Image && bytes && overlaps(r.offset, bytes, m.offset, page_up(m.filesz)))
      return Error::fmt("%s: relocation table at image offset 0x%lx overlaps the image bytes of map %u (block %s "
                        "+0x%lx)",
                        src, ul(r.offset), i, d.blocks[m.block].name, ul(m.off));
  }
  return {};
}

} // namespace

int Desc::find_block(const char *name) const { return block_named(*this, name); }

void prot_string(uint8_t prot, char buf[4]) {
  buf[0] = (prot & kProtR) ? 'r' : '-';
  buf[1] = (prot & kProtW) ? 'w' : '-';
  buf[2] = (prot & kProtX) ? 'x' : '-';
  buf[3] = '\0';
}

Status validate_desc(const Desc &d, const char *src) {
  if (d.app[0] == '\0') return Error::fmt("%s: missing 'app' line", src);
  if (d.platform[0] == '\0') return Error::fmt("%s: missing 'platform' line", src);
  if (d.image[0] == '\0' || d.image_sha256[0] == '\0') return Error::fmt("%s: missing 'image' line", src);
  if (d.nblocks == 0) return Error::fmt("%s: no 'block' lines", src);
  if (d.nmaps == 0) return Error::fmt("%s: no 'map' lines", src);
  if (!page_aligned(d.image_size))
    return Error::fmt("%s: image size 0x%lx is not a page multiple", src, ul(d.image_size));
  for (uint32_t i = 0; i < d.nlibs; i++) {
    const DescLib &l = d.libs[i];
    if (l.object_size == 0 || !page_aligned(l.object_size))
      return Error::fmt("%s: library '%s': object size 0x%lx is not a non-zero page multiple", src, l.name,
                        ul(l.object_size));
  }
  UK_TRY(validate_blocks(d, src));
  UK_TRY(validate_maps(d, src));
  UK_TRY(validate_refs(d, src));
  return validate_relocs(d, src);
}

Status check_reloc(const Desc &d, const DescReloc &r, uint32_t i, const char *src, int *map_index) {
  if (r.zero != 0) return Error::fmt("%s: relocation %u: reserved byte is 0x%02x, must be 0", src, i, r.zero);
  if (r.block >= d.nblocks || r.target >= d.nblocks)
    return Error::fmt("%s: relocation %u: block %u / target %u, but the desc has %u blocks", src, i, r.block,
                      r.target, d.nblocks);
  if (r.kind < kRelocAbs64 || r.kind > kRelocPc32)
    return Error::fmt("%s: relocation %u: unknown kind %u", src, i, r.kind);
  uint64_t width = r.kind == kRelocPc32 ? 4 : 8;
  int m = find_map(d, r.block, r.offset, width);
  if (m < 0 || d.maps[m].source != MapSource::Image)
    return Error::fmt("%s: relocation %u: writes %s+0x%x (%lu bytes), outside the private (image-backed) maps of "
                      "its block",
                      src, i, d.blocks[r.block].name, r.offset, ul(width));
  *map_index = m;
  return {};
}

Status check_desc_file(const char *head, size_t head_len, uint64_t file_size, const char *src) {
  if (head_len >= 4 && std::memcmp(head, "\x7f" "ELF", 4) == 0)
    return Error::fmt("%s: is an ELF file, not a uk-slt desc", src);
  if (file_size > kDescMaxBytes)
    return Error::fmt("%s: %lu bytes, larger than the %zu-byte limit", src, ul(file_size), kDescMaxBytes);
  return {};
}

Status parse_desc(const char *text, size_t len, const char *src, Desc *d) {
  d->reset();
  if (len == 0) return Error::fmt("%s: empty file", src);
  UK_TRY(check_desc_file(text, len, len, src));
  if (text[len - 1] != '\n') return Error::fmt("%s: truncated (last line has no newline)", src);
  std::string_view all(text, len);
  unsigned seen = 0, lineno = 0;
  bool header = false, ended = false;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    std::string_view s = all.substr(pos, nl - pos);
    pos = nl + 1;
    lineno++;
    if (ended) return Error::fmt("%s:%u: data after 'end'", src, lineno);
    if (s.empty() || s[0] == '#') continue;
    Line l;
    l.lineno = lineno;
    UK_TRY(split(s, &l, src));
    if (!header) {
      if (l.n != 2 || l.f[0] != "uk-slt-desc")
        return Error::fmt("%s:%u: not a uk-slt description file (expected 'uk-slt-desc %d')", src, lineno,
                          kDescVersion);
      uint32_t v;
      UK_TRY(parse_dec(l.f[1], &v, "version", src, lineno));
      if (v == 1)
        return Error::fmt("%s:%u: desc version 1 is no longer read: re-pack the app with this uk-slt (it writes "
                          "version %d)",
                          src, lineno, kDescVersion);
      if (v != kDescVersion)
        return Error::fmt("%s:%u: unsupported desc version %u (this build reads version %d)", src, lineno, v,
                          kDescVersion);
      d->version = static_cast<int>(v);
      header = true;
      continue;
    }
    if (l.f[0] == "end") {
      if (l.n != 1) return Error::fmt("%s:%u: 'end' takes no fields", src, lineno);
      ended = true;
      continue;
    }
    UK_TRY(parse_line(l, d, &seen, src));
  }
  if (!header) return Error::fmt("%s: no 'uk-slt-desc' header", src);
  if (!ended) return Error::fmt("%s: truncated (no 'end' line)", src);
  if (!(seen & kSeenLayout)) return Error::fmt("%s: missing 'layout' line", src);
  if (!(seen & kSeenEntry)) return Error::fmt("%s: missing 'entry' line", src);
  if (!(seen & kSeenPhdr)) return Error::fmt("%s: missing 'phdr' line", src);
  return validate_desc(*d, src);
}

namespace {
struct Out {
  char *buf;
  size_t cap, len = 0;
  bool overflow = false;
  [[gnu::format(printf, 2, 3)]] void put(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf + len, len < cap ? cap - len : 0, fmt, ap);
    va_end(ap);
    if (n < 0 || len + static_cast<size_t>(n) >= cap) overflow = true;
    else len += static_cast<size_t>(n);
  }
};
} // namespace

size_t format_desc(const Desc &d, char *buf, size_t cap) {
  Out o{buf, cap};
  auto bn = [&](uint16_t b) { return d.blocks[b].name; };
  o.put("uk-slt-desc %d\n", kDescVersion);
  o.put("app %s\nplatform %s\nlayout %s\n", d.app, d.platform, d.layout == Layout::Aslr ? "aslr" : "fixed");
  if (d.elf[0]) o.put("elf %s\n", d.elf);
  o.put("image %s 0x%lx %s\n", d.image, ul(d.image_size), d.image_sha256);
  for (uint32_t i = 0; i < d.nblocks; i++) {
    const DescBlock &b = d.blocks[i];
    if (b.has_base) o.put("block %s 0x%lx 0x%lx\n", b.name, ul(b.size), ul(b.base));
    else o.put("block %s 0x%lx\n", b.name, ul(b.size));
  }
  for (uint32_t i = 0; i < d.nlibs; i++)
    o.put("lib %s %s %s 0x%lx\n", d.libs[i].name, d.libs[i].id, d.libs[i].object, ul(d.libs[i].object_size));
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    char p[4];
    prot_string(m.prot, p);
    if (m.source == MapSource::Pool)
      o.put("map %s 0x%lx 0x%lx %s pool 0x%lx\n", bn(m.block), ul(m.off), ul(m.size), p, ul(m.offset));
    else
      o.put("map %s 0x%lx 0x%lx %s image 0x%lx 0x%lx\n", bn(m.block), ul(m.off), ul(m.size), p, ul(m.offset),
            ul(m.filesz));
  }
  o.put("entry %s 0x%lx\n", bn(d.entry.block), ul(d.entry.off));
  o.put("phdr %s 0x%lx %u\n", bn(d.phdr.block), ul(d.phdr.off), d.phnum);
  if (d.tls.present)
    o.put("tls %s 0x%lx 0x%lx 0x%lx 0x%lx\n", bn(d.tls.block), ul(d.tls.off), ul(d.tls.filesz), ul(d.tls.memsz),
          ul(d.tls.align));
  if (d.relocs.present) o.put("relocs 0x%lx %u\n", ul(d.relocs.offset), d.relocs.count);
  o.put("end\n");
  return o.overflow ? 0 : o.len;
}

} // namespace uk
