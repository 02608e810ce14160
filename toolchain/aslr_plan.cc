#include "aslr_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "layout.h"
#include "sha256.h"

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

std::string format_aslr_desc(const AslrPlan &plan, const std::string &elf_rel, const std::string &image_rel) {
  std::string s = "uk-slt-desc 2\n";
  s += fmt::format("app {}\nplatform linuxu\nlayout aslr\n", plan.app);
  if (!elf_rel.empty()) s += fmt::format("elf {}\n", elf_rel);
  s += fmt::format("image {} {} {}\n", image_rel, plan.image.size(), sha256_hex(plan.image.data(), plan.image.size()));
  for (const AslrBlock &b : plan.blocks) s += fmt::format("block {} {:#x}\n", b.name, b.size);
  for (const AslrBlock &b : plan.blocks)
    if (!b.shared.empty()) s += fmt::format("lib {} {} {} {:#x}\n", b.name, b.lib_id, b.object, b.shared.size());
  for (const AslrBlock &b : plan.blocks)
    for (const AslrMap &m : b.maps) {
      char p[4];
      prot_string(m.prot, p);
      if (m.pool) s += fmt::format("map {} {:#x} {:#x} {} pool {:#x}\n", b.name, m.off, m.size, p, m.src);
      else s += fmt::format("map {} {:#x} {:#x} {} image {:#x} {:#x}\n", b.name, m.off, m.size, p, m.src, m.filesz);
    }
  s += fmt::format("entry {} {:#x}\n", plan.blocks[static_cast<size_t>(plan.entry_block)].name, plan.entry_off);
  s += fmt::format("phdr .app {:#x} {}\n", plan.phdr_off, plan.phnum);
  if (plan.tls)
    s += fmt::format("tls .app {:#x} {:#x} {:#x} {:#x}\n", plan.tls_off, plan.tls_filesz, plan.tls_memsz, plan.tls_align);
  if (!plan.relocs.empty()) s += fmt::format("relocs {:#x} {}\n", plan.relocs_off, plan.relocs.size());
  s += "end\n";
  return s;
}

} // namespace uk
