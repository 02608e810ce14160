#include "mapper.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "layout.h"
#include "pool.h"
#include "relocate.h"
#include "sha256.h"
#include "stack_room.h"

namespace uk {
namespace {

int prot_flags(uint8_t p) {
  return ((p & kProtR) ? PROT_READ : 0) | ((p & kProtW) ? PROT_WRITE : 0) | ((p & kProtX) ? PROT_EXEC : 0);
}

// Names a map in errors: the desc, the map's index, block and address.
struct MapName {
  const char *desc;
  const Desc &d;
  uint32_t index;
};

Status map_at(uint64_t vaddr, uint64_t len, int prot, int flags, int fd, uint64_t off, const MapName &n,
              const char *what) {
  const DescMap &m = n.d.maps[n.index];
  void *want = reinterpret_cast<void *>(vaddr);
  // MAP_FIXED only over a reservation of our own (layout aslr); else never replace anything.
  if (!(flags & MAP_FIXED)) flags |= MAP_FIXED_NOREPLACE;
  void *got = mmap(want, len, prot, flags, fd, static_cast<off_t>(off));
  if (got == MAP_FAILED) {
    int e = errno;
    if (e == EEXIST)
      return Error::fmt("%s: map %u (block %s +0x%lx, %s): [0x%lx, 0x%lx) collides with memory already mapped in the "
                        "loader",
                        n.desc, n.index, n.d.blocks[m.block].name, static_cast<unsigned long>(m.off), what,
                        static_cast<unsigned long>(vaddr), static_cast<unsigned long>(vaddr + len));
    return Error::fmt("%s: map %u (block %s +0x%lx, %s): cannot map [0x%lx, 0x%lx): %s", n.desc, n.index,
                      n.d.blocks[m.block].name, static_cast<unsigned long>(m.off), what,
                      static_cast<unsigned long>(vaddr), static_cast<unsigned long>(vaddr + len), std::strerror(e));
  }
  if (got != want) { // kernel without MAP_FIXED_NOREPLACE: treat as a collision
    munmap(got, len);
    return Error::fmt("%s: map %u: kernel placed [0x%lx, +0x%lx) elsewhere (no MAP_FIXED_NOREPLACE?)", n.desc,
                      n.index, static_cast<unsigned long>(vaddr), static_cast<unsigned long>(len));
  }
  note_fixed_mapping(vaddr, vaddr + len); // for the initial stack's room check
  return {};
}

// Path of `rel` next to the desc.
Status sibling(const char *desc_path, const char *rel, char *out, size_t cap) {
  const char *slash = std::strrchr(desc_path, '/');
  int n = slash ? std::snprintf(out, cap, "%.*s/%s", static_cast<int>(slash - desc_path), desc_path, rel)
                : std::snprintf(out, cap, "%s", rel);
  if (n < 0 || static_cast<size_t>(n) >= cap) return Error::fmt("%s: path of %s is too long", desc_path, rel);
  return {};
}

// The image's bytes against the desc's sha256 (--verify).
Status verify_image(int fd, const Desc &d, const char *image_path) {
  static uint8_t buf[64 * 1024]; // static: the loader's stack stays small; released before entry
  Sha256 h;
  uint64_t done = 0;
  while (done < d.image_size) {
    ssize_t n = pread(fd, buf, sizeof buf, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fmt("%s: cannot read the private image: %s", image_path, std::strerror(errno));
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  char hex[kSha256HexLen + 1];
  h.final_hex(hex);
  if (done != d.image_size || std::strcmp(hex, d.image_sha256) != 0)
    return Error::fmt("%s: private image content does not match the desc's sha256 (tampered or stale image?)",
                      image_path);
  return {};
}

// --verify only: the object's path and library name the error.
[[gnu::noinline]] Status verify_object(int fd, const char *pool_dir, const DescLib &lib) {
  char what[4096 + 64];
  std::snprintf(what, sizeof what, "%s/%s (library %s)", pool_dir, lib.object, lib.name);
  return verify_pool_object(fd, lib.object_size, lib.object, what);
}

} // namespace

Status map_unikernel(Desc *dp, const char *desc_path, const char *pool_dir, const MapOptions &opt, MapStats *stats) {
  Desc &d = *dp;
  // Open every pool object first: all checks before any mapping.
  int lib_fd[kDescMaxLibs];
  auto dirfd = open_pool_dir(pool_dir);
  if (!dirfd) return dirfd.error();
  for (uint32_t i = 0; i < d.nlibs; i++) {
    auto fd = open_pool_object(*dirfd, pool_dir, d.libs[i].object, d.libs[i].object_size);
    if (fd && opt.verify) {
      if (Status v = verify_object(*fd, pool_dir, d.libs[i]); !v) {
        close(*fd);
        fd = v.error();
      }
    }
    if (!fd) {
      for (uint32_t j = 0; j < i; j++) close(lib_fd[j]);
      close(*dirfd);
      return fd.error();
    }
    lib_fd[i] = *fd;
  }
  close(*dirfd);
  auto close_all = [&] {
    for (uint32_t j = 0; j < d.nlibs; j++) close(lib_fd[j]);
  };
  static char image_path[4096]; // static: keeps the loader's stack (and its page faults) small
  Status s = sibling(desc_path, d.image, image_path, sizeof image_path);
  if (!s) {
    close_all();
    return s;
  }
  int img = open(image_path, O_RDONLY | O_NONBLOCK); // closed before entry
  struct stat st;
  if (img < 0 || fstat(img, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != d.image_size) {
    Error e = img < 0 ? Error::fmt("%s: cannot open private image: %s", image_path, std::strerror(errno))
              : !S_ISREG(st.st_mode)
                  ? Error::fmt("%s: private image is not a regular file", image_path)
                  : Error::fmt("%s: private image has %ld bytes, the desc expects %lu (truncated or stale?)",
                               image_path, static_cast<long>(st.st_size), static_cast<unsigned long>(d.image_size));
    if (img >= 0) close(img);
    close_all();
    return e;
  }
  if (opt.verify) s = verify_image(img, d, image_path);

  // Layout aslr: check every relocation, then choose and reserve the bases.
  static bool written[kDescMaxMaps]; // maps that receive relocations
  RelocTable relocs;
  const bool aslr = d.layout == Layout::Aslr;
  if (s && aslr) s = read_relocs(d, img, desc_path, &relocs, written);
  if (s && aslr) s = place_blocks(&d, relocs.entries, relocs.count, relocs.any_pc32, opt.rng, desc_path, &stats->place);

  for (uint32_t i = 0; i < d.nmaps && s; i++) {
    const DescMap &m = d.maps[i];
    const MapName name{desc_path, d, i};
    const uint64_t vaddr = d.map_addr(m);
    // A map that receives relocations is writable (never executable) until they are written.
    int prot = written[i] ? PROT_READ | PROT_WRITE : prot_flags(m.prot);
    // aslr: over the block's own PROT_NONE reservation (MAP_FIXED replaces only it).
    int fixed = aslr ? MAP_FIXED : 0;
    if (m.source == MapSource::Pool) {
      // Shared, read-only, from an O_RDONLY fd: never writable, not even CoW.
      s = map_at(vaddr, m.size, prot, MAP_SHARED | fixed, lib_fd[m.lib], m.offset, name, "pool object");
      stats->shared_pages += m.size / kPageSize;
    } else {
      uint64_t file_part = page_up(m.filesz);
      if (file_part) s = map_at(vaddr, file_part, prot, MAP_PRIVATE | fixed, img, m.offset, name, "image");
      // The bytes after filesz in its last page must read as zero, as the
      // kernel's ELF loader guarantees for bss. Usually they are already; if
      // not, a map without write access is made read-write (never
      // executable) for the memset, then given its protection back.
      if (s && file_part != m.filesz) {
        uint8_t *rest = reinterpret_cast<uint8_t *>(vaddr + m.filesz);
        size_t n = file_part - m.filesz;
        bool zero = true;
        for (size_t k = 0; k < n && zero; k++) zero = rest[k] == 0;
        void *last = reinterpret_cast<void *>(page_down(vaddr + m.filesz));
        bool ro = !(prot & PROT_WRITE);
        if (!zero && ro && mprotect(last, kPageSize, PROT_READ | PROT_WRITE) != 0)
          s = Error::fmt("%s: cannot zero the tail of [0x%lx, 0x%lx): %s", image_path,
                         static_cast<unsigned long>(vaddr), static_cast<unsigned long>(vaddr + file_part),
                         std::strerror(errno));
        if (s && !zero) std::memset(rest, 0, n);
        if (s && !zero && ro && mprotect(last, kPageSize, prot) != 0)
          s = Error::fmt("%s: cannot protect [0x%lx, 0x%lx): %s", image_path, static_cast<unsigned long>(vaddr),
                         static_cast<unsigned long>(vaddr + file_part), std::strerror(errno));
      }
      if (s && m.size > file_part)
        s = map_at(vaddr + file_part, m.size - file_part, prot, MAP_PRIVATE | MAP_ANONYMOUS | fixed, -1, 0, name,
                   "zero pages");
      stats->private_pages += m.size / kPageSize;
    }
    stats->maps++;
    if (opt.verbose && s) {
      char p[4];
      prot_string(m.prot, p);
      std::fprintf(stderr, "uk-slt-run: map 0x%lx-0x%lx %s %s %s+0x%lx\n", static_cast<unsigned long>(vaddr),
                   static_cast<unsigned long>(vaddr + m.size), p, m.source == MapSource::Pool ? "shared" : "private",
                   m.source == MapSource::Pool ? d.libs[m.lib].name : d.image, static_cast<unsigned long>(m.offset));
    }
  }
  if (aslr && relocs.entries) {
    if (s) s = apply_relocs(d, &relocs, desc_path, written);
    else munmap(relocs.mapping, relocs.mapping_len);
    stats->relocs = relocs.relocs;
    stats->slots = relocs.slots;
  }
  // Final protections of the relocated maps (their PROT in the desc).
  for (uint32_t i = 0; i < d.nmaps && s; i++) {
    if (!written[i]) continue;
    const DescMap &m = d.maps[i];
    if (mprotect(reinterpret_cast<void *>(d.map_addr(m)), m.size, prot_flags(m.prot)) != 0)
      s = Error::fmt("%s: map %u (block %s +0x%lx): mprotect after relocation failed: %s", desc_path, i,
                     d.blocks[m.block].name, static_cast<unsigned long>(m.off), std::strerror(errno));
  }
  close(img);
  close_all();
  return s;
}

} // namespace uk
