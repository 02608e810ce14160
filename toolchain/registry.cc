#include "registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "fs_util.h"
#include "layout.h"
#include "pool.h"

namespace uk {
namespace {

using json = nlohmann::json;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%lx", static_cast<unsigned long>(v));
  return b;
}

Result<uint64_t> get_hex(const json &j, const char *key, const std::string &path) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return Error::fmt("%s: missing or non-string '%s'", path.c_str(), key);
  const std::string &s = it->get_ref<const std::string &>();
  if (s.size() < 3 || s.size() > 18 || s.compare(0, 2, "0x") != 0 ||
      s.find_first_not_of("0123456789abcdef", 2) != std::string::npos)
    return Error::fmt("%s: '%s' must be a hex string like 0x1000, got '%s'", path.c_str(), key, s.c_str());
  return std::stoull(s.substr(2), nullptr, 16);
}

} // namespace

Result<Registry> Registry::load(const std::string &path) {
  Registry r;
  r.next_ = kSlotBase;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return r;
  auto bytes = read_file(path, 64 << 20);
  if (!bytes) return bytes.error();
  json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error::fmt("%s: not a JSON object", path.c_str());
  if (j.value("format", "") != "uk-slt-layout-registry")
    return Error::fmt("%s: not a uk-slt layout registry", path.c_str());
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != kVersion)
    return Error::fmt("%s: unsupported registry version (this build reads %d)", path.c_str(), kVersion);
  auto next = get_hex(j, "next", path);
  if (!next) return next.error();
  r.next_ = *next;
  if (!j.contains("slots") || !j["slots"].is_array()) return Error::fmt("%s: missing 'slots' array", path.c_str());
  uint64_t prev_end = kSlotBase;
  for (const json &e : j["slots"]) {
    if (!e.is_object()) return Error::fmt("%s: slot is not an object", path.c_str());
    Slot s;
    s.id = e.value("id", "");
    s.name = e.value("name", "");
    if (!is_object_name(s.id)) return Error::fmt("%s: slot has a bad id '%s'", path.c_str(), s.id.c_str());
    auto base = get_hex(e, "base", path);
    if (!base) return base.error();
    s.base = *base;
    static const char *keys[kSlotParts] = {"text", "rodata", "data", "bss"};
    for (size_t k = 0; k < kSlotParts; k++) {
      auto v = get_hex(e, keys[k], path);
      if (!v) return v.error();
      if (!page_aligned(*v)) return Error::fmt("%s: slot %s: %s size is not page-aligned", path.c_str(), s.name.c_str(), keys[k]);
      s.size[k] = *v;
    }
    if (!page_aligned(s.base) || s.base < prev_end || s.end() > r.next_ || s.end() > kSlotLimit || s.end() < s.base)
      return Error::fmt("%s: slot %s at 0x%lx overlaps another slot or lies outside 0x%lx..0x%lx", path.c_str(),
                        s.name.c_str(), static_cast<unsigned long>(s.base), static_cast<unsigned long>(kSlotBase),
                        static_cast<unsigned long>(r.next_));
    if (r.find(s.id)) return Error::fmt("%s: library %s has two slots", path.c_str(), s.id.c_str());
    prev_end = s.end();
    r.slots_.push_back(std::move(s));
  }
  return r;
}

Status Registry::save(const std::string &path) const {
  json j;
  j["format"] = "uk-slt-layout-registry";
  j["version"] = kVersion;
  j["next"] = hex(next_);
  j["slots"] = json::array();
  for (const Slot &s : slots_)
    j["slots"].push_back({{"id", s.id}, {"name", s.name}, {"base", hex(s.base)}, {"text", hex(s.size[0])},
                          {"rodata", hex(s.size[1])}, {"data", hex(s.size[2])}, {"bss", hex(s.size[3])}});
  std::string text = j.dump(1) + "\n";
  return write_file_atomic(path, text.data(), text.size(), 0644);
}

const Slot *Registry::find(const std::string &id) const {
  for (const Slot &s : slots_)
    if (s.id == id) return &s;
  return nullptr;
}

const Slot *Registry::find_addr(uint64_t addr) const {
  for (const Slot &s : slots_)
    if (addr >= s.base && addr < s.end()) return &s;
  return nullptr;
}

Result<Slot> Registry::assign(const Library &lib) {
  if (const Slot *found = find(lib.id)) return *found;
  Slot s;
  s.id = lib.id;
  s.name = lib.name;
  s.base = next_;
  s.size = lib.bound;
  if (s.end() > kSlotLimit || s.end() < s.base)
    return Error::fmt("%s: no room for a slot of 0x%lx bytes below 0x%lx (registry is full)", lib.path.c_str(),
                      static_cast<unsigned long>(lib.total()), static_cast<unsigned long>(kSlotLimit));
  next_ = s.end();
  slots_.push_back(s);
  return s;
}

Result<RegistryLock> RegistryLock::acquire(const std::string &registry_path) {
  std::string lock = registry_path + ".lock";
  int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error::fmt("%s: cannot open lock file: %s", lock.c_str(), std::strerror(errno));
  while (flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int e = errno;
    close(fd);
    return Error::fmt("%s: cannot lock: %s", lock.c_str(), std::strerror(e));
  }
  return RegistryLock(fd);
}

RegistryLock::~RegistryLock() {
  if (fd_ >= 0) close(fd_);
}

} // namespace uk
