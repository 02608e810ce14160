#include "report.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "content_hash.h"
#include "desc.h"
#include "fs_util.h"
#include "layout.h"
#include "pool.h"

namespace uk {
namespace {

using json = nlohmann::json;

struct AppInfo {
  std::string name, desc_path;
  uint64_t elf_bytes = 0, image_bytes = 0;
  uint64_t shared_pages = 0, private_pages = 0;
  bool have_elf = false;
};

struct Variant {
  std::string id, object;
  Bytes bytes;
  std::set<std::string> apps;
};

struct LibInfo {
  std::vector<Variant> variants;
  std::set<std::string> apps;
};

std::string human(uint64_t b) {
  char buf[32];
  if (b >= (uint64_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  return buf;
}

// Why variants of one library differ.
std::string explain(const LibInfo &l) {
  if (l.variants.size() < 2) return l.apps.size() == 1 ? "only used by " + *l.apps.begin() : "";
  std::set<std::string> ids;
  for (const Variant &v : l.variants) ids.insert(v.id);
  if (ids.size() > 1)
    return std::to_string(ids.size()) + " different builds of this library (different content hashes)";
  const Bytes &a = l.variants[0].bytes, &b = l.variants[1].bytes;
  size_t n = std::min(a.size(), b.size()), diff_pages = 0, first = n;
  for (size_t off = 0; off < n; off += kPageSize)
    if (std::memcmp(a.data() + off, b.data() + off, kPageSize) != 0) {
      diff_pages++;
      if (first == n) first = off;
    }
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "same library, different bytes in %zu pages (first at +0x%zx): its code depends on the layout of "
                "another app's libraries",
                diff_pages, first);
  return buf;
}

} // namespace

Status run_report(const ReportOptions &opt) {
  std::vector<AppInfo> apps;
  std::map<std::string, LibInfo> libs;             // by library name
  std::map<std::pair<std::string, uint64_t>, std::set<std::string>> page_users; // (object, page offset) -> apps
  std::map<std::string, uint64_t> object_sizes;
  auto desc = std::make_unique<Desc>();
  for (const std::string &path : opt.descs) {
    // Read past the desc limit so that an ELF given as a desc is named as one.
    auto text = read_file(path, uint64_t{256} << 20);
    if (!text) return text.error();
    UK_TRY(check_desc_file(reinterpret_cast<const char *>(text->data()), text->size(), text->size(), path.c_str()));
    UK_TRY(parse_desc(reinterpret_cast<const char *>(text->data()), text->size(), path.c_str(), desc.get()));
    AppInfo app;
    app.name = desc->app;
    app.desc_path = path;
    for (const AppInfo &o : apps)
      if (o.name == app.name) return Error::fmt("%s: app '%s' is listed twice", path.c_str(), app.name.c_str());
    std::string dir = dirname_of(path);
    struct stat st;
    if (desc->elf[0] && stat((dir + "/" + desc->elf).c_str(), &st) == 0) {
      app.elf_bytes = static_cast<uint64_t>(st.st_size);
      app.have_elf = true;
    }
    if (stat((dir + "/" + desc->image).c_str(), &st) != 0)
      return Error::fmt("%s: private image %s is missing", path.c_str(), desc->image);
    app.image_bytes = static_cast<uint64_t>(st.st_size);
    for (uint32_t i = 0; i < desc->nlibs; i++) {
      const DescLib &dl = desc->libs[i];
      LibInfo &li = libs[dl.name];
      li.apps.insert(app.name);
      auto it = std::find_if(li.variants.begin(), li.variants.end(), [&](const Variant &v) { return v.object == dl.object; });
      if (it == li.variants.end()) {
        std::string opath = opt.pool_dir + "/" + dl.object;
        struct stat ost;
        if (lstat(opath.c_str(), &ost) != 0) return Error::fmt("%s: missing pool object (needed by %s): " UK_POOL_HINT_FMT, opath.c_str(),
                            path.c_str(), opt.pool_dir.c_str());
        UK_TRY(check_pool_object(ost, opath.c_str(), dl.object_size));
        auto bytes = read_file(opath);
        if (!bytes) return bytes.error();
        // Already read for the page comparison, so the content check is free.
        if (sha256_hex(bytes->data(), bytes->size()) != dl.object)
          return Error::fmt("%s: pool object content does not match its name (corrupt or tampered pool; run uk-slt "
                            "fsck)",
                            opath.c_str());
        li.variants.push_back({dl.id, dl.object, std::move(*bytes), {}});
        it = li.variants.end() - 1;
        object_sizes[dl.object] = dl.object_size;
      }
      it->apps.insert(app.name);
    }
    for (uint32_t i = 0; i < desc->nmaps; i++) {
      const DescMap &m = desc->maps[i];
      uint64_t pages = m.size / kPageSize;
      if (m.source == MapSource::Pool) {
        app.shared_pages += pages;
        for (uint64_t p = 0; p < pages; p++)
          page_users[{desc->libs[m.lib].object, m.offset + p * kPageSize}].insert(app.name);
      } else {
        app.private_pages += pages;
      }
    }
    apps.push_back(app);
  }

  uint64_t total_pages = 0, unique_pages = page_users.size(), elf_bytes = 0, image_bytes = 0, pool_bytes = 0;
  for (const AppInfo &a : apps) {
    total_pages += a.shared_pages + a.private_pages;
    unique_pages += a.private_pages;
    elf_bytes += a.elf_bytes;
    image_bytes += a.image_bytes;
  }
  for (const auto &[obj, size] : object_sizes) pool_bytes += size;
  std::map<size_t, uint64_t> histogram; // sharing apps -> pages
  for (const auto &[key, users] : page_users) histogram[users.size()]++;

  json j;
  j["apps"] = json::array();
  for (const AppInfo &a : apps)
    j["apps"].push_back({{"name", a.name}, {"desc", a.desc_path}, {"elf_bytes", a.elf_bytes},
                         {"image_bytes", a.image_bytes}, {"shared_pages", a.shared_pages},
                         {"private_pages", a.private_pages}});
  j["libraries"] = json::array();
  for (const auto &[name, li] : libs) {
    uint64_t pages = 0, shared_by_all = 0;
    std::map<size_t, uint64_t> hist;
    for (const Variant &v : li.variants) {
      pages += v.bytes.size() / kPageSize;
      for (uint64_t off = 0; off < v.bytes.size(); off += kPageSize) {
        auto it = page_users.find({v.object, off});
        size_t users = it == page_users.end() ? 0 : it->second.size();
        hist[users]++;
        if (users == li.apps.size()) shared_by_all++;
      }
    }
    json h = json::object();
    for (const auto &[k, n] : hist) h[std::to_string(k)] = n;
    j["libraries"].push_back({{"name", name}, {"apps", li.apps.size()}, {"variants", li.variants.size()},
                              {"pages", pages}, {"pages_shared_by_all", shared_by_all},
                              {"pages_by_sharing_apps", h}, {"note", explain(li)}});
  }
  json hist = json::object();
  for (const auto &[k, n] : histogram) hist[std::to_string(k)] = n;
  j["pages"] = {{"total", total_pages}, {"unique", unique_pages}, {"shared_by_apps", hist}};
  j["bytes"] = {{"pool", pool_bytes}, {"private", image_bytes}, {"elfs", elf_bytes},
                {"ratio", elf_bytes ? static_cast<double>(pool_bytes + image_bytes) / elf_bytes : 0.0}};

  if (opt.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return {};
  }
  std::printf("%-14s %5s %8s %7s %14s  %s\n", "library", "apps", "variants", "pages", "shared-by-all", "note");
  for (const json &l : j["libraries"])
    std::printf("%-14s %5zu %8zu %7lu %14lu  %s\n", l["name"].get<std::string>().c_str(), l["apps"].get<size_t>(),
                l["variants"].get<size_t>(), l["pages"].get<uint64_t>(), l["pages_shared_by_all"].get<uint64_t>(),
                l["note"].get<std::string>().c_str());
  std::printf("\n%-14s %8s %8s %10s %10s\n", "app", "shared", "private", "image", "elf");
  for (const AppInfo &a : apps)
    std::printf("%-14s %8lu %8lu %10s %10s\n", a.name.c_str(), a.shared_pages, a.private_pages,
                human(a.image_bytes).c_str(), a.have_elf ? human(a.elf_bytes).c_str() : "-");
  std::printf("\npages: %lu total across %zu apps, %lu unique (%.2fx fewer)\n", total_pages, apps.size(),
              unique_pages, unique_pages ? static_cast<double>(total_pages) / unique_pages : 0.0);
  std::printf("pages by number of apps sharing them:");
  for (const auto &[k, n] : histogram) std::printf(" %zu:%lu", k, n);
  std::printf("\nfiles: pool %s + private %s = %s vs ELFs %s (%.2fx)\n", human(pool_bytes).c_str(),
              human(image_bytes).c_str(), human(pool_bytes + image_bytes).c_str(), human(elf_bytes).c_str(),
              j["bytes"]["ratio"].get<double>());
  return {};
}

} // namespace uk
