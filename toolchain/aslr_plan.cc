#include "aslr_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "layout.h"
#include "content_hash.h"

namespace uk {
namespace {

constexpr uint8_t kRW = kProtR | kProtW, kRO = kProtR, kRX = kProtR | kProtX;

std::string app_name_of(const std::string &elf_path) {
  std::string s = stem_of(elf_path);
  const std::string suffix = ".aslr";
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
    s.resize(s.size() - suffix.size());
  return s;
}

// Appends [data, data+len) to the image at a page boundary; returns its offset.
uint64_t append_page_aligned(Bytes &image, const uint8_t *data, uint64_t len) {
  uint64_t off = image.size();
  image.resize(off + page_up(len), 0);
  if (len) std::memcpy(image.data() + off, data, len);
  return off;
}

} // namespace

size_t AslrPlan::count(uint8_t kind) const {
  return static_cast<size_t>(std::count_if(relocs.begin(), relocs.end(), [&](const AslrReloc &r) { return r.kind == kind; }));
}

Result<AslrPlan> plan_aslr(const std::string &elf_path, const std::vector<std::pair<std::string, std::string>> &lib_ids) {
  auto scanr = scan_link(elf_path);
  if (!scanr) return scanr.error();
  const LinkScan &scan = *scanr;
  const char *path = elf_path.c_str();
  AslrPlan plan;
  plan.app = app_name_of(elf_path);
  if (scan.blocks.size() > 255) return Error::fmt("%s: more than 255 blocks", path);

  // Link address -> (block, offset from the block's link start); offsets are
  // moved by each block's table size once every block is rewritten.
  auto resolve = [&](uint64_t a) {
    RefTarget t;
    t.block = scan.block_of(a);
    if (t.block >= 0) t.off = a - scan.blocks[static_cast<size_t>(t.block)].start;
    return t;
  };
  auto got = [&](uint64_t a, RefTarget *t) {
    if (a < scan.got_start || a + 8 > scan.got_end) return false;
    auto it = scan.relative.find(a);
    if (it != scan.relative.end()) {
      *t = resolve(it->second);
      return true;
    }
    const uint8_t *p = scan.at(a, 8);
    *t = RefTarget{};
    t->constant = true;
    if (p) std::memcpy(&t->value, p, 8);
    return true;
  };

  std::vector<RewrittenBlock> rewritten(scan.blocks.size());
  for (size_t bi = 0; bi < scan.blocks.size(); bi++) {
    const LinkBlock &lb = scan.blocks[bi];
    AslrBlock b;
    b.name = lb.name;
    b.link_base = lb.start;
    b.content_size = lb.end - lb.start;
    Bytes content(lb.end - lb.start, 0);
    for (const LinkPart &p : lb.parts) {
      if (p.nobits) continue;
      auto src = scan.at(p.addr, p.size);
      if (!src) return Error::fmt("%s: section %s of %s is outside the file", path, p.name.c_str(), lb.name.c_str());
      std::memcpy(content.data() + (p.addr - lb.start), src, p.size);
    }
    if (bi == 0) { // the app region: private, one read-only map
      b.size = content.size();
      uint64_t filesz = 0;
      for (const LinkPart &p : lb.parts)
        if (!p.nobits) filesz = std::max(filesz, p.addr + p.size - lb.start);
      b.maps.push_back({0, b.size, kRO, false, 0, filesz});
      rewritten[bi].content = std::move(content);
      plan.blocks.push_back(std::move(b));
      continue;
    }
    for (const auto &[name, id] : lib_ids)
      if (name == lb.name) b.lib_id = id;
    if (b.lib_id.empty() && !lib_ids.empty())
      return Error::fmt("%s: block %s is no library of this app", path, lb.name.c_str());
    RewriteInput in;
    in.lib = lb.name;
    in.link_base = lb.start;
    in.content = std::move(content);
    in.text_size = lb.text_end ? lb.text_end - lb.start : 0;
    in.shared_size = lb.shared_end - lb.start;
    for (uint64_t s : lb.starts) in.starts.push_back(s - lb.start);
    in.refs = lb.refs;
    in.resolve = resolve;
    in.got = got;
    auto rw = rewrite_block(in);
    if (!rw) return rw.error();
    b.content_off = rw->table_size;
    b.size = rw->size;
    b.shared = rw->shared;
    b.object = sha256_hex(b.shared.data(), b.shared.size());
    b.exec_size = rw->table_size + page_up(in.text_size);
    for (uint64_t s : lb.starts) b.starts.push_back(s - lb.start + rw->table_size);
    b.stats = rw->stats;
    plan.stats.add(rw->stats);
    if (b.exec_size) b.maps.push_back({0, b.exec_size, kRX, true, 0, 0});
    if (b.shared.size() > b.exec_size)
      b.maps.push_back({b.exec_size, b.shared.size() - b.exec_size, kRO, true, b.exec_size, 0});
    rewritten[bi] = std::move(*rw);
    plan.blocks.push_back(std::move(b));
  }

  // Load-time relocations. Offsets in block coordinates (tables included).
  auto block_off = [&](const RefTarget &t) { return t.off + plan.blocks[static_cast<size_t>(t.block)].content_off; };
  auto add = [&](size_t b, uint64_t off, const RefTarget &t, uint8_t kind, int64_t extra) {
    plan.relocs.push_back({static_cast<uint32_t>(off), static_cast<uint8_t>(b), static_cast<uint8_t>(t.block), kind, 0,
                           static_cast<int64_t>(block_off(t)) + extra});
  };
  for (const auto &[place, target] : scan.relative) {
    int b = scan.block_of(place);
    if (b < 0 || place + 8 > scan.blocks[static_cast<size_t>(b)].end)
      return Error::fmt("%s: RELATIVE relocation at 0x%lx is in no block", path, static_cast<unsigned long>(place));
    const LinkBlock &lb = scan.blocks[static_cast<size_t>(b)];
    if (b > 0 && place < lb.shared_end)
      return Error::fmt("%s: %s+0x%lx: absolute address in a shared page: rebuild position-independent (-fPIC)", path,
                        lb.name.c_str(), static_cast<unsigned long>(place - lb.start));
    RefTarget t = resolve(target);
    if (t.block < 0)
      return Error::fmt("%s: pointer at 0x%lx to 0x%lx, which is in no block", path, static_cast<unsigned long>(place),
                        static_cast<unsigned long>(target));
    uint64_t off = place - lb.start;
    std::memset(rewritten[static_cast<size_t>(b)].content.data() + off, 0, 8);
    add(static_cast<size_t>(b), off + plan.blocks[static_cast<size_t>(b)].content_off, t, kAslrAbs64, 0);
  }
  // The app table's quads are linker-script constants: no RELATIVE record.
  for (uint64_t q = 0; q < 5; q++) {
    uint64_t place = scan.app_table + 8 * q, v = 0;
    const uint8_t *p = scan.at(place, 8);
    if (!p) return Error::fmt("%s: app table at 0x%lx is outside the file", path, static_cast<unsigned long>(place));
    std::memcpy(&v, p, 8);
    RefTarget t = resolve(v);
    if (t.block < 0) return Error::fmt("%s: app table entry %lu (0x%lx) is in no block", path,
                                       static_cast<unsigned long>(q), static_cast<unsigned long>(v));
    std::memset(rewritten[0].content.data() + (place - scan.blocks[0].start), 0, 8);
    add(0, place - scan.blocks[0].start, t, kAslrAbs64, 0);
  }
  for (size_t bi = 1; bi < plan.blocks.size(); bi++) {
    const RewrittenBlock &rw = rewritten[bi];
    for (size_t i = 0; i < rw.slots.size(); i++)
      if (!rw.slots[i].target.constant) add(bi, rw.slots_off + 8 * i, rw.slots[i].target, kAslrSlot64, 0);
    for (const StubFixup &f : rw.stub_fixups) add(bi, f.off, f.target, kAslrPc32, f.addend - static_cast<int64_t>(f.target.off));
  }
  std::sort(plan.relocs.begin(), plan.relocs.end(), [](const AslrReloc &a, const AslrReloc &b) {
    return a.block != b.block ? a.block < b.block : a.offset < b.offset;
  });

  // Private image: every image map of every block, then the relocations.
  for (size_t bi = 0; bi < plan.blocks.size(); bi++) {
    AslrBlock &b = plan.blocks[bi];
    RewrittenBlock &rw = rewritten[bi];
    if (bi == 0) {
      AslrMap &m = b.maps[0];
      m.src = append_page_aligned(plan.image, rw.content.data(), m.filesz);
      continue;
    }
    const LinkBlock &lb = scan.blocks[bi];
    for (const LinkPart &p : lb.parts) {
      if (p.name == "text" || p.name == "rodata") continue;
      AslrMap m;
      m.off = b.content_off + (p.addr - lb.start);
      m.size = page_up(p.size);
      m.prot = p.name == "relro" ? kRO : kRW;
      if (!p.nobits) {
        m.filesz = p.size;
        m.src = append_page_aligned(plan.image, rw.content.data() + (p.addr - lb.start), p.size);
      } else {
        m.src = plan.image.size();
      }
      b.maps.push_back(m);
    }
    if (rw.slots_size) {
      Bytes slots(rw.slots.size() * 8, 0);
      for (size_t i = 0; i < rw.slots.size(); i++)
        if (rw.slots[i].target.constant) std::memcpy(&slots[8 * i], &rw.slots[i].target.value, 8);
      b.maps.push_back({rw.slots_off, rw.slots_size, kRO, false,
                        append_page_aligned(plan.image, slots.data(), slots.size()), slots.size()});
    }
    if (rw.stubs_size)
      b.maps.push_back({rw.stubs_off, rw.stubs_size, kRX, false,
                        append_page_aligned(plan.image, rw.stubs.data(), rw.stubs.size()), rw.stubs.size()});
  }
  plan.relocs_off = plan.image.size();
  append_page_aligned(plan.image, reinterpret_cast<const uint8_t *>(plan.relocs.data()), plan.relocs.size() * sizeof(AslrReloc));

  int eb = scan.block_of(scan.entry);
  if (eb <= 0) return Error::fmt("%s: entry 0x%lx is in no library", path, static_cast<unsigned long>(scan.entry));
  plan.entry_block = eb;
  plan.entry_off = scan.entry - scan.blocks[static_cast<size_t>(eb)].start + plan.blocks[static_cast<size_t>(eb)].content_off;
  plan.phdr_off = scan.phdr - scan.blocks[0].start;
  plan.phnum = scan.phnum;
  if (scan.tls) {
    if (scan.tls_vaddr < scan.blocks[0].start || scan.tls_vaddr > scan.blocks[0].end) return Error::fmt("%s: TLS template is not in the app region", path);
    plan.tls = true;
    plan.tls_off = scan.tls_vaddr - scan.blocks[0].start;
    plan.tls_filesz = scan.tls_filesz, plan.tls_memsz = scan.tls_memsz, plan.tls_align = scan.tls_align;
  }
  return plan;
}

Status make_aslr_desc(const AslrPlan &plan, const std::string &elf_rel, const std::string &image_rel, Desc *d) {
  auto put = [](char *dst, size_t cap, const std::string &v, const char *what) -> Status {
    if (v.size() >= cap) return Error::fmt("desc: %s '%s' is too long", what, v.c_str());
    std::memcpy(dst, v.c_str(), v.size() + 1);
    return {};
  };
  d->reset();
  d->layout = Layout::Aslr;
  UK_TRY(put(d->app, sizeof d->app, plan.app, "app name"));
  UK_TRY(put(d->platform, sizeof d->platform, "linuxu", "platform"));
  UK_TRY(put(d->elf, sizeof d->elf, elf_rel, "elf path"));
  UK_TRY(put(d->image, sizeof d->image, image_rel, "image path"));
  d->image_size = plan.image.size();
  UK_TRY(put(d->image_sha256, sizeof d->image_sha256, sha256_hex(plan.image.data(), plan.image.size()), "image hash"));
  if (plan.blocks.size() > kDescMaxBlocks) return Error::fmt("desc: more than %zu blocks", kDescMaxBlocks);
  for (size_t i = 0; i < plan.blocks.size(); i++) {
    const AslrBlock &b = plan.blocks[i];
    DescBlock &db = d->blocks[d->nblocks++];
    UK_TRY(put(db.name, sizeof db.name, b.name, "block name"));
    db.size = b.size, db.base = 0, db.has_base = false, db.lib = -1;
    if (!b.shared.empty()) {
      DescLib &l = d->libs[d->nlibs];
      UK_TRY(put(l.name, sizeof l.name, b.name, "library name"));
      UK_TRY(put(l.id, sizeof l.id, b.lib_id, "library id"));
      UK_TRY(put(l.object, sizeof l.object, b.object, "object name"));
      l.object_size = b.shared.size();
      l.block = static_cast<uint16_t>(i);
      db.lib = static_cast<int16_t>(d->nlibs++);
    }
    for (const AslrMap &m : b.maps) {
      if (d->nmaps >= kDescMaxMaps) return Error::fmt("desc: more than %zu maps", kDescMaxMaps);
      DescMap &dm = d->maps[d->nmaps++];
      dm.block = static_cast<uint16_t>(i), dm.off = m.off, dm.size = m.size, dm.prot = m.prot;
      dm.source = m.pool ? MapSource::Pool : MapSource::Image;
      dm.lib = m.pool ? static_cast<uint16_t>(db.lib) : 0;
      dm.offset = m.src, dm.filesz = m.pool ? 0 : m.filesz;
    }
  }
  d->entry = DescRef{static_cast<uint16_t>(plan.entry_block), plan.entry_off};
  d->phdr = DescRef{0, plan.phdr_off};
  d->phnum = static_cast<uint32_t>(plan.phnum);
  if (plan.tls) d->tls = DescTls{true, 0, plan.tls_off, plan.tls_filesz, plan.tls_memsz, plan.tls_align};
  if (!plan.relocs.empty()) d->relocs = DescRelocs{true, plan.relocs_off, static_cast<uint32_t>(plan.relocs.size())};
  return validate_desc(*d, plan.app.c_str());
}

} // namespace uk
