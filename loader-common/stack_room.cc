#include "stack_room.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "layout.h"

namespace uk {
namespace {

// /proc/self/maps of a loader is a few dozen lines; more is read in pieces.
char g_maps[16384];
// Highest end of a fixed mapping that starts below the stack pointer.
uint64_t g_fixed_end_below_sp = 0;
// mincore's vector for the fast path: enough for the largest block
// build_initial_stack makes (512 KiB) and its margin.
unsigned char g_incore[160];

uint64_t stack_pointer() { return reinterpret_cast<uint64_t>(__builtin_frame_address(0)); }

uint64_t hex(const char *&p, const char *end) {
  uint64_t v = 0;
  for (; p < end; p++) {
    char c = *p;
    unsigned d = c >= '0' && c <= '9' ? unsigned(c - '0') : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10) : 16;
    if (d == 16) break;
    v = v << 4 | d;
  }
  return v;
}

// One maps line "start-end perms ...": false at its end.
bool parse_line(const char *&p, const char *end, uint64_t *start, uint64_t *stop, bool *accessible) {
  if (p >= end) return false;
  *start = hex(p, end);
  if (p < end && *p == '-') p++;
  *stop = hex(p, end);
  if (p < end && *p == ' ') p++;
  *accessible = false;
  for (int i = 0; i < 3 && p < end; i++, p++) *accessible |= *p != '-';
  while (p < end && *p != '\n') p++;
  if (p < end) p++;
  return true;
}

// Fills the mapping fields of v from /proc/self/maps; false if unreadable.
bool read_stack_vma(StackView *v) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool found = false;
  uint64_t last_end = 0;
  bool last_accessible = false;
  size_t keep = 0; // bytes of an incomplete line carried to the next read
  for (;;) {
    ssize_t n = read(fd, g_maps + keep, sizeof g_maps - keep);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const char *p = g_maps, *end = g_maps + keep + static_cast<size_t>(n);
    const char *last_nl = end;
    while (last_nl > p && last_nl[-1] != '\n') last_nl--;
    uint64_t start, stop;
    bool acc;
    while (p < last_nl && parse_line(p, last_nl, &start, &stop, &acc)) {
      if (v->sp >= start && v->sp < stop) {
        v->vma_start = start;
        v->vma_end = stop;
        v->prev_end = last_end;
        v->prev_accessible = last_accessible;
        found = true;
        break;
      }
      last_end = stop;
      last_accessible = acc;
    }
    if (found) break;
    keep = static_cast<size_t>(end - last_nl);
    if (keep == sizeof g_maps) break; // a line longer than the buffer: give up
    for (size_t i = 0; i < keep; i++) g_maps[i] = last_nl[i];
  }
  close(fd);
  return found;
}

} // namespace

Status stack_room(const StackView &v, uint64_t bytes) {
  if (bytes > v.sp) return Error::fmt("initial stack: %lu bytes do not fit below 0x%lx", static_cast<unsigned long>(bytes),
                                      static_cast<unsigned long>(v.sp));
  uint64_t low = page_down(v.sp - bytes);
  if (v.vma_end == 0) { // no mapping information: the limit only
    if (v.rlimit != UINT64_MAX && page_up(v.sp) - low > v.rlimit)
      return Error::fmt("initial stack: %lu bytes needed below 0x%lx, more than RLIMIT_STACK (%lu KiB) allows",
                        static_cast<unsigned long>(bytes), static_cast<unsigned long>(v.sp),
                        static_cast<unsigned long>(v.rlimit / 1024));
    return {};
  }
  if (low >= v.vma_start) return {}; // already mapped: no growth needed
  if (v.rlimit != UINT64_MAX && v.vma_end - low > v.rlimit)
    return Error::fmt("initial stack: %lu bytes needed below 0x%lx, but RLIMIT_STACK (%lu KiB) lets the stack grow "
                      "only to 0x%lx (raise ulimit -s)",
                      static_cast<unsigned long>(bytes), static_cast<unsigned long>(v.sp),
                      static_cast<unsigned long>(v.rlimit / 1024),
                      static_cast<unsigned long>(v.rlimit > v.vma_end ? 0 : page_up(v.vma_end - v.rlimit)));
  uint64_t gap = v.prev_accessible ? kStackGuardGap : 0;
  if (v.prev_end && (low < v.prev_end || low - v.prev_end < gap))
    return Error::fmt("initial stack: %lu bytes needed below 0x%lx, but the mapping ending at 0x%lx (with the "
                      "kernel's %lu KiB stack guard gap) lets the stack grow only to 0x%lx",
                      static_cast<unsigned long>(bytes), static_cast<unsigned long>(v.sp),
                      static_cast<unsigned long>(v.prev_end), static_cast<unsigned long>(gap / 1024),
                      static_cast<unsigned long>(v.prev_end + gap));
  return {};
}

void note_fixed_mapping(uint64_t start, uint64_t end) {
  if (start < stack_pointer() && end > g_fixed_end_below_sp) g_fixed_end_below_sp = end;
}

Status check_stack_room(uint64_t bytes) {
  StackView v;
  v.sp = stack_pointer();
  if (bytes <= v.sp) {
    uint64_t low = page_down(v.sp - bytes), len = page_up(v.sp) - low;
    if (len / kPageSize <= sizeof g_incore && g_fixed_end_below_sp <= low &&
        mincore(reinterpret_cast<void *>(low), len, g_incore) == 0)
      return {};
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) v.rlimit = rl.rlim_cur;
  if (!read_stack_vma(&v)) v.vma_start = v.vma_end = v.prev_end = 0;
  return stack_room(v, bytes);
}

} // namespace uk
