#include "image_plan.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "elf_view.h"
#include "layout.h"
#include "content_hash.h"

namespace uk {
namespace {

uint8_t prot_of(uint32_t pf) {
  return static_cast<uint8_t>(((pf & PF_R) ? kProtR : 0) | ((pf & PF_W) ? kProtW : 0) | ((pf & PF_X) ? kProtX : 0));
}

} // namespace

Result<ImagePlan> plan_image(const std::string &elf_path, const Registry &reg) {
  auto bytes = read_file(elf_path);
  if (!bytes) return bytes.error();
  return plan_image_bytes(*bytes, elf_path, reg);
}

Result<ImagePlan> plan_image_bytes(const Bytes &bytes, const std::string &elf_path, const Registry &reg) {
  auto elf = ElfView::parse(bytes.data(), bytes.size(), elf_path.c_str(), ET_EXEC);
  if (!elf) return elf.error();
  const char *path = elf_path.c_str();
  ImagePlan plan;
  plan.app = stem_of(elf_path);
  plan.entry = elf->ehdr().e_entry;
  plan.phnum = static_cast<uint32_t>(elf->phnum());

  struct Seg {
    const Elf64_Phdr *ph;
    const Slot *slot; // null: app region
    uint64_t end;     // page-rounded end, overflow-checked
  };
  std::vector<Seg> loads;
  for (size_t i = 0; i < elf->phnum(); i++) {
    const Elf64_Phdr &p = elf->phdr(i);
    if (p.p_type == PT_PHDR) plan.phdr = p.p_vaddr;
    // An empty PT_TLS (the linker script declares one in every app) is no TLS: nothing to describe.
    if (p.p_type == PT_TLS && p.p_memsz) plan.tls = DescTls{true, 0, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align ? p.p_align : 1};
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    if ((p.p_vaddr % kPageSize) != (p.p_offset % kPageSize))
      return Error::fmt("%s: segment %zu: address 0x%lx and file offset 0x%lx are not congruent modulo the page size",
                        path, i, p.p_vaddr, p.p_offset);
    if (p.p_vaddr < kAppRegionBase)
      return Error::fmt("%s: segment %zu at 0x%lx is below the app region 0x%lx", path, i, p.p_vaddr, kAppRegionBase);
    // ElfView::parse refused a segment whose page-rounded end wraps.
    uint64_t end = 0;
    if (page_end_overflows(p.p_vaddr, p.p_memsz, &end))
      return Error::fmt("%s: segment %zu (address 0x%lx, size 0x%lx) wraps around the address space", path, i,
                        p.p_vaddr, p.p_memsz);
    const Slot *slot = nullptr;
    if (p.p_vaddr >= kSlotBase) {
      slot = reg.find_addr(p.p_vaddr);
      if (!slot)
        return Error::fmt("%s: segment %zu at 0x%lx is in no registry slot (aligned with another registry?)", path, i,
                          p.p_vaddr);
      if (end > slot->end())
        return Error::fmt("%s: segment %zu at 0x%lx runs past the end of the slot of %s", path, i, p.p_vaddr,
                          slot->name.c_str());
    } else if (end > kSlotBase) {
      return Error::fmt("%s: segment %zu at 0x%lx crosses from the app region into the slots", path, i, p.p_vaddr);
    }
    loads.push_back({&p, slot, end});
  }
  if (plan.phdr == 0) return Error::fmt("%s: no PT_PHDR program header", path);
  std::sort(loads.begin(), loads.end(), [](const Seg &a, const Seg &b) { return a.ph->p_vaddr < b.ph->p_vaddr; });
  for (size_t i = 1; i < loads.size(); i++)
    if (page_down(loads[i].ph->p_vaddr) < loads[i - 1].end)
      return Error::fmt("%s: segments at 0x%lx and 0x%lx share a page", path, loads[i - 1].ph->p_vaddr,
                        loads[i].ph->p_vaddr);

  // Blocks: the app region, then one per slot in address order (loads are sorted).
  plan.blocks.push_back({kAppBlock, kAppRegionBase, 0});
  auto block_of = [&](const Seg &s) -> size_t {
    if (!s.slot) return 0;
    for (size_t b = 1; b < plan.blocks.size(); b++)
      if (plan.blocks[b].base == s.slot->base) return b;
    plan.blocks.push_back({s.slot->name, s.slot->base, s.slot->end() - s.slot->base});
    return plan.blocks.size() - 1;
  };
  for (const Seg &s : loads) {
    const Elf64_Phdr &p = *s.ph;
    uint64_t start = page_down(p.p_vaddr), lead = p.p_vaddr - start;
    PlanMap m;
    m.block = block_of(s);
    m.vaddr = start;
    m.size = s.end - start;
    m.prot = prot_of(p.p_flags);
    if (!s.slot) plan.blocks[0].size = m.vaddr + m.size - kAppRegionBase;
    auto src = elf->bytes(p.p_offset - lead, lead + p.p_filesz, "segment");
    if (!src) return src.error();
    if (s.slot && !(p.p_flags & PF_W)) {
      // Shared: goes into its library's pool object at its offset from the
      // object's start (the slot's first shared page).
      PoolObjectPlan *obj = nullptr;
      for (PoolObjectPlan &o : plan.objects)
        if (o.lib_id == s.slot->id) obj = &o;
      if (!obj) {
        plan.objects.push_back({});
        obj = &plan.objects.back();
        obj->lib_name = s.slot->name;
        obj->lib_id = s.slot->id;
      }
      // Segments are packed back to back: the object holds no gap pages.
      m.offset = obj->bytes.size();
      obj->bytes.resize(m.offset + m.size, 0);
      std::memcpy(obj->bytes.data() + m.offset, *src, lead + p.p_filesz);
      obj->maps.push_back(m);
    } else {
      m.offset = plan.image.size();
      m.filesz = lead + p.p_filesz;
      plan.image.resize(m.offset + page_up(m.filesz), 0);
      std::memcpy(plan.image.data() + m.offset, *src, m.filesz);
      plan.private_maps.push_back(m);
    }
  }
  // A TLS template of the app region that no load covers (only .tbss, as
  // Unikraft links it): the .app block still spans it, so the desc can name it.
  if (plan.tls.present && plan.tls.off >= kAppRegionBase && plan.tls.off < kSlotBase) {
    uint64_t end = page_up(plan.tls.off + (plan.tls.filesz ? plan.tls.filesz : 1));
    if (end <= kSlotBase && end > kAppRegionBase + plan.blocks[0].size) plan.blocks[0].size = end - kAppRegionBase;
  }
  for (PoolObjectPlan &o : plan.objects) o.object = sha256_hex(o.bytes.data(), o.bytes.size());
  return plan;
}

Result<Desc> make_desc(const ImagePlan &plan, const std::string &elf_rel, const std::string &image_rel) {
  auto d = std::make_unique<Desc>();
  auto put = [](char *dst, size_t cap, const std::string &s, const char *what) -> Status {
    if (s.size() >= cap) return Error::fmt("desc: %s '%s' is too long", what, s.c_str());
    std::memcpy(dst, s.c_str(), s.size() + 1);
    return {};
  };
  UK_TRY(put(d->app, sizeof d->app, plan.app, "app name"));
  UK_TRY(put(d->platform, sizeof d->platform, plan.platform, "platform"));
  d->layout = Layout::Fixed;
  UK_TRY(put(d->elf, sizeof d->elf, elf_rel, "elf path"));
  UK_TRY(put(d->image, sizeof d->image, image_rel, "image path"));
  d->image_size = plan.image.size();
  UK_TRY(put(d->image_sha256, sizeof d->image_sha256, sha256_hex(plan.image.data(), plan.image.size()), "image hash"));
  if (plan.blocks.size() > kDescMaxBlocks) return Error::fmt("desc: more than %zu blocks", kDescMaxBlocks);
  for (const PlanBlock &b : plan.blocks) {
    DescBlock &db = d->blocks[d->nblocks++];
    UK_TRY(put(db.name, sizeof db.name, b.name, "block name"));
    db.size = b.size, db.base = b.base, db.has_base = true, db.lib = -1;
  }
  // (block, offset) of an address the ELF gives (entry, phdrs, TLS).
  auto locate = [&](uint64_t vaddr, const char *what, DescRef *out) -> Status {
    for (uint32_t b = 0; b < d->nblocks; b++)
      if (vaddr >= d->blocks[b].base && vaddr - d->blocks[b].base < d->blocks[b].size) {
        *out = DescRef{static_cast<uint16_t>(b), vaddr - d->blocks[b].base};
        return {};
      }
    return Error::fmt("desc: %s 0x%lx is in no block (app region or library slot)", what,
                      static_cast<unsigned long>(vaddr));
  };
  UK_TRY(locate(plan.entry, "entry", &d->entry));
  UK_TRY(locate(plan.phdr, "program headers", &d->phdr));
  d->phnum = plan.phnum;
  if (plan.tls.present) {
    DescRef t;
    UK_TRY(locate(plan.tls.off, "TLS template", &t));
    d->tls = plan.tls;
    d->tls.block = t.block, d->tls.off = t.off;
  }
  if (plan.objects.size() > kDescMaxLibs) return Error::fmt("desc: more than %zu libraries", kDescMaxLibs);
  std::vector<std::pair<uint64_t, DescMap>> maps;
  auto add_map = [&](const PlanMap &m, MapSource src, uint16_t lib) {
    DescMap dm;
    dm.block = static_cast<uint16_t>(m.block), dm.off = m.vaddr - plan.blocks[m.block].base;
    dm.size = m.size, dm.prot = m.prot, dm.source = src, dm.lib = lib;
    dm.offset = m.offset, dm.filesz = m.filesz;
    maps.push_back({m.vaddr, dm});
  };
  for (size_t i = 0; i < plan.objects.size(); i++) {
    const PoolObjectPlan &o = plan.objects[i];
    DescLib &l = d->libs[d->nlibs];
    size_t block = o.maps.empty() ? 0 : o.maps[0].block;
    if (block == 0) return Error::fmt("desc: pool object of '%s' has no library block", o.lib_name.c_str());
    UK_TRY(put(l.name, sizeof l.name, plan.blocks[block].name, "library name"));
    UK_TRY(put(l.id, sizeof l.id, o.lib_id, "library id"));
    UK_TRY(put(l.object, sizeof l.object, o.object, "object name"));
    l.object_size = o.bytes.size();
    l.block = static_cast<uint16_t>(block);
    d->blocks[block].lib = static_cast<int16_t>(d->nlibs);
    for (const PlanMap &m : o.maps) add_map(m, MapSource::Pool, static_cast<uint16_t>(d->nlibs));
    d->nlibs++;
  }
  for (const PlanMap &m : plan.private_maps) add_map(m, MapSource::Image, 0);
  if (maps.size() > kDescMaxMaps) return Error::fmt("desc: more than %zu maps", kDescMaxMaps);
  std::sort(maps.begin(), maps.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &m : maps) d->maps[d->nmaps++] = m.second;
  UK_TRY(validate_desc(*d, plan.app.c_str()));
  return std::move(*d);
}

} // namespace uk
