#include "registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "fs_util.h"
#include "layout.h"
#include "names.h"
#include "pool.h"

namespace uk {
namespace {

using json = nlohmann::json;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%lx", static_cast<unsigned long>(v));
  return b;
}

// Typed access to one field: every value is checked for its JSON type
// before it is read, so no nlohmann exception can start here. `where` is
// "" or "slot N: ".
Result<const json *> field(const json &obj, const char *key, json::value_t type, const std::string &path,
                           const std::string &where) {
  auto it = obj.find(key);
  if (it == obj.end()) return Error::fmt("%s: %smissing '%s'", path.c_str(), where.c_str(), key);
  bool ok = type == json::value_t::number_unsigned ? it->is_number_unsigned() : it->type() == type;
  if (!ok) {
    const char *want = type == json::value_t::string ? "a string"
                       : type == json::value_t::array ? "an array"
                                                      : "an unsigned integer";
    return Error::fmt("%s: %s'%s' must be %s", path.c_str(), where.c_str(), key, want);
  }
  return &*it;
}

Result<uint64_t> get_hex(const json &j, const char *key, const std::string &path, const std::string &where = "") {
  auto f = field(j, key, json::value_t::string, path, where);
  if (!f) return f.error();
  const std::string &s = (*f)->get_ref<const std::string &>();
  if (s.size() < 3 || s.size() > 18 || s.compare(0, 2, "0x") != 0 ||
      s.find_first_not_of("0123456789abcdef", 2) != std::string::npos)
    return Error::fmt("%s: %s'%s' must be a hex string like 0x1000, got '%.40s'", path.c_str(), where.c_str(), key,
                      s.c_str());
  uint64_t v = 0;
  for (size_t i = 2; i < s.size(); i++) v = v << 4 | static_cast<uint64_t>(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
  return v;
}

} // namespace

bool slot_end_overflows(uint64_t base, const std::array<uint64_t, kSlotParts> &size, uint64_t *end) {
  uint64_t e = base;
  for (uint64_t part : size)
    if (add_overflows(e, part, &e)) return true;
  *end = e;
  return false;
}

Result<Registry> Registry::load(const std::string &path) {
  Registry r;
  r.next_ = kSlotBase;
  struct stat st;
  if (stat(path.c_str(), &st) != 0 && errno == ENOENT) return r;
  auto bytes = read_file(path, 64 << 20);
  if (!bytes) return bytes.error();
  return parse(bytes->data(), bytes->size(), path);
}

Result<Registry> Registry::parse(const uint8_t *data, size_t size, const std::string &path) {
  // Typed checks in parse_json; the catch is the boundary for anything
  // nlohmann might still throw (allocation failure on a huge file).
  try {
    return parse_json(data, size, path);
  } catch (const std::exception &e) {
    return Error::fmt("%s: malformed registry: %s", path.c_str(), e.what());
  }
}

Result<Registry> Registry::parse_json(const uint8_t *data, size_t size, const std::string &path) {
  Registry r;
  json j = json::parse(data, data + size, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error::fmt("%s: not a JSON object", path.c_str());
  auto format = j.find("format");
  if (format == j.end()) return Error::fmt("%s: not a uk-slt layout registry", path.c_str());
  if (!format->is_string()) return Error::fmt("%s: 'format' must be a string", path.c_str());
  if (format->get_ref<const std::string &>() != "uk-slt-layout-registry")
    return Error::fmt("%s: not a uk-slt layout registry", path.c_str());
  auto version = field(j, "version", json::value_t::number_unsigned, path, "");
  if (!version) return version.error();
  uint64_t v = (*version)->get<uint64_t>();
  if (v != kVersion)
    return Error::fmt("%s: unsupported registry version %lu (this build reads %d)", path.c_str(),
                      static_cast<unsigned long>(v), kVersion);
  auto next = get_hex(j, "next", path);
  if (!next) return next.error();
  r.next_ = *next;
  if (!page_aligned(r.next_)) return Error::fmt("%s: 'next' 0x%lx is not page-aligned", path.c_str(), r.next_);
  if (r.next_ < kSlotBase || r.next_ > kSlotLimit)
    return Error::fmt("%s: 'next' 0x%lx is outside the slot range 0x%lx..0x%lx", path.c_str(), r.next_, kSlotBase,
                      kSlotLimit);
  auto slots = field(j, "slots", json::value_t::array, path, "");
  if (!slots) return slots.error();
  uint64_t prev_end = kSlotBase;
  const Slot *last = nullptr;
  size_t index = 0;
  for (const json &e : **slots) {
    std::string where = "slot " + std::to_string(index++) + ": ";
    if (!e.is_object()) return Error::fmt("%s: slot %zu is not an object", path.c_str(), index - 1);
    Slot s;
    auto id = field(e, "id", json::value_t::string, path, where);
    if (!id) return id.error();
    s.id = (*id)->get_ref<const std::string &>();
    if (!is_object_name(s.id)) return Error::fmt("%s: %sbad id '%.70s'", path.c_str(), where.c_str(), s.id.c_str());
    auto name = field(e, "name", json::value_t::string, path, where);
    if (!name) return name.error();
    s.name = (*name)->get_ref<const std::string &>();
    if (!is_valid_name(s.name)) {
      char shown[200];
      escape_name(std::string_view(s.name).substr(0, 48), shown, sizeof shown);
      return Error::fmt("%s: %sname '%s' is not a valid library name", path.c_str(), where.c_str(), shown);
    }
    auto base = get_hex(e, "base", path, where);
    if (!base) return base.error();
    s.base = *base;
    static const char *keys[kSlotParts] = {"text", "rodata", "data", "bss"};
    for (size_t k = 0; k < kSlotParts; k++) {
      auto sz = get_hex(e, keys[k], path, where);
      if (!sz) return sz.error();
      if (!page_aligned(*sz))
        return Error::fmt("%s: slot %s: %s size is not page-aligned", path.c_str(), s.name.c_str(), keys[k]);
      s.size[k] = *sz;
    }
    uint64_t end = 0;
    if (slot_end_overflows(s.base, s.size, &end))
      return Error::fmt("%s: slot %zu (%s): base 0x%lx + sizes overflow", path.c_str(), index - 1, s.name.c_str(),
                        s.base);
    if (!page_aligned(s.base) || s.base < prev_end || end > kSlotLimit)
      return Error::fmt("%s: slot %s at 0x%lx overlaps another slot or lies outside 0x%lx..0x%lx", path.c_str(),
                        s.name.c_str(), static_cast<unsigned long>(s.base), static_cast<unsigned long>(kSlotBase),
                        static_cast<unsigned long>(kSlotLimit));
    if (r.find(s.id)) return Error::fmt("%s: library %s has two slots", path.c_str(), s.id.c_str());
    prev_end = end;
    r.slots_.push_back(std::move(s));
    last = &r.slots_.back();
  }
  if (last && r.next_ < prev_end)
    return Error::fmt("%s: 'next' 0x%lx is before the end 0x%lx of slot %s", path.c_str(), r.next_, prev_end,
                      last->name.c_str());
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
  uint64_t end = 0;
  if (slot_end_overflows(s.base, s.size, &end) || end > kSlotLimit)
    return Error::fmt("%s: no room for a slot of 0x%lx bytes below 0x%lx (registry is full)", lib.path.c_str(),
                      static_cast<unsigned long>(lib.total()), static_cast<unsigned long>(kSlotLimit));
  next_ = end;
  slots_.push_back(s);
  return s;
}

void Registry::remove_slots(const std::vector<std::string> &ids) {
  std::vector<Slot> kept;
  for (Slot &s : slots_)
    if (std::find(ids.begin(), ids.end(), s.id) == ids.end()) kept.push_back(std::move(s));
  slots_ = std::move(kept);
  next_ = slots_.empty() ? kSlotBase : slots_.back().end();
}

Result<RegistryLock> RegistryLock::acquire(const std::string &registry_path) {
  std::string dir = dirname_of(registry_path);
  auto dirfd = open_pool_dir(dir.c_str());
  if (!dirfd) return dirfd.error();
  auto lock = lock_file(*dirfd, dir, basename_of(registry_path) + ".lock", LOCK_EX);
  close(*dirfd);
  if (!lock) return lock.error();
  return RegistryLock(std::move(*lock));
}

Result<FileLock> lock_pool(const std::string &pool_dir, bool exclusive) {
  UK_TRY(make_dirs(pool_dir));
  auto dirfd = open_pool_dir(pool_dir.c_str());
  if (!dirfd) return dirfd.error();
  bool busy = false;
  auto lock = lock_file(*dirfd, pool_dir, kPoolLockName, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH, &busy);
  close(*dirfd);
  if (busy)
    return Error::fmt("%s: busy: a uk-slt pack or extract is using this pool; gc needs it idle", pool_dir.c_str());
  return lock;
}

} // namespace uk
