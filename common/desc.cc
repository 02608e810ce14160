#include "desc.h"

#include <cstring>
#include <string_view>

#include "layout.h"
#include "names.h"

namespace uk {
namespace {

constexpr uint64_t kUserTop = 0x800000000000ull;
constexpr uint64_t kMinAddr = 0x10000; // below vm.mmap_min_addr
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
  if (Status ok = check_name(s, what); !ok) return Error(ok.error()).prefix("%s:%u: ", src, ln);
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

Status parse_object(std::string_view s, char *dst, const char *src, unsigned ln) {
  if (s.size() != kObjectNameLen)
    return Error::fmt("%s:%u: pool object name must be %zu hex digits", src, ln, kObjectNameLen);
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return Error::fmt("%s:%u: pool object name must be lowercase hex", src, ln);
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

bool want(const Line &l, size_t n) { return l.n == n; }

Status parse_line(const Line &l, Desc *d, unsigned *seen, const char *src) {
  const unsigned ln = l.lineno;
  std::string_view k = l.f[0];
  auto once = [&](unsigned bit) -> Status {
    if (*seen & bit) return Error::fmt("%s:%u: duplicate '%.*s' line", src, ln, static_cast<int>(k.size()), k.data());
    *seen |= bit;
    return {};
  };
  auto arity = [&](size_t n) -> Status {
    if (!want(l, n))
      return Error::fmt("%s:%u: '%.*s' takes %zu fields, got %zu", src, ln, static_cast<int>(k.size()), k.data(),
                        n - 1, l.n - 1);
    return {};
  };
  if (k == "app") {
    UK_TRY(once(1)); UK_TRY(arity(2));
    return copy_name(l.f[1], d->app, sizeof d->app, "app name", src, ln);
  }
  if (k == "platform") {
    UK_TRY(once(2)); UK_TRY(arity(2));
    return copy_name(l.f[1], d->platform, sizeof d->platform, "platform", src, ln);
  }
  if (k == "elf") {
    UK_TRY(once(4)); UK_TRY(arity(2));
    return copy_path(l.f[1], d->elf, sizeof d->elf, "elf", src, ln);
  }
  if (k == "image") {
    UK_TRY(once(8)); UK_TRY(arity(3));
    UK_TRY(copy_path(l.f[1], d->image, sizeof d->image, "image", src, ln));
    return parse_hex(l.f[2], &d->image_size, "image size", src, ln);
  }
  if (k == "entry") {
    UK_TRY(once(16)); UK_TRY(arity(2));
    return parse_hex(l.f[1], &d->entry, "entry", src, ln);
  }
  if (k == "phdr") {
    UK_TRY(once(32)); UK_TRY(arity(3));
    UK_TRY(parse_hex(l.f[1], &d->phdr, "phdr address", src, ln));
    return parse_dec(l.f[2], &d->phnum, "phdr count", src, ln);
  }
  if (k == "tls") {
    UK_TRY(once(64)); UK_TRY(arity(5));
    d->tls.present = true;
    UK_TRY(parse_hex(l.f[1], &d->tls.vaddr, "tls address", src, ln));
    UK_TRY(parse_hex(l.f[2], &d->tls.filesz, "tls file size", src, ln));
    UK_TRY(parse_hex(l.f[3], &d->tls.memsz, "tls memory size", src, ln));
    return parse_hex(l.f[4], &d->tls.align, "tls alignment", src, ln);
  }
  if (k == "lib") {
    UK_TRY(arity(5));
    if (d->nlibs == kDescMaxLibs) return Error::fmt("%s:%u: more than %zu libraries", src, ln, kDescMaxLibs);
    DescLib &lib = d->libs[d->nlibs];
    UK_TRY(copy_name(l.f[1], lib.name, sizeof lib.name, "library name", src, ln));
    for (uint32_t i = 0; i < d->nlibs; i++)
      if (std::strcmp(d->libs[i].name, lib.name) == 0)
        return Error::fmt("%s:%u: library '%s' listed twice", src, ln, lib.name);
    UK_TRY(parse_object(l.f[2], lib.id, src, ln));
    UK_TRY(parse_object(l.f[3], lib.object, src, ln));
    UK_TRY(parse_hex(l.f[4], &lib.object_size, "object size", src, ln));
    d->nlibs++;
    return {};
  }
  if (k == "map") {
    if (l.n < 5) return Error::fmt("%s:%u: 'map' needs vaddr, size, protection and source", src, ln);
    if (d->nmaps == kDescMaxMaps) return Error::fmt("%s:%u: more than %zu maps", src, ln, kDescMaxMaps);
    DescMap &m = d->maps[d->nmaps];
    m = DescMap{};
    UK_TRY(parse_hex(l.f[1], &m.vaddr, "map address", src, ln));
    UK_TRY(parse_hex(l.f[2], &m.size, "map size", src, ln));
    UK_TRY(parse_prot(l.f[3], &m.prot, src, ln));
    if (l.f[4] == "pool") {
      UK_TRY(arity(7));
      uint32_t i = 0;
      while (i < d->nlibs && l.f[5] != d->libs[i].name) i++;
      if (i == d->nlibs)
        return Error::fmt("%s:%u: map refers to library '%.*s' not listed before it", src, ln,
                          static_cast<int>(l.f[5].size() > 64 ? 64 : l.f[5].size()), l.f[5].data());
      m.source = MapSource::Pool;
      m.lib = static_cast<uint16_t>(i);
      UK_TRY(parse_hex(l.f[6], &m.offset, "object offset", src, ln));
    } else if (l.f[4] == "image") {
      UK_TRY(arity(7));
      m.source = MapSource::Image;
      UK_TRY(parse_hex(l.f[5], &m.offset, "image offset", src, ln));
      UK_TRY(parse_hex(l.f[6], &m.filesz, "image bytes", src, ln));
    } else {
      return Error::fmt("%s:%u: map source must be 'pool' or 'image'", src, ln);
    }
    d->nmaps++;
    return {};
  }
  return Error::fmt("%s:%u: unknown record '%.*s'", src, ln, static_cast<int>(k.size() > 32 ? 32 : k.size()),
                    k.data());
}

bool range_in(uint64_t a, uint64_t len, uint64_t lo, uint64_t hi) {
  uint64_t end;
  if (add_overflows(a, len, &end)) return false;
  return a >= lo && end <= hi;
}

// Index of the map containing [a, a+len), or -1.
int find_map(const Desc &d, uint64_t a, uint64_t len) {
  for (uint32_t i = 0; i < d.nmaps; i++)
    if (range_in(a, len, d.maps[i].vaddr, d.maps[i].vaddr + d.maps[i].size)) return static_cast<int>(i);
  return -1;
}

} // namespace

void prot_string(uint8_t prot, char buf[4]) {
  buf[0] = (prot & kProtR) ? 'r' : '-';
  buf[1] = (prot & kProtW) ? 'w' : '-';
  buf[2] = (prot & kProtX) ? 'x' : '-';
  buf[3] = '\0';
}

Status validate_desc(const Desc &d, const char *src) {
  if (d.app[0] == '\0') return Error::fmt("%s: missing 'app' line", src);
  if (d.platform[0] == '\0') return Error::fmt("%s: missing 'platform' line", src);
  if (d.image[0] == '\0') return Error::fmt("%s: missing 'image' line", src);
  if (d.nmaps == 0) return Error::fmt("%s: no 'map' lines", src);
  if (!page_aligned(d.image_size)) return Error::fmt("%s: image size 0x%lx is not a page multiple", src, d.image_size);
  for (uint32_t i = 0; i < d.nlibs; i++) {
    const DescLib &l = d.libs[i];
    if (l.object_size == 0 || !page_aligned(l.object_size))
      return Error::fmt("%s: library '%s': object size 0x%lx is not a non-zero page multiple", src, l.name,
                        l.object_size);
  }
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    if (!page_aligned(m.vaddr) || !page_aligned(m.size) || m.size == 0)
      return Error::fmt("%s: map %u at 0x%lx size 0x%lx: address and size must be page-aligned and non-zero", src, i,
                        m.vaddr, m.size);
    if (!range_in(m.vaddr, m.size, kMinAddr, kUserTop))
      return Error::fmt("%s: map %u [0x%lx, +0x%lx) is outside user address space", src, i, m.vaddr, m.size);
    if ((m.prot & kProtW) && (m.prot & kProtX))
      return Error::fmt("%s: map %u at 0x%lx is writable and executable (W^X)", src, i, m.vaddr);
    if (m.source == MapSource::Pool) {
      const DescLib &l = d.libs[m.lib];
      if (m.prot & kProtW)
        return Error::fmt("%s: map %u at 0x%lx maps pool object of '%s' writable; pool pages are read-only", src, i,
                          m.vaddr, l.name);
      if (!page_aligned(m.offset) || !range_in(m.offset, m.size, 0, l.object_size))
        return Error::fmt("%s: map %u at 0x%lx: offset 0x%lx size 0x%lx is outside object of '%s' (size 0x%lx)", src,
                          i, m.vaddr, m.offset, m.size, l.name, l.object_size);
    } else {
      if (m.filesz > m.size)
        return Error::fmt("%s: map %u at 0x%lx: image bytes 0x%lx exceed map size 0x%lx", src, i, m.vaddr, m.filesz,
                          m.size);
      if (!page_aligned(m.offset) || !range_in(m.offset, page_up(m.filesz), 0, d.image_size))
        return Error::fmt("%s: map %u at 0x%lx: image range 0x%lx+0x%lx is outside the image (size 0x%lx)", src, i,
                          m.vaddr, m.offset, m.filesz, d.image_size);
    }
    for (uint32_t j = 0; j < i; j++) {
      const DescMap &o = d.maps[j];
      if (m.vaddr < o.vaddr + o.size && o.vaddr < m.vaddr + m.size)
        return Error::fmt("%s: map %u [0x%lx, 0x%lx) overlaps map %u [0x%lx, 0x%lx)", src, i, m.vaddr,
                          m.vaddr + m.size, j, o.vaddr, o.vaddr + o.size);
    }
  }
  int e = find_map(d, d.entry, 1);
  if (e < 0 || !(d.maps[e].prot & kProtX))
    return Error::fmt("%s: entry 0x%lx is not inside an executable map", src, d.entry);
  if (d.phnum == 0 || d.phnum > 512) return Error::fmt("%s: phdr count %u out of range 1..512", src, d.phnum);
  int p = find_map(d, d.phdr, uint64_t{d.phnum} * 56);
  if (p < 0 || !(d.maps[p].prot & kProtR) || (d.phdr & 7))
    return Error::fmt("%s: program headers at 0x%lx (%u entries) are not inside one readable map", src, d.phdr,
                      d.phnum);
  if (d.tls.present) {
    const DescTls &t = d.tls;
    if (t.filesz > t.memsz || t.align == 0 || (t.align & (t.align - 1)) || t.align > kPageSize)
      return Error::fmt("%s: TLS template: file size 0x%lx, memory size 0x%lx, alignment 0x%lx are inconsistent", src,
                        t.filesz, t.memsz, t.align);
    if (t.filesz && find_map(d, t.vaddr, t.filesz) < 0)
      return Error::fmt("%s: TLS template at 0x%lx (0x%lx bytes) is not inside a map", src, t.vaddr, t.filesz);
  }
  return {};
}

Status parse_desc(const char *text, size_t len, const char *src, Desc *d) {
  d->reset();
  if (len == 0) return Error::fmt("%s: empty file", src);
  if (len > kDescMaxBytes) return Error::fmt("%s: %zu bytes, larger than the %zu-byte limit", src, len, kDescMaxBytes);
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
  if (!(seen & 16)) return Error::fmt("%s: missing 'entry' line", src);
  if (!(seen & 32)) return Error::fmt("%s: missing 'phdr' line", src);
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
  o.put("uk-slt-desc %d\n", kDescVersion);
  o.put("app %s\nplatform %s\n", d.app, d.platform);
  if (d.elf[0]) o.put("elf %s\n", d.elf);
  o.put("image %s 0x%lx\n", d.image, d.image_size);
  o.put("entry 0x%lx\nphdr 0x%lx %u\n", d.entry, d.phdr, d.phnum);
  if (d.tls.present) o.put("tls 0x%lx 0x%lx 0x%lx 0x%lx\n", d.tls.vaddr, d.tls.filesz, d.tls.memsz, d.tls.align);
  for (uint32_t i = 0; i < d.nlibs; i++)
    o.put("lib %s %s %s 0x%lx\n", d.libs[i].name, d.libs[i].id, d.libs[i].object, d.libs[i].object_size);
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    char p[4];
    prot_string(m.prot, p);
    if (m.source == MapSource::Pool)
      o.put("map 0x%lx 0x%lx %s pool %s 0x%lx\n", m.vaddr, m.size, p, d.libs[m.lib].name, m.offset);
    else
      o.put("map 0x%lx 0x%lx %s image 0x%lx 0x%lx\n", m.vaddr, m.size, p, m.offset, m.filesz);
  }
  o.put("end\n");
  return o.overflow ? 0 : o.len;
}

} // namespace uk
