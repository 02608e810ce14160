// Builds the VM: system region (boot info, GDT, TSS, kernel stack, page
// tables), the unikernel's blocks, guest RAM (in two memslots:
// phys_memory.h), the initial stack, the CPU.
#include "machine.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "initial_stack_layout.h"
#include "layout.h"
#include "pool.h"
#include "uk_kvm_abi.h"

namespace uk::kvm {
namespace {

uint64_t pte_flags(uint8_t prot) {
  return kPteP | kPteU | ((prot & kProtW) ? kPteW : 0) | ((prot & kProtX) ? 0 : kPteNX);
}

std::string sibling(const char *path, const std::string &rel) {
  const char *slash = std::strrchr(path, '/');
  return slash ? std::string(path, slash) + "/" + rel : rel;
}

// An open fd, closed when it goes.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// The pool objects of a desc, opened and checked with the very code of
// uk-slt-run (common/pool.h), mapped shared read-only from O_RDONLY fds side
// by side into the pool memslot.
Status map_pool(PhysMemory &phys, const GuestLayout &g, const char *pool, std::vector<PhysPiece> *libs) {
  auto dirfd = open_pool_dir(pool);
  if (!dirfd) return dirfd.error();
  Fd dir{*dirfd};
  for (const LayoutLib &l : g.libs) {
    auto fd = open_pool_object(dir.fd, pool, l.object.c_str(), l.object_size);
    if (!fd) return fd.error();
    Fd object{*fd};
    std::string what = std::string(pool) + "/" + l.object;
    auto p = phys.map_pool_object(object.fd, l.object_size, what.c_str());
    if (!p) return p.error();
    libs->push_back(*p);
  }
  return {};
}

Status open_image(const GuestLayout &g, const char *desc_path, Fd *out) {
  std::string path = sibling(desc_path, g.image);
  out->fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (out->fd < 0) return Error::fmt("%s: cannot open private image: %s", path.c_str(), std::strerror(errno));
  struct stat st;
  if (fstat(out->fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != g.image_size)
    return Error::fmt("%s: private image is not a regular file of %lu bytes (truncated or stale?)", path.c_str(),
                      static_cast<unsigned long>(g.image_size));
  return {};
}

// Where a block lives: in its pool object's part of the pool memslot, or in
// the next piece of the private memslot (image pages mapped copy-on-write
// when they line up, else read from file_fd, the image or the ELF; the rest
// stays zero).
Result<PhysPiece> place_block(PhysMemory &phys, const GuestLayout &g, const LayoutBlock &b,
                              const std::vector<PhysPiece> &libs, int file_fd, const char *app) {
  uint64_t end;
  if (b.source == BlockSource::Pool) {
    if (b.lib >= g.libs.size() || add_overflows(b.offset, b.size, &end) || end > page_up(g.libs[b.lib].object_size))
      return Error::fmt("%s: block at 0x%lx is outside its pool object", app, static_cast<unsigned long>(b.gpa));
    return PhysPiece{libs[b.lib].host + b.offset, libs[b.lib].gpa + b.offset};
  }
  uint64_t src_size = b.source == BlockSource::Image ? g.image_size : g.copy_size;
  if (b.filesz > b.size || add_overflows(b.offset, b.filesz, &end) || end > src_size)
    return Error::fmt("%s: block at 0x%lx reads past the end of its file", app, static_cast<unsigned long>(b.gpa));
  auto p = phys.take_private(b.size);
  if (!p) return p;
  if (b.source == BlockSource::Image && page_aligned(b.offset) && b.filesz == b.size) {
    UK_TRY(phys.map_private_file(*p, b.size, file_fd, b.offset, app)); // copy on write of the image
  } else if (b.filesz && pread(file_fd, p->host, b.filesz, static_cast<off_t>(b.offset)) != static_cast<ssize_t>(b.filesz)) {
    // Read, not copied from a mapping: the ELF's segments as Firecracker loads a kernel.
    return Error::fmt("%s: cannot read 0x%lx bytes of the %s at 0x%lx", app, static_cast<unsigned long>(b.filesz),
                      b.source == BlockSource::Image ? "private image" : "ELF", static_cast<unsigned long>(b.offset));
  }
  return p;
}

} // namespace

Status build_machine(Machine &m, const GuestLayout &g, const MachineConfig &c) {
  UK_TRY(m.vm.open());
  UK_TRY(m.vm.create_vcpu());
  bool desc_mode = g.copy_from == nullptr;

  // Sizes of the two memslots: system + page tables + private blocks + RAM; pool objects.
  uint64_t private_size = UK_KVM_PT_HIGH, pool_size = 0;
  for (const LayoutBlock &b : g.blocks) {
    uint64_t end;
    if (b.gpa < kAppRegionBase || add_overflows(b.gpa, b.size, &end) || end > kSlotLimit || !page_aligned(b.gpa) ||
        !page_aligned(b.size))
      return Error::fmt("%s: block [0x%lx, +0x%lx) is outside the unikernel's address range", c.app_path,
                        static_cast<unsigned long>(b.gpa), static_cast<unsigned long>(b.size));
    if (b.source != BlockSource::Pool) private_size += b.size; // < kSlotLimit each, at most kMaxMaps: no overflow
  }
  if (desc_mode)
    for (const LayoutLib &l : g.libs) // each size is checked against its file before anything is mapped
      if (l.object_size > kSlotLimit || add_overflows(pool_size, page_up(l.object_size), &pool_size))
        return Error::fmt("%s: pool object %s: size 0x%lx is larger than the unikernel's address range", c.app_path,
                          l.object.c_str(), static_cast<unsigned long>(l.object_size));
  private_size += kLargePage + c.mem_bytes; // guest RAM starts at a 2 MiB boundary
  UK_TRY(m.phys.reserve(private_size, pool_size));

  // System region [0, UK_KVM_PT_LOW) and page tables [UK_KVM_PT_LOW, UK_KVM_PT_HIGH), identity-mapped.
  auto sys = m.phys.private_at(0, UK_KVM_PT_HIGH);
  if (!sys) return sys.error();
  m.sys = sys->host;
  UK_TRY(m.mem.add(Region{0, UK_KVM_KSTACK_TOP, m.sys, 0, RegionKind::System, 0, true, "VMM system pages"}));
  UK_TRY(m.mem.add(Region{UK_KVM_PT_LOW, UK_KVM_PT_HIGH - UK_KVM_PT_LOW, m.sys + UK_KVM_PT_LOW, UK_KVM_PT_LOW,
                          RegionKind::PageTables, 0, false, "page tables"}));
  m.pt = std::make_unique<PageTables>(m.sys + UK_KVM_PT_LOW, UK_KVM_PT_LOW, UK_KVM_PT_HIGH - UK_KVM_PT_LOW);
  UK_TRY(m.pt->init());
  UK_TRY(m.pt->map(UK_KVM_BOOT_INFO, UK_KVM_BOOT_INFO, kPageSize, kPteNX));                  // supervisor read-only
  UK_TRY(m.pt->map(UK_KVM_GDT, UK_KVM_GDT, 2 * kPageSize, kPteW | kPteNX));                  // GDT, TSS
  UK_TRY(m.pt->map(UK_KVM_KSTACK_LOW, UK_KVM_KSTACK_LOW, UK_KVM_KSTACK_TOP - UK_KVM_KSTACK_LOW, kPteW | kPteNX));
  UK_TRY(m.pt->map(UK_KVM_DOORBELL, UK_KVM_DOORBELL, kPageSize, kPteU | kPteW | kPteNX)); // no memslot: MMIO exit
  write_gdt(m.sys + UK_KVM_GDT);
  write_tss(m.sys + UK_KVM_TSS);

  // The unikernel's blocks.
  std::vector<PhysPiece> libs;
  Fd file; // desc mode: the private image; ELF mode: the ELF
  if (desc_mode) {
    UK_TRY(map_pool(m.phys, g, c.pool, &libs));
    UK_TRY(open_image(g, c.app_path, &file));
  } else if ((file.fd = open(c.app_path, O_RDONLY | O_CLOEXEC)) < 0) {
    return Error::fmt("%s: cannot open: %s", c.app_path, std::strerror(errno));
  }
  uint64_t plat_header = g.plat_header;
  for (const LayoutBlock &b : g.blocks) {
    auto p = place_block(m.phys, g, b, libs, file.fd, c.app_path);
    if (!p) return p.error();
    bool pool = b.source == BlockSource::Pool;
    UK_TRY(m.mem.add(Region{b.gpa, b.size, p->host, p->gpa, pool ? RegionKind::Pool : RegionKind::Private, b.prot,
                            !pool && (b.prot & kProtW), b.owner}));
    UK_TRY(m.pt->map(b.gpa, p->gpa, b.size, pte_flags(b.prot)));
    (pool ? m.stats.shared_pages : m.stats.private_pages) += b.size / kPageSize;
    if (desc_mode && pool && (b.prot & kProtX) && g.libs[b.lib].name == "kvmplat" && !plat_header) plat_header = b.gpa;
    if (c.verbose) {
      char pr[4];
      prot_string(b.prot, pr);
      std::fprintf(stderr, "uk-kvm-run: guest 0x%lx-0x%lx %s %s %s (guest-physical 0x%lx)\n",
                   static_cast<unsigned long>(b.gpa), static_cast<unsigned long>(b.gpa + b.size), pr,
                   pool ? "pool (read-only memslot)" : "private", b.owner.c_str(), static_cast<unsigned long>(p->gpa));
    }
  }
  if (!plat_header)
    return Error::fmt("%s: no KVM platform library (kvmplat); pack the app with --platform kvm", c.app_path);

  // The platform kernel's header, read where the guest will see it.
  const Region *hr = m.mem.find(plat_header);
  uk_kvm_plat_header h;
  if (!hr || hr->kind == RegionKind::System || plat_header + sizeof h > hr->addr + hr->size)
    return Error::fmt("%s: kvmplat header at 0x%lx is not in the unikernel", c.app_path,
                      static_cast<unsigned long>(plat_header));
  std::memcpy(&h, hr->host + (plat_header - hr->addr), sizeof h);
  if (h.magic != UK_KVM_PLAT_MAGIC || h.abi_version != UK_KVM_ABI_VERSION || h.entry_offset >= hr->size)
    return Error::fmt("%s: kvmplat at 0x%lx: bad header (magic 0x%lx, ABI version %u, this VMM speaks %d)",
                      c.app_path, static_cast<unsigned long>(plat_header), static_cast<unsigned long>(h.magic),
                      h.abi_version, UK_KVM_ABI_VERSION);
  uint64_t kernel_entry = plat_header + h.entry_offset;

  // Guest RAM: heap, then the stack at the top; the last piece of the private memslot.
  m.ram_addr = UK_KVM_RAM_BASE;
  m.ram_size = c.mem_bytes;
  auto ram = m.phys.take_private(m.ram_size, kLargePage);
  if (!ram) return ram.error();
  m.ram = ram->host;
  m.ram_phys = ram->gpa;
  UK_TRY(m.mem.add(Region{m.ram_addr, m.ram_size, m.ram, m.ram_phys, RegionKind::Ram, kProtR | kProtW, true, "guest RAM"}));
  UK_TRY(m.pt->map(m.ram_addr, m.ram_phys, m.ram_size, kPteU | kPteW | kPteNX, true)); // 2 MiB pages
  m.stats.ram_pages = m.ram_size / kPageSize;
  if (c.ksm) UK_TRY(m.phys.mergeable());
  auto slots = m.phys.register_memslots(m.vm.vm_fd());
  if (!slots) return slots.error();
  m.stats.memslots = *slots;
  uint64_t stack_size = m.ram_size / 4 < kMainStackSize ? page_down(m.ram_size / 4) : kMainStackSize;
  uint64_t ram_end = m.ram_addr + m.ram_size;

  auto sp = write_initial_stack(m.ram + (m.ram_size - stack_size), ram_end - stack_size, stack_size,
                                StackInfo{g.phdr, g.phnum, g.entry}, c.argc, c.argv, c.envp);
  if (!sp) return sp.error();

  auto khz = m.vm.tsc_khz();
  if (!khz) return khz.error();
  uk_kvm_boot_info bi{};
  bi.magic = UK_KVM_BOOT_MAGIC;
  bi.abi_version = UK_KVM_ABI_VERSION;
  bi.app_entry = g.entry;
  bi.app_stack = *sp;
  bi.heap_start = m.ram_addr;
  bi.heap_end = ram_end - stack_size;
  bi.tsc_khz = *khz;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  bi.realtime_ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  bi.pid = 1;
  std::memcpy(m.sys + UK_KVM_BOOT_INFO, &bi, sizeof bi);
  return m.vm.enter_long_mode(m.pt->root(), kernel_entry, UK_KVM_BOOT_INFO);
}

} // namespace uk::kvm
