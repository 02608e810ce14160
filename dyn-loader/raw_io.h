// Output and exit for the code that runs inside the program once it has
// started (lazy binding, --invoke, exit statistics): direct system calls,
// no stdio, no errno, no allocation, so nothing of the loader's libc state
// is touched while the program's own libc owns the process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "printable.h"

namespace uk::dyn::raw {

inline long syscall3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

inline void write_all(int fd, const char *s, size_t n) {
  while (n) {
    long w = syscall3(1 /* write */, fd, reinterpret_cast<long>(s), static_cast<long>(n));
    if (w == -4 /* EINTR */) continue;
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

[[noreturn]] inline void exit_group(int status) {
  for (;;) syscall3(231 /* exit_group */, status, 0, 0);
}

// A line built without allocation.
class Line {
public:
  Line &s(const char *t) {
    if (!t) t = "(null)";
    size_t n = std::strlen(t);
    if (n > sizeof buf_ - 1 - len_) n = sizeof buf_ - 1 - len_;
    std::memcpy(buf_ + len_, t, n);
    len_ += n;
    return *this;
  }
  // A name from an object file, escaped (printable.h).
  Line &esc(const char *t) {
    char tmp[kShownCap];
    escape_name(t, tmp);
    return s(tmp);
  }
  Line &u(uint64_t v) {
    char tmp[24];
    size_t i = sizeof tmp;
    do tmp[--i] = static_cast<char>('0' + v % 10);
    while (v /= 10);
    return put(tmp + i, sizeof tmp - i);
  }
  Line &x(uint64_t v) {
    char tmp[18];
    size_t i = sizeof tmp;
    do tmp[--i] = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    return put(tmp + i, sizeof tmp - i);
  }
  void emit(int fd) { write_all(fd, buf_, len_); }
  const char *data() const { return buf_; }
  size_t size() const { return len_; }

private:
  Line &put(const char *p, size_t n) {
    if (n > sizeof buf_ - 1 - len_) n = sizeof buf_ - 1 - len_;
    std::memcpy(buf_ + len_, p, n);
    len_ += n;
    return *this;
  }
  char buf_[512];
  size_t len_ = 0;
};

} // namespace uk::dyn::raw
