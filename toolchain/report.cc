#include "report.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include <fmt/format.h>

#include "content_hash.h"
#include "desc.h"
#include "fs_util.h"
#include "layout.h"
#include "pool.h"
#include "report_why.h"

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
  LibUse use; // how its first app maps it
};

struct LibInfo {
  std::vector<Variant> variants;
  std::set<std::string> apps;
  std::vector<VariantDiff> diffs; // variant 0 against each other variant of the same build
};

// Private .data.rel.ro of an ASLR library (one per pool object: same build, same part).
struct RelroInfo {
  RelroCost cost;
  std::set<std::string> apps;
};

std::string human(uint64_t b) {
  char buf[32];
  if (b >= (uint64_t{1} << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  return buf;
}

// Why variants of one library differ, in one line (the pages follow the table).
std::string explain(const LibInfo &l) {
  if (l.variants.size() < 2) return l.apps.size() == 1 ? "only used by " + *l.apps.begin() : "";
  std::set<std::string> ids;
  for (const Variant &v : l.variants) ids.insert(v.id);
  if (ids.size() > 1)
    return std::to_string(ids.size()) + " different builds of this library (different content hashes)";
  const VariantDiff &d = l.diffs.at(0);
  char buf[200];
  std::snprintf(buf, sizeof buf, "same library, different bytes in %zu pages (first at +0x%lx): %s", d.pages.size(),
                d.pages.empty() ? 0ul : static_cast<unsigned long>(d.pages[0].offset),
                d.note.empty() ? "relocations below" : "see below");
  return buf;
}

// The pool maps of desc library i: where its text and rodata sit in the block and in the object.
LibUse lib_use(const Desc &d, uint32_t i, const std::string &dir) {
  LibUse u;
  u.app = d.app;
  std::string aslr = dir + "/" + d.app + ".aslr.elf";
  struct stat st;
  if (stat(aslr.c_str(), &st) == 0) u.aslr_elf = aslr;
  if (d.elf[0]) u.elf = dir + "/" + d.elf;
  u.base = d.blocks[d.libs[i].block].base;
  u.size = d.blocks[d.libs[i].block].size;
  for (uint32_t k = 0; k < d.nmaps; k++) {
    const DescMap &m = d.maps[k];
    if (m.source != MapSource::Pool || m.lib != i) continue;
    if ((m.prot & kProtX) && !u.has_text) u.has_text = true, u.text_block_off = m.off, u.text_pool_off = m.offset;
    else if (!(m.prot & kProtX) && !u.has_rodata)
      u.has_rodata = true, u.rodata_block_off = m.off, u.rodata_pool_off = m.offset, u.rodata_size = m.size;
  }
  return u;
}

json cause_json(const Cause &c) {
  return {{"offset", c.offset}, {"type", c.type}, {"in", c.in}, {"symbol", c.sym},
          {c.field_only ? "field" : "target", {c.target_a, c.target_b}}};
}

std::string cause_text(const Cause &c, const std::string &app_a, const std::string &app_b) {
  return fmt::format("{} at +{:#x}{} against {}: {} {:#x} in {}, {:#x} in {}", c.type, c.offset,
                     c.in.empty() ? "" : " in " + c.in, c.sym, c.field_only ? "field" : "address", c.target_a, app_a,
                     c.target_b, app_b);
}

constexpr size_t kCausesShown = 4; // per page, in the text form

void print_unshared(const std::map<std::string, LibInfo> &libs) {
  bool header = false;
  for (const auto &[name, li] : libs)
    for (const VariantDiff &d : li.diffs) {
      if (!header) std::printf("\nwhy pages are not shared (same build, different bytes):\n");
      header = true;
      std::printf("  %s: %zu pages differ between the pool objects of %s and %s\n", name.c_str(), d.pages.size(),
                  d.app_a.c_str(), d.app_b.c_str());
      if (!d.note.empty()) std::printf("    %s\n", d.note.c_str());
      for (const UnsharedPage &p : d.pages) {
        std::printf("    page +0x%lx:", static_cast<unsigned long>(p.offset));
        const char *sep = " ";
        for (size_t k = 0; k < p.causes.size() && k < kCausesShown; k++) {
          std::printf("%s%s\n", sep, cause_text(p.causes[k], d.app_a, d.app_b).c_str());
          sep = "      ";
        }
        if (p.causes.size() > kCausesShown) std::printf("%sand %zu more relocations\n", sep, p.causes.size() - kCausesShown);
        if (p.unexplained_bytes)
          std::printf("%s%lu differing bytes outside every relocation of the scan\n", sep,
                      static_cast<unsigned long>(p.unexplained_bytes));
      }
    }
}

void print_relro(const std::map<std::string, RelroInfo> &relro, uint64_t pages, uint64_t bytes) {
  if (relro.empty()) return;
  std::printf("\nprivate .data.rel.ro in SLT [ASLR] (the loader writes its pointers in every instance):\n");
  std::printf("%-14s %5s %7s %10s %9s\n", "library", "apps", "pages", "bytes", "pointers");
  for (const auto &[obj, ri] : relro)
    std::printf("%-14s %5zu %7lu %10lu %9lu\n", ri.cost.lib.c_str(), ri.apps.size(),
                static_cast<unsigned long>(ri.cost.pages), static_cast<unsigned long>(ri.cost.bytes),
                static_cast<unsigned long>(ri.cost.pointers));
  for (const auto &[obj, ri] : relro)
    for (const RelroPage &p : ri.cost.detail)
      std::printf("  %s relro +0x%lx: %lu pointers%s%s\n", ri.cost.lib.c_str(), static_cast<unsigned long>(p.offset),
                  static_cast<unsigned long>(p.pointers), p.first.empty() ? "" : ", first ", p.first.c_str());
  std::printf("relro: %lu private pages (%lu bytes) over one instance of each app\n", static_cast<unsigned long>(pages),
              static_cast<unsigned long>(bytes));
}

} // namespace

Status run_report(const ReportOptions &opt) {
  std::vector<AppInfo> apps;
  std::map<std::string, LibInfo> libs;             // by library name
  std::map<std::pair<std::string, uint64_t>, std::set<std::string>> page_users; // (object, page offset) -> apps
  std::map<std::string, uint64_t> object_sizes;
  std::map<std::string, RelroInfo> relro; // by pool object
  ScanCache scans;
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
        li.variants.push_back({dl.id, dl.object, std::move(*bytes), {}, lib_use(*desc, i, dir)});
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
    if (desc->layout == Layout::Aslr && app.have_elf) {
      // The ASLR link itself: its .data.rel.ro parts, private in this mode.
      std::string err;
      const LinkScan *scan = scans.get(dir + "/" + desc->elf, &err);
      if (!scan) return Error::fmt("%s: %s", path.c_str(), err.c_str());
      for (RelroCost &c : relro_costs(*scan)) {
        int b = desc->find_block(c.lib.c_str());
        if (b < 0 || desc->blocks[b].lib < 0) continue;
        RelroInfo &ri = relro[desc->libs[desc->blocks[b].lib].object];
        if (ri.apps.empty()) ri.cost = std::move(c);
        ri.apps.insert(app.name);
      }
    }
    apps.push_back(app);
  }
  // Same build, different bytes: which relocations make the pages differ.
  for (auto &[name, li] : libs)
    for (size_t v = 1; v < li.variants.size(); v++)
      if (li.variants[v].id == li.variants[0].id)
        li.diffs.push_back(diff_variants(name, li.variants[0].bytes, li.variants[0].use, li.variants[v].bytes,
                                         li.variants[v].use, scans));

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
    json diffs = json::array();
    for (const VariantDiff &d : li.diffs) {
      json pj = json::array();
      for (const UnsharedPage &p : d.pages) {
        json cj = json::array();
        for (const Cause &c : p.causes) cj.push_back(cause_json(c));
        pj.push_back({{"offset", p.offset}, {"relocations", cj}, {"unexplained_bytes", p.unexplained_bytes}});
      }
      diffs.push_back({{"apps", {d.app_a, d.app_b}}, {"pages", pj}, {"note", d.note}});
    }
    j["libraries"].push_back({{"name", name}, {"apps", li.apps.size()}, {"variants", li.variants.size()},
                              {"pages", pages}, {"pages_shared_by_all", shared_by_all},
                              {"pages_by_sharing_apps", h}, {"note", explain(li)}, {"unshared_pages", diffs}});
  }
  json hist = json::object();
  for (const auto &[k, n] : histogram) hist[std::to_string(k)] = n;
  j["aslr_relro"] = json::array();
  uint64_t relro_pages_all = 0, relro_bytes_all = 0;
  for (const auto &[obj, ri] : relro) {
    json pj = json::array();
    for (const RelroPage &p : ri.cost.detail)
      pj.push_back({{"offset", p.offset}, {"pointers", p.pointers}, {"first", p.first}});
    j["aslr_relro"].push_back({{"library", ri.cost.lib}, {"apps", ri.apps.size()}, {"pages", ri.cost.pages},
                               {"bytes", ri.cost.bytes}, {"pointers", ri.cost.pointers}, {"page_detail", pj}});
    relro_pages_all += ri.cost.pages * ri.apps.size();
    relro_bytes_all += ri.cost.bytes * ri.apps.size();
  }
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
  print_unshared(libs);
  print_relro(relro, relro_pages_all, relro_bytes_all);
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
