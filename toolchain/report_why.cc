#include "report_why.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "elf_view.h"
#include "layout.h"
#include "reloc_kinds.h"

namespace uk {
namespace {

const LinkPart *part_named(const LinkBlock &b, const char *name) {
  for (const LinkPart &p : b.parts)
    if (p.name == name) return &p;
  return nullptr;
}

// The bytes of a field of `size` bytes, little-endian.
uint64_t field_value(const uint8_t *p, unsigned size) {
  uint64_t v = 0;
  std::memcpy(&v, p, size);
  return v;
}

std::string where_in(const LinkScan &scan, uint64_t place) {
  const LinkSymbol *s = scan.symbol_at(place);
  if (!s) return {};
  return fmt::format("{}+{:#x}", s->name, place - s->addr);
}

} // namespace

const LinkScan *ScanCache::get(const std::string &path, std::string *err) {
  auto it = scans_.find(path);
  if (it != scans_.end()) return it->second.get();
  auto e = errors_.find(path);
  if (e != errors_.end()) {
    *err = e->second;
    return nullptr;
  }
  auto r = scan_link(path);
  if (!r) {
    *err = errors_[path] = r.error().what();
    return nullptr;
  }
  return (scans_[path] = std::make_unique<LinkScan>(std::move(*r))).get();
}

const SymbolIndex *ScanCache::symbols(const std::string &path) {
  auto it = symbols_.find(path);
  if (it != symbols_.end()) return it->second.get();
  std::unique_ptr<SymbolIndex> &idx = symbols_[path];
  auto bytes = read_file(path);
  if (!bytes) return nullptr;
  auto elf = ElfView::parse(bytes->data(), bytes->size(), path.c_str(), ET_EXEC);
  if (!elf) return nullptr;
  for (size_t i = 1; i < elf->shnum(); i++) {
    const Elf64_Shdr &sh = elf->shdr(i);
    if (sh.sh_type != SHT_SYMTAB || sh.sh_entsize != sizeof(Elf64_Sym)) continue;
    auto sb = elf->section_bytes(i);
    if (!sb) return nullptr;
    auto out = std::make_unique<SymbolIndex>();
    std::set<std::string> twice;
    for (size_t j = 1; j < sh.sh_size / sizeof(Elf64_Sym); j++) {
      Elf64_Sym sy;
      std::memcpy(&sy, *sb + j * sizeof sy, sizeof sy);
      unsigned t = ELF64_ST_TYPE(sy.st_info);
      if (sy.st_shndx == SHN_UNDEF || t == STT_SECTION || t == STT_FILE) continue;
      std::string name(elf->string_at(sh.sh_link, sy.st_name));
      if (name.empty()) continue;
      auto [at, fresh] = out->value.emplace(name, sy.st_value);
      if (!fresh && at->second != sy.st_value) twice.insert(name);
      if ((t == STT_FUNC || t == STT_OBJECT) && sy.st_size != 0)
        out->by_name.emplace(name, LinkSymbol{sy.st_value, sy.st_size, name});
    }
    for (const std::string &n : twice) out->value.erase(n);
    idx = std::move(out);
    break;
  }
  return idx.get();
}

VariantDiff diff_variants(const std::string &lib, const Bytes &a, const LibUse &ua, const Bytes &b, const LibUse &ub,
                          ScanCache &scans) {
  VariantDiff d;
  d.app_a = ua.app, d.app_b = ub.app;
  size_t n = std::min(a.size(), b.size());
  std::vector<bool> differs(std::max(a.size(), b.size()), false), explained(differs.size(), false);
  for (size_t i = 0; i < differs.size(); i++) differs[i] = i >= n || a[i] != b[i];

  std::vector<Cause> causes;
  const std::string &elf = !ua.aslr_elf.empty() ? ua.aslr_elf : ub.aslr_elf;
  const LinkScan *scan = nullptr;
  const LinkBlock *blk = nullptr;
  std::string err;
  if (elf.empty()) {
    d.note = fmt::format("no ASLR link ({0}.aslr.elf or {1}.aslr.elf) next to the descs to name the relocations: "
                         "pack with --aslr",
                         ua.app, ub.app);
  } else if (!(scan = scans.get(elf, &err))) {
    d.note = "relocation scan failed: " + err;
  } else {
    for (const LinkBlock &bl : scan->blocks)
      if (bl.name == lib) blk = &bl;
    if (!blk) d.note = fmt::format("{}: no library {} in the ASLR link", elf, lib);
  }
  if (blk) {
    const LinkPart *text = part_named(*blk, "text");
    // Where the field of r is in u's pool object.
    auto locate = [&](const LibUse &u, const CodeRef &r, uint64_t *off) {
      if (text && u.has_text && r.place >= text->addr && r.place - text->addr < text->size) {
        uint64_t o = r.place - text->addr; // text: the same input sections in the same order in both links
        *off = u.text_pool_off + o;
        return true;
      }
      // rodata, .data.rel.ro: through the symbol holding the field, if the
      // app's ELF has exactly one of that name and size in this block.
      const LinkSymbol *s = scan->symbol_at(r.place);
      const SymbolIndex *idx = u.elf.empty() ? nullptr : scans.symbols(u.elf);
      if (!s || !idx || !u.has_rodata) return false;
      const LinkSymbol *found = nullptr;
      auto [lo, hi] = idx->by_name.equal_range(s->name);
      for (auto it = lo; it != hi; ++it) {
        const LinkSymbol &c = it->second;
        if (c.size != s->size || c.addr < u.base || c.addr - u.base >= u.size) continue;
        if (found) return false; // ambiguous
        found = &c;
      }
      if (!found) return false;
      uint64_t at = found->addr + (r.place - s->addr), start = u.base + u.rodata_block_off;
      if (at < start || at - start >= u.rodata_size) return false;
      *off = u.rodata_pool_off + (at - start);
      return true;
    };
    std::vector<CodeRef> refs = blk->refs;
    refs.insert(refs.end(), blk->relro_refs.begin(), blk->relro_refs.end());
    for (const CodeRef &r : refs) {
      const RelocType &rt = reloc_type(r.type);
      if (rt.size == 0) continue;
      uint64_t off_a, off_b;
      if (!locate(ua, r, &off_a) || !locate(ub, r, &off_b)) continue;
      if (off_a > a.size() || a.size() - off_a < rt.size || off_b > b.size() || b.size() - off_b < rt.size) continue;
      if (std::memcmp(a.data() + off_a, b.data() + off_b, rt.size) == 0) continue;
      Cause c;
      c.offset = off_a;
      c.type = rt.name;
      c.in = where_in(*scan, r.place);
      c.sym = r.sym;
      // The symbol's address in each app, from its own ELF; else the field's bytes.
      const SymbolIndex *ia = ua.elf.empty() ? nullptr : scans.symbols(ua.elf);
      const SymbolIndex *ib = ub.elf.empty() ? nullptr : scans.symbols(ub.elf);
      auto va = ia ? ia->value.find(r.sym) : std::map<std::string, uint64_t>::const_iterator();
      auto vb = ib ? ib->value.find(r.sym) : std::map<std::string, uint64_t>::const_iterator();
      if (ia && ib && va != ia->value.end() && vb != ib->value.end()) {
        c.target_a = va->second, c.target_b = vb->second;
      } else {
        c.field_only = true;
        c.target_a = field_value(a.data() + off_a, rt.size), c.target_b = field_value(b.data() + off_b, rt.size);
      }
      for (uint64_t k = 0; k < rt.size; k++) explained[off_a + k] = true;
      causes.push_back(std::move(c));
    }
  }
  std::sort(causes.begin(), causes.end(), [](const Cause &x, const Cause &y) { return x.offset < y.offset; });
  size_t ci = 0;
  for (uint64_t page = 0; page < differs.size(); page += kPageSize) {
    uint64_t end = std::min<uint64_t>(page + kPageSize, differs.size()), unexplained = 0;
    bool any = false;
    for (uint64_t i = page; i < end; i++) {
      any = any || differs[i];
      if (differs[i] && !explained[i]) unexplained++;
    }
    if (!any) continue;
    UnsharedPage up;
    up.offset = page;
    up.unexplained_bytes = unexplained;
    while (ci < causes.size() && causes[ci].offset < page) ci++;
    for (size_t k = ci; k < causes.size() && causes[k].offset < end; k++) up.causes.push_back(causes[k]);
    d.pages.push_back(std::move(up));
  }
  return d;
}

std::vector<RelroCost> relro_costs(const LinkScan &scan) {
  std::vector<RelroCost> out;
  for (const LinkBlock &b : scan.blocks) {
    const LinkPart *relro = b.name == ".app" ? nullptr : part_named(b, "relro");
    if (!relro) continue;
    RelroCost c;
    c.lib = b.name;
    c.bytes = relro->size;
    c.pages = page_up(relro->size) / kPageSize;
    for (uint64_t page = 0; page < c.pages; page++) {
      uint64_t lo = relro->addr + page * kPageSize, hi = lo + kPageSize;
      RelroPage rp;
      rp.offset = page * kPageSize;
      for (auto it = scan.relative.lower_bound(lo); it != scan.relative.end() && it->first < hi; ++it) rp.pointers++;
      auto ref = std::lower_bound(b.relro_refs.begin(), b.relro_refs.end(), lo,
                                  [](const CodeRef &r, uint64_t a) { return r.place < a; });
      if (ref != b.relro_refs.end() && ref->place < hi)
        rp.first = fmt::format("{} at +{:#x} against {}{}", reloc_type(ref->type).name, ref->place - relro->addr,
                               ref->sym,
                               ref->sym.rfind("section ", 0) == 0 && ref->addend ? fmt::format("{:+#x}", ref->addend)
                                                                                 : std::string());
      c.pointers += rp.pointers;
      c.detail.push_back(std::move(rp));
    }
    out.push_back(std::move(c));
  }
  return out;
}

} // namespace uk
