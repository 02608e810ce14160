#include "deps.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dynamic.h"
#include "image.h"
#include "printable.h"

namespace uk::dyn {
namespace {

// open(2) itself: musl's open() follows O_CLOEXEC with an extra fcntl.
// O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer;
// map_object refuses anything but a regular file from its fstat before
// reading a byte (O_NONBLOCK does nothing to a regular file).
int open_ro(const char *path) {
  return static_cast<int>(syscall(SYS_open, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK));
}

Status add_dirs(const char *list, Arena &arena, SearchPath *out) {
  if (!list) return {};
  const char *p = list;
  while (*p) {
    const char *end = std::strchr(p, ':');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (len) {
      if (out->n == kMaxSearchDirs) return Error::fmt("more than %zu library directories", kMaxSearchDirs);
      if (len >= PATH_MAX) return Error::fmt("library directory name too long (%zu bytes)", len);
      auto d = arena.alloc(len + 1, 1);
      if (!d) return d.error();
      std::memcpy(*d, p, len);
      out->dirs[out->n++] = static_cast<const char *>(*d);
    }
    if (!end) break;
    p = end + 1;
  }
  return {};
}

DynObject *already_loaded(DynObject *head, const char *name) {
  for (DynObject *o = head; o; o = o->next)
    if ((o->needed_as && std::strcmp(o->needed_as, name) == 0) || (o->soname && std::strcmp(o->soname, name) == 0))
      return o;
  return nullptr;
}

// Expands one DT_RPATH/DT_RUNPATH entry (len bytes at e) into out:
// $ORIGIN and ${ORIGIN} become `origin`.
Status expand_origin(const char *e, size_t len, const char *origin, const DynObject &o, const char *tag, char *out,
                     size_t cap) {
  size_t w = 0;
  for (size_t k = 0; k < len;) {
    const char *piece = e + k;
    size_t plen = 1, skip = 1;
    if (e[k] == '$') {
      auto ident = [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'; };
      if (len - k >= 9 && std::strncmp(e + k, "${ORIGIN}", 9) == 0) skip = 9;
      else if (len - k >= 7 && std::strncmp(e + k, "$ORIGIN", 7) == 0 && (len - k == 7 || !ident(e[k + 7]))) skip = 7;
      else
        return Error::fmt("%s: %s entry '%.*s': only $ORIGIN is supported", Shown(o.name).s, tag,
                          static_cast<int>(len > 200 ? 200 : len), e);
      piece = origin, plen = std::strlen(origin);
    }
    if (w + plen >= cap) return Error::fmt("%s: %s entry too long", Shown(o.name).s, tag);
    std::memcpy(out + w, piece, plen);
    w += plen, k += skip;
  }
  out[w] = '\0';
  return {};
}

// Tries `name` in each directory of a DT_RPATH/DT_RUNPATH list of `o`;
// the fd, -1 if not found there, or an error.
Result<int> open_in_list(const char *name, const DynObject &o, const char *list, const char *tag, const DynObject &by,
                         char *path, size_t cap) {
  static char dir[PATH_MAX]; // static: stack room is checked later (see resolve_symlinks)
  for (const char *p = list; *p;) {
    const char *end = std::strchr(p, ':');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (len) {
      UK_TRY(expand_origin(p, len, o.origin ? o.origin : ".", o, tag, dir, sizeof dir));
      int w = std::snprintf(path, cap, "%s/%s", dir, name);
      if (w >= 0 && static_cast<size_t>(w) < cap) {
        int fd = open_ro(path);
        if (fd >= 0) return fd;
        if (errno != ENOENT && errno != ENOTDIR)
          return Error::fmt("%s: cannot open: %s (needed by %s)", Shown(path).s, std::strerror(errno), by.name);
      }
    }
    if (!end) break;
    p = end + 1;
  }
  return -1;
}

// dirs[from..to) of the search path; the fd, -1 if not found there, or an error.
Result<int> open_in_dirs(const char *name, const DynObject &by, const SearchPath &sp, size_t from, size_t to,
                         char *path, size_t cap) {
  for (size_t i = from; i < to; i++) {
    int w = std::snprintf(path, cap, "%s/%s", sp.dirs[i], name);
    if (w < 0 || static_cast<size_t>(w) >= cap) continue;
    int fd = open_ro(path);
    if (fd >= 0) return fd;
    if (errno != ENOENT && errno != ENOTDIR)
      return Error::fmt("%s: cannot open: %s (needed by %s)", Shown(path).s, std::strerror(errno), by.name);
  }
  return -1;
}

// Opens `name`, needed by `by`, in the order of deps.h; *path gets the file opened.
Result<int> open_library(const char *name, const DynObject &by, const DynObject &app, const SearchPath &sp, char *path,
                         size_t cap) {
  if (std::strchr(name, '/')) {
    if (std::strlen(name) >= cap) return Error::fmt("%s: library path too long (needed by %s)", Shown(name).s, by.name);
    std::strcpy(path, name);
    int fd = open_ro(path);
    if (fd < 0) return Error::fmt("%s: cannot open: %s (needed by %s)", Shown(name).s, std::strerror(errno), by.name);
    return fd;
  }
  Result<int> fd = -1;
  if (!by.runpath) { // 1. DT_RPATH of the object, then of the app
    if (by.rpath) fd = open_in_list(name, by, by.rpath, "DT_RPATH", by, path, cap);
    if (fd && *fd < 0 && &by != &app && app.rpath && !app.runpath)
      fd = open_in_list(name, app, app.rpath, "DT_RPATH", by, path, cap);
  }
  if (fd && *fd < 0) fd = open_in_dirs(name, by, sp, 0, sp.nuser, path, cap);                   // 2., 3.
  if (fd && *fd < 0 && by.runpath) fd = open_in_list(name, by, by.runpath, "DT_RUNPATH", by, path, cap); // 4.
  if (fd && *fd < 0) fd = open_in_dirs(name, by, sp, sp.nuser, sp.n, path, cap);                // 5., 6.
  if (!fd || *fd >= 0) return fd;
  char dirs[512];
  size_t len = 0;
  dirs[0] = '\0';
  for (size_t i = 0; i < sp.n && len < sizeof dirs; i++) {
    int w = std::snprintf(dirs + len, sizeof dirs - len, "%s%s", i ? ":" : "", sp.dirs[i]);
    if (w < 0) break;
    len += static_cast<size_t>(w);
  }
  const char *own = by.runpath ? by.runpath : by.rpath;
  if (own)
    return Error::fmt("%s: library not found (needed by %s; searched %s and its %s %s)", Shown(name).s, by.name, dirs,
                      by.runpath ? "DT_RUNPATH" : "DT_RPATH", Shown(own).s);
  return Error::fmt("%s: library not found (needed by %s; searched %s)", Shown(name).s, by.name, dirs);
}

// The directory part of `path` ("." for none, "/" for "/x"), in the arena.
Result<const char *> dir_of(const char *path, Arena &arena) {
  const char *slash = std::strrchr(path, '/');
  if (!slash) {
    auto d = arena.dup(".");
    if (!d) return d.error();
    return static_cast<const char *>(*d);
  }
  size_t len = slash == path ? 1 : static_cast<size_t>(slash - path);
  auto d = arena.alloc(len + 1, 1);
  if (!d) return d.error();
  char *s = static_cast<char *>(*d);
  std::memcpy(s, path, len);
  s[len] = '\0';
  return static_cast<const char *>(s);
}

// The default directories, colon-separated; a relative one is relative to
// the directory of the loader's own executable (so an installed uk-dyn-run
// finds <prefix>/lib/uk-slt/dynamic and a built one <build>/dynlib, with no
// path of the build machine compiled in).
Status add_default_dirs(const char *list, Arena &arena, SearchPath *out) {
  if (!list || !*list) return {};
  char exe[PATH_MAX];
  ssize_t n = -1;
  for (const char *p = list; *p;) {
    const char *end = std::strchr(p, ':');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    if (len && *p != '/' && n < 0) { // read once, only if a relative entry needs it
      n = readlink("/proc/self/exe", exe, sizeof exe - 1);
      if (n < 0) return Error::fmt("cannot find the loader's own directory (/proc/self/exe): %s", std::strerror(errno));
      while (n > 0 && exe[n - 1] != '/') n--; // keep the trailing '/'
    }
    size_t head = (len && *p != '/') ? static_cast<size_t>(n) : 0;
    if (head) // "../x" from "/a/bin/": "/a/x"
      while (len >= 3 && p[0] == '.' && p[1] == '.' && p[2] == '/' && head > 1) {
        head--; // the '/' ending the directory
        while (head > 0 && exe[head - 1] != '/') head--;
        p += 3, len -= 3;
      }
    if (len) {
      if (out->n == kMaxSearchDirs) return Error::fmt("more than %zu library directories", kMaxSearchDirs);
      if (head + len >= PATH_MAX) return Error::fmt("library directory name too long (%zu bytes)", head + len);
      auto d = arena.alloc(head + len + 1, 1);
      if (!d) return d.error();
      char *dst = static_cast<char *>(*d);
      std::memcpy(dst, exe, head);
      std::memcpy(dst + head, p, len);
      dst[head + len] = '\0';
      out->dirs[out->n++] = dst;
    }
    if (!end) break;
    p = end + 1;
  }
  return {};
}

// `path` with every symlink resolved, as ld.so's $ORIGIN sees it, or `path`
// itself if it cannot be resolved. Through /proc/self/fd rather than
// realpath(3), whose two PATH_MAX buffers on the stack would take room the
// stack-room check (loader-common/stack_room.h) has not yet looked at; the
// buffer is static: the loader is single-threaded here.
const char *resolve_symlinks(const char *path) {
  static char real[PATH_MAX];
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return path;
  char proc[32];
  std::snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(proc, real, sizeof real - 1);
  close(fd);
  if (n <= 0 || real[0] != '/') return path;
  real[n] = '\0';
  return real;
}

} // namespace

Status build_search_path(const char *const *cli_paths, size_t ncli, const char *env, const char *app,
                         const char *default_dir, Arena &arena, SearchPath *out) {
  for (size_t i = 0; i < ncli; i++) UK_TRY(add_dirs(cli_paths[i], arena, out));
  UK_TRY(add_dirs(env, arena, out));
  out->nuser = out->n;
  // The app's directory through symlinks, as ld.so's $ORIGIN; if the app
  // cannot be resolved, load_all reports why it cannot be opened.
  auto origin = dir_of(resolve_symlinks(app), arena);
  if (!origin) return origin.error();
  out->app_origin = *origin;
  if (out->n < kMaxSearchDirs) out->dirs[out->n++] = out->app_origin;
  return add_default_dirs(default_dir, arena, out);
}

Result<DynObject *> load_all(const char *app, const SearchPath &sp, bool populate, Arena &arena, Stats &stats,
                             bool verbose, size_t *count) {
  int fd = open_ro(app);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", Shown(app).s, std::strerror(errno));
  auto head = map_object(fd, nullptr, app, app, true, populate, arena, stats, verbose);
  if (!head) return head.error();
  UK_TRY(parse_dynamic(**head, arena));
  (*head)->origin = sp.app_origin;
  DynObject *tail = *head;
  size_t n = 1;
  static char path[PATH_MAX]; // static: stack room is checked later (see resolve_symlinks)
  // Breadth-first: the list is the queue.
  for (DynObject *o = *head; o; o = o->next) {
    if (!o->nneeded) continue;
    auto deps = arena.make<DynObject *>(o->nneeded);
    if (!deps) return deps.error();
    o->deps = *deps;
    for (size_t i = 0; i < o->nneeded; i++) {
      const char *name = o->str(o->needed[i]); // checked in dynamic.cc
      DynObject *dep = already_loaded(*head, name);
      if (!dep) {
        auto lfd = open_library(name, *o, **head, sp, path, sizeof path);
        if (!lfd) return lfd.error();
        struct stat st;
        if (fstat(*lfd, &st) != 0) {
          int e = errno;
          close(*lfd);
          return Error::fmt("%s: cannot stat: %s", Shown(path).s, std::strerror(e));
        }
        for (DynObject *p = *head; p; p = p->next)
          if (p->dev == st.st_dev && p->ino == st.st_ino) dep = p;
        if (dep) {
          close(*lfd);
        } else {
          if (n == kMaxObjects) {
            close(*lfd);
            return Error::fmt("%s: more than %zu objects to load", Shown(app).s, kMaxObjects);
          }
          auto lo = map_object(*lfd, &st, path, path, false, populate, arena, stats, verbose);
          if (!lo) return lo.error();
          auto as = arena.dup(name);
          if (!as) return as.error();
          (*lo)->needed_as = *as;
          auto origin = dir_of(path, arena);
          if (!origin) return origin.error();
          (*lo)->origin = *origin;
          UK_TRY(parse_dynamic(**lo, arena));
          dep = *lo;
          dep->index = static_cast<unsigned>(n++);
          tail->next = dep;
          tail = dep;
        }
      }
      o->deps[o->ndeps++] = dep;
    }
  }
  *count = n;
  return *head;
}

} // namespace uk::dyn
