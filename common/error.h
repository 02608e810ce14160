// Errors are values: a fixed-size message that names the source (file,
// address, what was expected). No allocation and no exceptions, so the same
// type works in the musl-built loader and in the glibc-built toolchain.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <new>
#include <utility>

namespace uk {

class Error {
public:
  Error() { msg_[0] = '\0'; }
  [[gnu::format(printf, 1, 2)]] static Error fmt(const char *format, ...) {
    Error e;
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(e.msg_, sizeof e.msg_, format, ap);
    va_end(ap);
    return e;
  }
  // Prefixes the message with more context ("file.desc: " + msg).
  [[gnu::format(printf, 2, 3)]] Error &prefix(const char *format, ...) {
    char head[256];
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(head, sizeof head, format, ap);
    va_end(ap);
    char old[sizeof msg_];
    std::snprintf(old, sizeof old, "%s", msg_);
    std::snprintf(msg_, sizeof msg_, "%s%s", head, old);
    return *this;
  }
  const char *what() const { return msg_; }

private:
  char msg_[768];
};

// Result<T>: either a T or an Error. Minimal std::expected stand-in (GCC 12
// has no <expected>), usable without exceptions.
template <class T> class [[nodiscard]] Result {
public:
  Result(T v) : ok_(true) { new (&val_) T(std::move(v)); }
  Result(Error e) : ok_(false) { new (&err_) Error(e); }
  Result(const Result &o) : ok_(o.ok_) {
    if (ok_) new (&val_) T(o.val_);
    else new (&err_) Error(o.err_);
  }
  Result(Result &&o) : ok_(o.ok_) {
    if (ok_) new (&val_) T(std::move(o.val_));
    else new (&err_) Error(o.err_);
  }
  Result &operator=(Result o) {
    this->~Result();
    new (this) Result(std::move(o));
    return *this;
  }
  ~Result() {
    if (ok_) val_.~T();
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
  Status() : ok_(true) {}
  Status(Error e) : ok_(false), err_(e) {}
  static Status ok() { return Status(); }
  explicit operator bool() const { return ok_; }
  bool is_ok() const { return ok_; }
  const Error &error() const { return err_; }

private:
  bool ok_;
  Error err_;
};

} // namespace uk

// Propagate an error from a Status or Result expression.
#define UK_TRY(expr)                                                           \
  do {                                                                         \
    auto uk_try_r_ = (expr);                                                   \
    if (!uk_try_r_) return uk_try_r_.error();                                  \
  } while (0)
