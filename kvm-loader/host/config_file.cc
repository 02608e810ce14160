#include "config_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

namespace uk::kvmhost {
namespace {

using json = nlohmann::json;

// Warnings beyond this many are summarised in one last line.
constexpr size_t kMaxWarnings = 64;
constexpr int kMaxWarnDepth = 8;

// Top-level sections of Firecracker's configuration that this VMM accepts
// and ignores (their values are warned about, field by field).
constexpr const char *kIgnoredSections[] = {
    "drives", "network-interfaces", "logger", "metrics", "vsock", "balloon",
    "mmds-config", "entropy", "cpu-config", "serial", "memory-hotplug",
};
// Firecracker's machine-config fields without a meaning for a one-vCPU
// unikernel VMM.
constexpr const char *kIgnoredMachineFields[] = {"smt", "track_dirty_pages", "huge_pages", "cpu_template"};

bool in(const char *const *first, const char *const *last, const std::string &s) {
  for (; first != last; ++first)
    if (s == *first) return true;
  return false;
}

// "Absent" in Firecracker's own output: nothing to warn about.
bool absent(const json &j) {
  return j.is_null() || (j.is_boolean() && !j.get<bool>()) || (j.is_array() && j.empty()) ||
         (j.is_object() && j.empty());
}

class Warnings {
public:
  explicit Warnings(std::vector<std::string> &out) : out_(out) {}
  ~Warnings() {
    if (dropped_) out_.push_back("... " + std::to_string(dropped_) + " more ignored fields");
  }
  void add(std::string line) {
    if (out_.size() < kMaxWarnings) out_.push_back(std::move(line));
    else dropped_++;
  }
  // One "PATH: ignored" per leaf of j that is not absent; below
  // kMaxWarnDepth levels a whole subtree is one line (bounded recursion on
  // hostile nesting).
  void ignored_tree(const std::string &path, const json &j, int depth = 0) {
    if (absent(j)) return;
    if (out_.size() >= kMaxWarnings) {
      dropped_++;
      return;
    }
    if (j.is_object() && depth < kMaxWarnDepth) {
      for (auto it = j.begin(); it != j.end(); ++it) ignored_tree(path + "." + it.key(), it.value(), depth + 1);
    } else if (j.is_array() && depth < kMaxWarnDepth) {
      for (size_t i = 0; i < j.size(); i++) ignored_tree(path + "[" + std::to_string(i) + "]", j[i], depth + 1);
    } else {
      add(path + ": ignored");
    }
  }

private:
  std::vector<std::string> &out_;
  size_t dropped_ = 0;
};

Error field_error(const std::string &file, const std::string &path, const std::string &what) {
  return Error::fmt("%s: %s: %s", file.c_str(), path.c_str(), what.c_str());
}

const char *kind_name(const json &j) {
  if (j.is_boolean()) return "a boolean";
  if (j.is_null()) return "null";
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  if (j.is_string()) return "a string";
  return "a number";
}

Error type_error(const std::string &file, const std::string &path, const char *expected, const json &got) {
  return field_error(file, path, std::string("expected ") + expected + ", got " + kind_name(got));
}

// An integer field in [lo, hi]; floats, strings... are type errors.
Result<uint64_t> get_uint(const std::string &file, const std::string &path, const json &j, uint64_t lo, uint64_t hi) {
  if (!j.is_number_integer()) return type_error(file, path, "an integer", j);
  bool negative = !j.is_number_unsigned() && j.get<int64_t>() < 0;
  uint64_t v = negative ? 0 : j.get<uint64_t>();
  if (negative || v < lo || v > hi) {
    std::string got = negative ? std::to_string(j.get<int64_t>()) : std::to_string(v);
    return field_error(file, path, "out of range: " + got + " (expected " + std::to_string(lo) + ".." +
                                       std::to_string(hi) + ")");
  }
  return v;
}

Result<std::string> get_string(const std::string &file, const std::string &path, const json &j) {
  if (!j.is_string()) return type_error(file, path, "a string", j);
  const std::string &s = j.get_ref<const std::string &>();
  if (s.find('\0') != std::string::npos) return field_error(file, path, "contains a NUL byte");
  return s;
}

std::string join_path(const std::string &dir, const std::string &p) {
  if (dir.empty() || p.empty() || p[0] == '/') return p;
  return dir.back() == '/' ? dir + p : dir + "/" + p;
}

Status parse_boot_source(const std::string &file, const json &bs, const std::string &base_dir, VmConfig &cfg,
                         Warnings &warn) {
  if (!bs.is_object()) return type_error(file, "boot-source", "an object", bs);
  auto kp = bs.find("kernel_image_path");
  if (kp == bs.end() || kp->is_null())
    return field_error(file, "boot-source.kernel_image_path", "missing (the desc or ELF to boot)");
  auto path = get_string(file, "boot-source.kernel_image_path", *kp);
  if (!path) return path.error();
  if (path->empty()) return field_error(file, "boot-source.kernel_image_path", "empty");
  cfg.kernel_image_path = join_path(base_dir, *path);

  auto ba = bs.find("boot_args");
  if (ba != bs.end() && !ba->is_null()) {
    auto text = get_string(file, "boot-source.boot_args", *ba);
    if (!text) return text.error();
    if (text->size() > kConfigMaxBootArgsLen)
      return field_error(file, "boot-source.boot_args",
                         "too long: " + std::to_string(text->size()) + " bytes (at most " +
                             std::to_string(kConfigMaxBootArgsLen) + ")");
    auto args = split_boot_args(*text);
    if (!args) return field_error(file, "boot-source.boot_args", args.error().what());
    auto dd = std::find(args->begin(), args->end(), "--");
    if (dd != args->end()) {
      cfg.kernel_params.assign(args->begin(), dd);
      cfg.args.assign(dd + 1, args->end());
    } else {
      cfg.args = std::move(*args);
    }
  }
  auto ird = bs.find("initrd_path");
  if (ird != bs.end() && !ird->is_null()) {
    auto s = get_string(file, "boot-source.initrd_path", *ird);
    if (!s) return s.error();
    if (!s->empty()) return field_error(file, "boot-source.initrd_path", "not supported (a unikernel has no initrd)");
  }
  for (auto it = bs.begin(); it != bs.end(); ++it) {
    const std::string &k = it.key();
    if (k != "kernel_image_path" && k != "boot_args" && k != "initrd_path" && !absent(it.value()))
      warn.add("boot-source." + k + ": unknown field, ignored");
  }
  return Status::ok();
}

Status parse_machine_config(const std::string &file, const json &mc, VmConfig &cfg, Warnings &warn) {
  if (!mc.is_object()) return type_error(file, "machine-config", "an object", mc);
  auto vc = mc.find("vcpu_count");
  if (vc != mc.end()) {
    if (!vc->is_number_integer()) return type_error(file, "machine-config.vcpu_count", "an integer", *vc);
    if (!vc->is_number_unsigned() || vc->get<uint64_t>() != 1) {
      std::string got = vc->is_number_unsigned() ? std::to_string(vc->get<uint64_t>())
                                                 : std::to_string(vc->get<int64_t>());
      return field_error(file, "machine-config.vcpu_count",
                         got + " requested, but uk-kvm-run runs exactly one vCPU (set it to 1)");
    }
  }
  auto ms = mc.find("mem_size_mib");
  if (ms != mc.end()) {
    auto v = get_uint(file, "machine-config.mem_size_mib", *ms, 1, kConfigMaxMemMib);
    if (!v) return v.error();
    cfg.mem_size_mib = *v;
  }
  for (auto it = mc.begin(); it != mc.end(); ++it) {
    const std::string &k = it.key();
    if (k == "vcpu_count" || k == "mem_size_mib") continue;
    if (in(std::begin(kIgnoredMachineFields), std::end(kIgnoredMachineFields), k))
      warn.ignored_tree("machine-config." + k, it.value());
    else if (!absent(it.value()))
      warn.add("machine-config." + k + ": unknown field, ignored");
  }
  return Status::ok();
}

// Line and column (1-based) of byte offset `byte` (1-based, as nlohmann
// reports it) in text.
std::string position(std::string_view text, size_t byte) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); i++) {
    if (text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

} // namespace

Result<std::vector<std::string>> split_boot_args(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false; // cur holds an argument (possibly empty, from "")
  size_t i = 0;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < s.size()) {
    char c = s[i];
    if (blank(c)) {
      if (have) out.push_back(std::move(cur));
      cur.clear();
      have = false;
      i++;
    } else if (c == '\'') {
      size_t end = s.find('\'', i + 1);
      if (end == std::string_view::npos)
        return Error::fmt("unterminated ' quote starting at byte %zu", i);
      cur.append(s.substr(i + 1, end - i - 1));
      have = true;
      i = end + 1;
    } else if (c == '"') {
      size_t start = i++;
      for (;;) {
        if (i >= s.size()) return Error::fmt("unterminated \" quote starting at byte %zu", start);
        if (s[i] == '"') break;
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) i++;
        cur.push_back(s[i++]);
      }
      have = true;
      i++;
    } else if (c == '\\') {
      if (i + 1 >= s.size()) return Error::fmt("trailing backslash at byte %zu", i);
      cur.push_back(s[i + 1]);
      have = true;
      i += 2;
    } else {
      cur.push_back(c);
      have = true;
      i++;
    }
  }
  if (have) out.push_back(std::move(cur));
  return out;
}

Result<VmConfig> parse_config(std::string_view text, const std::string &file, const std::string &base_dir) {
  // Duplicate keys: nlohmann keeps the last one silently; a config with two
  // "mem_size_mib" is ambiguous, so it is refused.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto cb = [&](int, json::parse_event_t ev, json &parsed) {
    switch (ev) {
    case json::parse_event_t::object_start: open_objects.emplace_back(); break;
    case json::parse_event_t::object_end:
      if (!open_objects.empty()) open_objects.pop_back();
      break;
    case json::parse_event_t::key:
      if (!open_objects.empty() && parsed.is_string() &&
          !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
        duplicate = parsed.get<std::string>();
      break;
    default: break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), cb, true);
  } catch (const json::parse_error &e) {
    return Error::fmt("%s: not valid JSON: syntax error at %s", file.c_str(), position(text, e.byte).c_str());
  } catch (const json::exception &e) {
    return Error::fmt("%s: not valid JSON", file.c_str());
  }
  if (!duplicate.empty()) return Error::fmt("%s: field '%s' appears twice in one object", file.c_str(), duplicate.c_str());
  if (!j.is_object()) return type_error(file, "top level", "an object", j);

  VmConfig cfg;
  {
    Warnings warn(cfg.warnings);
    auto bs = j.find("boot-source");
    if (bs == j.end() || bs->is_null()) return field_error(file, "boot-source", "missing (the kernel_image_path to boot)");
    UK_TRY(parse_boot_source(file, *bs, base_dir, cfg, warn));
    auto mc = j.find("machine-config");
    if (mc != j.end() && !mc->is_null()) UK_TRY(parse_machine_config(file, *mc, cfg, warn));
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string &k = it.key();
      if (k == "boot-source" || k == "machine-config") continue;
      if (in(std::begin(kIgnoredSections), std::end(kIgnoredSections), k)) warn.ignored_tree(k, it.value());
      else if (!absent(it.value())) warn.add(k + ": unknown field, ignored");
    }
  }
  return cfg;
}

Result<VmConfig> load_config_file(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return Error::fmt("%s: cannot open: %s", path.c_str(), std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::fmt("%s: not a regular file", path.c_str());
  }
  if (static_cast<uint64_t>(st.st_size) > kConfigMaxFileSize) {
    ::close(fd);
    return Error::fmt("%s: too large: %lld bytes (a config file has at most %llu)", path.c_str(),
                      static_cast<long long>(st.st_size), static_cast<unsigned long long>(kConfigMaxFileSize));
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  int saved = errno;
  ::close(fd);
  if (got != text.size())
    return Error::fmt("%s: short read (%zu of %zu bytes): %s", path.c_str(), got, text.size(), std::strerror(saved));
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : slash == 0 ? "/" : path.substr(0, slash);
  return parse_config(text, path, dir);
}

} // namespace uk::kvmhost
