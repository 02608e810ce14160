#include "image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "elf_view.h"
#include "printable.h"

namespace uk::dyn {
namespace {

constexpr uint64_t kMaxImageSpan = uint64_t{1} << 36; // 64 GiB of address space per object

uint64_t page_down(uint64_t v) { return v & ~(kPage - 1); }
uint64_t page_up(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }
bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

int prot_of(uint32_t flags) {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

const char *flag_str(uint32_t f) {
  static const char *const s[] = {"---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"};
  return s[(f & PF_R ? 4 : 0) | (f & PF_W ? 2 : 0) | (f & PF_X ? 1 : 0)];
}

constexpr uint64_t kMaxHeaderBytes = 64 * 1024; // program headers must be within the first 64 KiB

Status read_exactly(int fd, uint8_t *buf, size_t n, const char *name) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, buf + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::fmt("%s: read failed: %s", name, std::strerror(errno));
    if (r == 0) return Error::fmt("%s: file shrank while being read", name);
    got += static_cast<size_t>(r);
  }
  return {};
}

struct Fd {
  int fd;
  ~Fd() { close(fd); }
};

// Program headers: what the loader needs, every value checked.
Status read_program_headers(const ElfView &v, DynObject &o) {
  const char *n = o.name;
  const Elf64_Ehdr &eh = v.ehdr();
  if (eh.e_type == ET_EXEC)
    return Error::fmt("%s: is a fixed-address executable (ET_EXEC); uk-dyn-run loads shared objects and "
                      "position-independent executables (ET_DYN)", n);
  if (eh.e_type != ET_DYN) return Error::fmt("%s: is not a shared object or position-independent executable", n);
  if (eh.e_phnum == 0) return Error::fmt("%s: has no program headers", n);
  bool have_dyn = false;
  for (size_t i = 0; i < eh.e_phnum; i++) {
    const Elf64_Phdr &p = v.phdr(i);
    switch (p.p_type) {
    case PT_LOAD: {
      if (o.nseg == kMaxLoadSegments) return Error::fmt("%s: more than %zu PT_LOAD segments", n, kMaxLoadSegments);
      uint64_t end;
      if (p.p_memsz == 0) break; // maps nothing
      if (p.p_memsz > kMaxImageSpan)
        return Error::fmt("%s: segment %zu (vaddr 0x%lx, 0x%lx bytes in memory) is larger than the 64 GiB an object "
                          "may span", n, i, static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      if (__builtin_add_overflow(p.p_vaddr, p.p_memsz, &end) || end > (uint64_t{1} << 47))
        return Error::fmt("%s: segment %zu (vaddr 0x%lx, 0x%lx bytes) is outside the address space", n, i,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      if ((p.p_vaddr - p.p_offset) % kPage)
        return Error::fmt("%s: segment %zu: vaddr 0x%lx and file offset 0x%lx differ modulo the page size", n, i,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_offset));
      if ((p.p_flags & PF_W) && (p.p_flags & PF_X))
        return Error::fmt("%s: segment %zu (vaddr 0x%lx) is writable and executable (W^X)", n, i,
                          static_cast<unsigned long>(p.p_vaddr));
      if (o.nseg) {
        const LoadSegment &prev = o.seg[o.nseg - 1];
        if (page_down(p.p_vaddr) < page_up(prev.vaddr + prev.memsz))
          return Error::fmt("%s: segment %zu (vaddr 0x%lx) overlaps or shares a page with the previous one, or "
                            "segments are not in address order", n, i, static_cast<unsigned long>(p.p_vaddr));
      }
      o.seg[o.nseg++] = LoadSegment{p.p_vaddr, p.p_memsz, p.p_filesz, p.p_offset, p.p_flags};
      break;
    }
    case PT_DYNAMIC:
      if (have_dyn) return Error::fmt("%s: more than one PT_DYNAMIC", n);
      have_dyn = true;
      o.dyn_vaddr = p.p_vaddr;
      o.dyn_size = p.p_memsz;
      if (p.p_memsz < sizeof(Elf64_Dyn) || (p.p_vaddr & 7))
        return Error::fmt("%s: PT_DYNAMIC (vaddr 0x%lx, 0x%lx bytes) is misaligned or too small", n,
                          static_cast<unsigned long>(p.p_vaddr), static_cast<unsigned long>(p.p_memsz));
      break;
    case PT_TLS:
      if (o.has_tls) return Error::fmt("%s: more than one PT_TLS", n);
      if (p.p_align > 1 && !pow2(p.p_align))
        return Error::fmt("%s: PT_TLS alignment 0x%lx is not a power of two", n,
                          static_cast<unsigned long>(p.p_align));
      if (p.p_align > kPage || p.p_memsz > (uint64_t{1} << 30))
        return Error::fmt("%s: PT_TLS (0x%lx bytes, alignment 0x%lx) is too large", n,
                          static_cast<unsigned long>(p.p_memsz), static_cast<unsigned long>(p.p_align));
      o.has_tls = true;
      o.tls_vaddr = p.p_vaddr;
      o.tls_filesz = p.p_filesz;
      o.tls_memsz = p.p_memsz;
      o.tls_align = p.p_align ? p.p_align : 1;
      break;
    case PT_GNU_RELRO:
      o.relro_vaddr = p.p_vaddr;
      o.relro_size = p.p_memsz;
      break;
    default: // PT_INTERP (we are the interpreter), PT_PHDR, PT_NOTE, PT_GNU_*: nothing to do
      break;
    }
  }
  if (o.nseg == 0) return Error::fmt("%s: has no PT_LOAD segment", n);
  if (!have_dyn)
    return Error::fmt("%s: has no PT_DYNAMIC (a static executable?); uk-dyn-run loads dynamically linked objects", n);
  UK_TRY(o.at(o.dyn_vaddr, o.dyn_size, PF_R, "PT_DYNAMIC"));
  if (o.has_tls) UK_TRY(o.at(o.tls_vaddr, o.tls_filesz, PF_R, "PT_TLS initialisation image"));
  if (o.relro_size) {
    // Its page-rounded range (what mprotect covers: ld may pad p_memsz to
    // the end of the page) must lie in one writable segment's pages.
    uint64_t start = page_down(o.relro_vaddr), end = page_down(o.relro_vaddr + o.relro_size);
    bool ok = false;
    for (size_t i = 0; i < o.nseg; i++) {
      const LoadSegment &s = o.seg[i];
      if ((s.flags & PF_W) && o.relro_vaddr >= s.vaddr && start >= page_down(s.vaddr) &&
          end <= page_up(s.vaddr + s.memsz) && o.relro_vaddr < s.vaddr + s.memsz)
        ok = true;
    }
    if (!ok || o.relro_vaddr + o.relro_size < o.relro_vaddr)
      return Error::fmt("%s: PT_GNU_RELRO at 0x%lx (0x%lx bytes) is not inside a writable segment", n,
                        static_cast<unsigned long>(o.relro_vaddr), static_cast<unsigned long>(o.relro_size));
  }
  if (o.is_main) UK_TRY(o.at(eh.e_entry, 1, PF_X, "entry point"));
  o.entry = eh.e_entry;
  return {};
}

Status map_segments(int fd, DynObject &o, Stats &stats, bool populate_data) {
  uint64_t lo = page_down(o.seg[0].vaddr), hi = page_up(o.seg[o.nseg - 1].vaddr + o.seg[o.nseg - 1].memsz);
  if (hi - lo > kMaxImageSpan)
    return Error::fmt("%s: load segments span 0x%lx bytes (more than 64 GiB)", o.name,
                      static_cast<unsigned long>(hi - lo));
  // One mapping reserves the whole image, as musl's ldso does: the first
  // segment's file pages with the length of the whole span. Every other
  // segment is then mapped over it with MAP_FIXED (inside our own
  // reservation only), and any page no segment covers becomes PROT_NONE.
  const LoadSegment &first = o.seg[0];
  bool first_from_file = first.filesz && !(first.flags & PF_W);
  void *r = first_from_file ? mmap(nullptr, hi - lo, prot_of(first.flags), MAP_PRIVATE, fd,
                                   static_cast<off_t>(page_down(first.offset)))
                            : mmap(nullptr, hi - lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED)
    return Error::fmt("%s: cannot reserve 0x%lx bytes of address space: %s", o.name,
                      static_cast<unsigned long>(hi - lo), std::strerror(errno));
  o.map_start = reinterpret_cast<uint64_t>(r);
  o.map_len = hi - lo;
  o.base = o.map_start - lo;
  uint64_t covered = lo; // pages below this are mapped as they must be
  for (size_t i = 0; i < o.nseg; i++) {
    const LoadSegment &s = o.seg[i];
    int prot = prot_of(s.flags);
    // The file pages of writable segments are written at once (relocations,
    // GOT, data): fault them in with the mapping rather than one trap per
    // page, at most as many pages as the file has. Never bss: it stays
    // untouched anonymous memory until the program uses it, however large
    // p_memsz is. Nothing is populated for --dry-run.
    int populate = (s.flags & PF_W) && populate_data ? MAP_POPULATE : 0;
    uint64_t file_end = s.vaddr + s.filesz, mem_end = s.vaddr + s.memsz, anon_from = page_down(s.vaddr);
    if (page_down(s.vaddr) > covered) { // a hole between segments
      if (mmap(reinterpret_cast<void *>(o.base + covered), page_down(s.vaddr) - covered, PROT_NONE,
               MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED)
        return Error::fmt("%s: cannot protect the hole at vaddr 0x%lx: %s", o.name, static_cast<unsigned long>(covered),
                          std::strerror(errno));
    }
    if (s.filesz) {
      bool zero_tail = s.memsz > s.filesz && (file_end % kPage);
      uint64_t len = page_up(file_end) - page_down(s.vaddr);
      void *m = reinterpret_cast<void *>(o.base + page_down(s.vaddr));
      if (i > 0 || !first_from_file || zero_tail) {
        m = mmap(m, len, prot | (zero_tail ? PROT_WRITE : 0), MAP_PRIVATE | MAP_FIXED | populate, fd,
                 static_cast<off_t>(page_down(s.offset)));
        if (m == MAP_FAILED)
          return Error::fmt("%s: cannot map segment at vaddr 0x%lx: %s", o.name, static_cast<unsigned long>(s.vaddr),
                            std::strerror(errno));
      }
      stats.pages_file += len / kPage;
      if (zero_tail) { // the start of bss shares the last file page
        std::memset(reinterpret_cast<void *>(o.base + file_end), 0, page_up(file_end) - file_end);
        if (!(prot & PROT_WRITE)) mprotect(m, len, prot);
      }
      anon_from = page_up(file_end);
    }
    uint64_t anon_to = page_up(mem_end);
    if (anon_to > anon_from) {
      void *m = mmap(reinterpret_cast<void *>(o.base + anon_from), anon_to - anon_from, prot,
                     MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED)
        return Error::fmt("%s: cannot map bss at vaddr 0x%lx: %s", o.name, static_cast<unsigned long>(anon_from),
                          std::strerror(errno));
      stats.pages_anon += (anon_to - anon_from) / kPage;
    }
    covered = page_up(mem_end);
  }
  return {};
}

} // namespace

Result<DynObject *> map_object(int fd, const struct stat *known, const char *path, const char *name, bool is_main,
                               bool populate, Arena &arena, Stats &stats, bool verbose) {
  Fd closer{fd};
  // The name for messages: the path may hold any byte (a DT_NEEDED name
  // from the object's string table is part of it).
  Shown shown(name);
  name = shown.s;
  struct stat st;
  if (known) st = *known;
  else if (fstat(fd, &st) != 0) return Error::fmt("%s: cannot stat: %s", name, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Error::fmt("%s: not a regular file", name);
  if (st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr)))
    return Error::fmt("%s: truncated ELF header (%ld bytes)", name, static_cast<long>(st.st_size));
  // The ELF header and the program headers are all the loader reads from
  // the file itself (ld.so never uses section headers): one pread of the
  // first page, or of the first 64 KiB if the program headers lie beyond.
  alignas(8) static uint8_t first_page[kPage];
  uint8_t *hdr = first_page;
  size_t want = static_cast<size_t>(st.st_size) < sizeof first_page ? static_cast<size_t>(st.st_size) : sizeof first_page;
  UK_TRY(read_exactly(fd, hdr, want, name));
  const Elf64_Ehdr *eh = reinterpret_cast<const Elf64_Ehdr *>(hdr);
  uint64_t ph_end = eh->e_phoff + uint64_t{eh->e_phnum} * sizeof(Elf64_Phdr);
  if ((eh->e_phoff > kMaxHeaderBytes || ph_end > kMaxHeaderBytes) && ph_end <= static_cast<uint64_t>(st.st_size))
    return Error::fmt("%s: program headers (offset 0x%lx, %u entries) are not within the first %lu bytes", name,
                      static_cast<unsigned long>(eh->e_phoff), eh->e_phnum, static_cast<unsigned long>(kMaxHeaderBytes));
  if (ph_end > want && ph_end <= static_cast<uint64_t>(st.st_size)) {
    auto big = arena.alloc(ph_end, 8);
    if (!big) return big.error();
    hdr = static_cast<uint8_t *>(*big);
    UK_TRY(read_exactly(fd, hdr, ph_end, name));
  }
  // Validated by ElfView against the file's size; its section header checks
  // are skipped (e_shoff cleared in our copy) as the loader never reads them.
  reinterpret_cast<Elf64_Ehdr *>(hdr)->e_shoff = 0;
  auto view = ElfView::parse(hdr, static_cast<size_t>(st.st_size), name);
  if (!view) return view.error();
  auto op = arena.make<DynObject>(1);
  if (!op) return op.error();
  DynObject &o = **op;
  new (&o) DynObject();
  auto p = arena.dup(path);
  if (!p) return p.error();
  auto nm = arena.dup(name);
  if (!nm) return nm.error();
  o.path = *p;
  o.name = *nm;
  o.is_main = is_main;
  o.dev = st.st_dev;
  o.ino = st.st_ino;
  UK_TRY(read_program_headers(*view, o));
  auto ph = arena.make<Elf64_Phdr>(view->phnum());
  if (!ph) return ph.error();
  std::memcpy(*ph, &view->phdr(0), view->phnum() * sizeof(Elf64_Phdr));
  o.phdrs = *ph;
  o.phnum = view->phnum();
  UK_TRY(map_segments(fd, o, stats, populate));
  stats.objects++;
  if (verbose) {
    std::fprintf(stderr, "uk-dyn-run: load %s at 0x%lx\n", o.name, static_cast<unsigned long>(o.base));
    for (size_t i = 0; i < o.nseg; i++)
      std::fprintf(stderr, "uk-dyn-run:   0x%lx-0x%lx %s file 0x%lx bytes\n",
                   static_cast<unsigned long>(o.base + o.seg[i].vaddr),
                   static_cast<unsigned long>(o.base + o.seg[i].vaddr + o.seg[i].memsz), flag_str(o.seg[i].flags),
                   static_cast<unsigned long>(o.seg[i].filesz));
  }
  return &o;
}

Status protect_relro(const DynObject &o) {
  if (!o.relro_size) return {};
  uint64_t start = (o.base + o.relro_vaddr) & ~(kPage - 1), end = (o.base + o.relro_vaddr + o.relro_size) & ~(kPage - 1);
  if (end <= start) return {};
  if (mprotect(reinterpret_cast<void *>(start), end - start, PROT_READ) != 0)
    return Error::fmt("%s: cannot make RELRO read-only: %s", o.name, std::strerror(errno));
  return {};
}

} // namespace uk::dyn
