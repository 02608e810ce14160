#include "guest_layout.h"

namespace uk::kvm {

GuestLayout layout_from_desc(const Desc &d) {
  GuestLayout g;
  g.app = d.app;
  g.platform = d.platform;
  g.image = d.image;
  g.image_size = d.image_size;
  g.entry = d.entry_addr();
  g.phdr = d.phdr_addr();
  g.phnum = d.phnum;
  for (uint32_t i = 0; i < d.nlibs; i++) g.libs.push_back({d.libs[i].name, d.libs[i].object, d.libs[i].object_size});
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &m = d.maps[i];
    LayoutBlock b;
    b.gpa = d.map_addr(m);
    b.size = m.size;
    b.prot = m.prot;
    b.source = m.source == MapSource::Pool ? BlockSource::Pool : BlockSource::Image;
    b.lib = m.lib;
    b.offset = m.offset;
    b.filesz = m.filesz;
    b.owner = m.source == MapSource::Pool ? d.libs[m.lib].name : "private image";
    g.blocks.push_back(std::move(b));
  }
  return g;
}

} // namespace uk::kvm
