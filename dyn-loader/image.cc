#include "image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "headers.h"
#include "layout.h"
#include "printable.h"

namespace uk::dyn {
namespace {

int prot_of(uint32_t flags) {
  return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);
}

const char *flag_str(uint32_t f) {
  static const char *const s[] = {"---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"};
  return s[(f & PF_R ? 4 : 0) | (f & PF_W ? 2 : 0) | (f & PF_X ? 1 : 0)];
}

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
  // The ELF header and the program headers are all the loader reads from
  // the file itself (ld.so never uses section headers): one pread of the
  // first page, or of the first 64 KiB if the program headers lie beyond.
  if (st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr)))
    return Error::fmt("%s: truncated ELF header (%ld bytes)", name, static_cast<long>(st.st_size));
  alignas(8) static uint8_t first_page[kPage];
  uint8_t *hdr = first_page;
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  size_t have = file_size < sizeof first_page ? static_cast<size_t>(file_size) : sizeof first_page;
  UK_TRY(read_exactly(fd, hdr, have, name));
  auto need = header_bytes_needed(hdr, have, file_size, name);
  if (!need) return need.error();
  if (*need > have) {
    auto big = arena.alloc(*need, 8);
    if (!big) return big.error();
    hdr = static_cast<uint8_t *>(*big);
    have = *need;
    UK_TRY(read_exactly(fd, hdr, have, name));
  }
  auto op = read_object_headers(hdr, have, file_size, path, name, is_main, arena);
  if (!op) return op.error();
  DynObject &o = **op;
  o.dev = st.st_dev;
  o.ino = st.st_ino;
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
