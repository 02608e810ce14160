// Errors are values: a message that names the source (file, address, what
// was expected). An Error is one pointer to a heap string, allocated only
// when something fails, so a Status or Result costs 8 bytes of stack on the
// success path: the loader's start-up touches fewer stack pages. No
// exceptions and no libstdc++ runtime, so the same type works in the
// musl-built loader and in the glibc-built toolchain.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace uk {

class Error {
public:
  Error() = default;
  [[gnu::format(printf, 1, 2)]] static Error fmt(const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    Error e;
    e.msg_ = vformat(format, ap);
    va_end(ap);
    return e;
  }
  // Prefixes the message with more context ("file.desc: " + msg).
  [[gnu::format(printf, 2, 3)]] Error &prefix(const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    char *head = vformat(format, ap);
    va_end(ap);
    size_t a = std::strlen(head), b = std::strlen(what());
    char *both = static_cast<char *>(std::malloc(a + b + 1));
    if (both) {
      std::memcpy(both, head, a);
      std::memcpy(both + a, what(), b + 1);
      release();
      msg_ = both;
    }
    free_owned(head);
    return *this;
  }
  const char *what() const { return msg_ ? msg_ : ""; }
  bool empty() const { return msg_ == nullptr; }

  Error(const Error &o) : msg_(o.msg_ ? dup(o.msg_) : nullptr) {}
  Error(Error &&o) noexcept : msg_(o.msg_) { o.msg_ = nullptr; }
  Error &operator=(Error o) noexcept {
    std::swap(msg_, o.msg_);
    return *this;
  }
  ~Error() { release(); }

private:
  static char kOutOfMemory[];
  static char *vformat(const char *format, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    char *s = n >= 0 ? static_cast<char *>(std::malloc(static_cast<size_t>(n) + 1)) : nullptr;
    if (!s) return kOutOfMemory;
    std::vsnprintf(s, static_cast<size_t>(n) + 1, format, ap);
    return s;
  }
  static char *dup(const char *s) {
    if (s == kOutOfMemory) return kOutOfMemory;
    size_t n = std::strlen(s) + 1;
    char *d = static_cast<char *>(std::malloc(n));
    if (!d) return kOutOfMemory;
    std::memcpy(d, s, n);
    return d;
  }
  static void free_owned(char *s) {
    if (s != kOutOfMemory) std::free(s);
  }
  void release() {
    if (msg_) free_owned(msg_);
    msg_ = nullptr;
  }
  char *msg_ = nullptr;
};

inline char Error::kOutOfMemory[] = "out of memory while reporting an error";

// Result<T>: either a T or an Error. Minimal std::expected stand-in (GCC 12
// has no <expected>), usable without exceptions.
template <class T> class [[nodiscard]] Result {
public:
  Result(T v) : ok_(true) { new (&val_) T(std::move(v)); }
  Result(Error e) : ok_(false) { new (&err_) Error(std::move(e)); }
  Result(const Result &o) : ok_(o.ok_) {
    if (ok_) new (&val_) T(o.val_);
    else new (&err_) Error(o.err_);
  }
  Result(Result &&o) : ok_(o.ok_) {
    if (ok_) new (&val_) T(std::move(o.val_));
    else new (&err_) Error(std::move(o.err_));
  }
  Result &operator=(Result o) {
    this->~Result();
    new (this) Result(std::move(o));
    return *this;
  }
  ~Result() {
    if (ok_) val_.~T();
    else err_.~Error();
  }
  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  T &value() { return val_; }
  const T &value() const { return val_; }
  T &operator*() { return val_; }
  T *operator->() { return &val_; }
  const T *operator->() const { return &val_; }
  const Error &error() const { return err_; }

private:
  bool ok_;
  union {
    T val_;
    Error err_;
  };
};

// Status: success or an Error.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(Error e) : err_(std::move(e)) {
    if (err_.empty()) err_ = Error::fmt("unknown error");
  }
  static Status ok() { return Status(); }
  explicit operator bool() const { return err_.empty(); }
  bool is_ok() const { return err_.empty(); }
  const Error &error() const { return err_; }

private:
  Error err_;
};

} // namespace uk

// Propagate an error from a Status or Result expression.
#define UK_TRY(expr)                                                           \
  do {                                                                         \
    auto uk_try_r_ = (expr);                                                   \
    if (!uk_try_r_) return uk_try_r_.error();                                  \
  } while (0)
