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
#include "stack_room.h"

namespace uk {
namespace {

int prot_flags(uint8_t p) {
  return ((p & kProtR) ? PROT_READ : 0) | ((p & kProtW) ? PROT_WRITE : 0) | ((p & kProtX) ? PROT_EXEC : 0);
}

Status map_at(uint64_t vaddr, uint64_t len, int prot, int flags, int fd, uint64_t off, const char *what) {
  void *want = reinterpret_cast<void *>(vaddr);
  void *got = mmap(want, len, prot, flags | MAP_FIXED_NOREPLACE, fd, static_cast<off_t>(off));
  if (got == MAP_FAILED) {
    int e = errno;
    if (e == EEXIST)
      return Error::fmt("%s: [0x%lx, 0x%lx) collides with memory already mapped in the loader", what,
                        static_cast<unsigned long>(vaddr), static_cast<unsigned long>(vaddr + len));
    return Error::fmt("%s: cannot map [0x%lx, 0x%lx): %s", what, static_cast<unsigned long>(vaddr),
                      static_cast<unsigned long>(vaddr + len), std::strerror(e));
  }
  if (got != want) { // kernel without MAP_FIXED_NOREPLACE: treat as a collision
    munmap(got, len);
    return Error::fmt("%s: kernel placed [0x%lx, +0x%lx) elsewhere (no MAP_FIXED_NOREPLACE?)", what,
                      static_cast<unsigned long>(vaddr), static_cast<unsigned long>(len));
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

// --verify only: the object's path and library name the error.
[[gnu::noinline]] Status verify_object(int fd, const char *pool_dir, const DescLib &lib) {
  char what[4096 + 64];
  std::snprintf(what, sizeof what, "%s/%s (library %s)", pool_dir, lib.object, lib.name);
  return verify_pool_object(fd, lib.object_size, lib.object, what);
}

} // namespace

Status map_unikernel(const Desc &d, const char *desc_path, const char *pool_dir, bool verbose, MapStats *stats,
                     bool verify) {
  // Open every pool object first: all checks before any mapping.
  int lib_fd[kDescMaxLibs];
  auto dirfd = open_pool_dir(pool_dir);
  if (!dirfd) return dirfd.error();
  for (uint32_t i = 0; i < d.nlibs; i++) {
    auto fd = open_pool_object(*dirfd, pool_dir, d.libs[i].object, d.libs[i].object_size);
    if (fd && verify) {
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

  for (uint32_t i = 0; i < d.nmaps && s; i++) {
    const DescMap &m = d.maps[i];
    int prot = prot_flags(m.prot);
    if (m.source == MapSource::Pool) {
      // Shared, read-only, from an O_RDONLY fd: never writable, not even CoW.
      s = map_at(m.vaddr, m.size, prot, MAP_SHARED, lib_fd[m.lib], m.offset, d.libs[m.lib].name);
      stats->shared_pages += m.size / kPageSize;
    } else {
      uint64_t file_part = page_up(m.filesz);
      if (file_part) s = map_at(m.vaddr, file_part, prot, MAP_PRIVATE, img, m.offset, image_path);
      // The bytes after filesz in its last page must read as zero, as the
      // kernel's ELF loader guarantees for bss. Usually they are already; if
      // not, a map without write access is made read-write (never
      // executable) for the memset, then given its final protection back.
      if (s && file_part != m.filesz) {
        uint8_t *rest = reinterpret_cast<uint8_t *>(m.vaddr + m.filesz);
        size_t n = file_part - m.filesz;
        bool zero = true;
        for (size_t k = 0; k < n && zero; k++) zero = rest[k] == 0;
        void *last = reinterpret_cast<void *>(page_down(m.vaddr + m.filesz));
        bool ro = !(m.prot & kProtW);
        if (!zero && ro && mprotect(last, kPageSize, PROT_READ | PROT_WRITE) != 0)
          s = Error::fmt("%s: cannot zero the tail of [0x%lx, 0x%lx): %s", image_path,
                         static_cast<unsigned long>(m.vaddr), static_cast<unsigned long>(m.vaddr + file_part),
                         std::strerror(errno));
        if (s && !zero) std::memset(rest, 0, n);
        if (s && !zero && ro && mprotect(last, kPageSize, prot) != 0)
          s = Error::fmt("%s: cannot protect [0x%lx, 0x%lx): %s", image_path, static_cast<unsigned long>(m.vaddr),
                         static_cast<unsigned long>(m.vaddr + file_part), std::strerror(errno));
      }
      if (s && m.size > file_part)
        s = map_at(m.vaddr + file_part, m.size - file_part, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, "bss");
      stats->private_pages += m.size / kPageSize;
    }
    stats->maps++;
    if (verbose && s) {
      char p[4];
      prot_string(m.prot, p);
      std::fprintf(stderr, "uk-slt-run: map 0x%lx-0x%lx %s %s %s+0x%lx\n", static_cast<unsigned long>(m.vaddr),
                   static_cast<unsigned long>(m.vaddr + m.size), p, m.source == MapSource::Pool ? "shared" : "private",
                   m.source == MapSource::Pool ? d.libs[m.lib].name : d.image, static_cast<unsigned long>(m.offset));
    }
  }
  close(img);
  close_all();
  return s;
}

} // namespace uk
