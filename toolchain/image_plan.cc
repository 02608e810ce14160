#include "image_plan.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

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
  auto elf = ElfView::parse(bytes->data(), bytes->size(), elf_path.c_str(), ET_EXEC);
  if (!elf) return elf.error();
  const char *path = elf_path.c_str();
  ImagePlan plan;
  plan.app = stem_of(elf_path);
  plan.entry = elf->ehdr().e_entry;
  plan.phnum = static_cast<uint32_t>(elf->phnum());

  struct Seg {
    const Elf64_Phdr *ph;
    const Slot *slot; // null: app region
  };
  std::vector<Seg> loads;
  for (size_t i = 0; i < elf->phnum(); i++) {
    const Elf64_Phdr &p = elf->phdr(i);
    if (p.p_type == PT_PHDR) plan.phdr = p.p_vaddr;
    if (p.p_type == PT_TLS) plan.tls = DescTls{true, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_align ? p.p_align : 1};
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    if ((p.p_vaddr % kPageSize) != (p.p_offset % kPageSize))
      return Error::fmt("%s: segment %zu: address 0x%lx and file offset 0x%lx are not congruent modulo the page size",
                        path, i, p.p_vaddr, p.p_offset);
    if (p.p_vaddr < kAppRegionBase)
      return Error::fmt("%s: segment %zu at 0x%lx is below the app region 0x%lx", path, i, p.p_vaddr, kAppRegionBase);
    const Slot *slot = nullptr;
    if (p.p_vaddr >= kSlotBase) {
      slot = reg.find_addr(p.p_vaddr);
      if (!slot)
        return Error::fmt("%s: segment %zu at 0x%lx is in no registry slot (aligned with another registry?)", path, i,
                          p.p_vaddr);
      if (p.p_vaddr + p.p_memsz > slot->end())
        return Error::fmt("%s: segment %zu at 0x%lx runs past the end of the slot of %s", path, i, p.p_vaddr,
                          slot->name.c_str());
    } else if (p.p_vaddr + p.p_memsz > kSlotBase) {
      return Error::fmt("%s: segment %zu at 0x%lx crosses from the app region into the slots", path, i, p.p_vaddr);
    }
    loads.push_back({&p, slot});
  }
  if (plan.phdr == 0) return Error::fmt("%s: no PT_PHDR program header", path);
  std::sort(loads.begin(), loads.end(), [](const Seg &a, const Seg &b) { return a.ph->p_vaddr < b.ph->p_vaddr; });
  for (size_t i = 1; i < loads.size(); i++)
    if (page_down(loads[i].ph->p_vaddr) < page_up(loads[i - 1].ph->p_vaddr + loads[i - 1].ph->p_memsz))
      return Error::fmt("%s: segments at 0x%lx and 0x%lx share a page", path, loads[i - 1].ph->p_vaddr,
                        loads[i].ph->p_vaddr);

  for (const Seg &s : loads) {
    const Elf64_Phdr &p = *s.ph;
    uint64_t start = page_down(p.p_vaddr), lead = p.p_vaddr - start;
    PlanMap m;
    m.vaddr = start;
    m.size = page_up(p.p_vaddr + p.p_memsz) - start;
    m.prot = prot_of(p.p_flags);
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
  for (PoolObjectPlan &o : plan.objects) o.object = sha256_hex(o.bytes.data(), o.bytes.size());
  return plan;
}

Result<Desc> make_desc(const ImagePlan &plan, const std::string &elf_rel, const std::string &image_rel) {
  Desc d;
  auto put = [](char *dst, size_t cap, const std::string &s, const char *what) -> Status {
    if (s.size() >= cap) return Error::fmt("desc: %s '%s' is too long", what, s.c_str());
    std::memcpy(dst, s.c_str(), s.size() + 1);
    return {};
  };
  UK_TRY(put(d.app, sizeof d.app, plan.app, "app name"));
  UK_TRY(put(d.platform, sizeof d.platform, plan.platform, "platform"));
  UK_TRY(put(d.elf, sizeof d.elf, elf_rel, "elf path"));
  UK_TRY(put(d.image, sizeof d.image, image_rel, "image path"));
  d.image_size = plan.image.size();
  d.entry = plan.entry;
  d.phdr = plan.phdr;
  d.phnum = plan.phnum;
  d.tls = plan.tls;
  if (plan.objects.size() > kDescMaxLibs) return Error::fmt("desc: more than %zu libraries", kDescMaxLibs);
  std::vector<std::pair<uint64_t, DescMap>> maps;
  for (size_t i = 0; i < plan.objects.size(); i++) {
    const PoolObjectPlan &o = plan.objects[i];
    DescLib &l = d.libs[d.nlibs++];
    UK_TRY(put(l.name, sizeof l.name, o.lib_name, "library name"));
    UK_TRY(put(l.id, sizeof l.id, o.lib_id, "library id"));
    UK_TRY(put(l.object, sizeof l.object, o.object, "object name"));
    l.object_size = o.bytes.size();
    for (const PlanMap &m : o.maps) {
      DescMap dm;
      dm.vaddr = m.vaddr, dm.size = m.size, dm.prot = m.prot, dm.source = MapSource::Pool;
      dm.lib = static_cast<uint16_t>(i), dm.offset = m.offset;
      maps.push_back({m.vaddr, dm});
    }
  }
  for (const PlanMap &m : plan.private_maps) {
    DescMap dm;
    dm.vaddr = m.vaddr, dm.size = m.size, dm.prot = m.prot, dm.source = MapSource::Image;
    dm.offset = m.offset, dm.filesz = m.filesz;
    maps.push_back({m.vaddr, dm});
  }
  if (maps.size() > kDescMaxMaps) return Error::fmt("desc: more than %zu maps", kDescMaxMaps);
  std::sort(maps.begin(), maps.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
  for (const auto &m : maps) d.maps[d.nmaps++] = m.second;
  UK_TRY(validate_desc(d, plan.app.c_str()));
  return d;
}

} // namespace uk
