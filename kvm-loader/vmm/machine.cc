// Builds the VM: system region (boot info, GDT, TSS, kernel stack, page
// tables), the unikernel's blocks, guest RAM, the initial stack, the CPU.
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

Result<uint8_t *> anon(uint64_t size, const char *what) {
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return Error::fmt("%s: cannot allocate %lu bytes: %s", what, static_cast<unsigned long>(size), std::strerror(errno));
  return static_cast<uint8_t *>(p);
}

uint64_t pte_flags(uint8_t prot) {
  return kPteP | kPteU | ((prot & kProtW) ? kPteW : 0) | ((prot & kProtX) ? 0 : kPteNX);
}

std::string sibling(const char *path, const std::string &rel) {
  const char *slash = std::strrchr(path, '/');
  return slash ? std::string(path, slash) + "/" + rel : rel;
}

// The pool objects of a desc, opened and checked with the very code of
// uk-slt-run (common/pool.h), mapped shared read-only from O_RDONLY fds.
Status map_pool(const GuestLayout &g, const char *pool, std::vector<uint8_t *> *bases) {
  auto dirfd = open_pool_dir(pool);
  if (!dirfd) return dirfd.error();
  Status s;
  for (const LayoutLib &l : g.libs) {
    auto fd = open_pool_object(*dirfd, pool, l.object.c_str(), l.object_size);
    if (!fd) {
      s = fd.error();
      break;
    }
    void *p = l.object_size ? mmap(nullptr, l.object_size, PROT_READ, MAP_SHARED, *fd, 0) : nullptr;
    int e = errno;
    close(*fd);
    if (p == MAP_FAILED) {
      s = Error::fmt("%s/%s: cannot map pool object: %s", pool, l.object.c_str(), std::strerror(e));
      break;
    }
    bases->push_back(static_cast<uint8_t *>(p));
  }
  close(*dirfd);
  return s;
}

Result<uint8_t *> map_image(const GuestLayout &g, const char *desc_path) {
  std::string path = sibling(desc_path, g.image);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::fmt("%s: cannot open private image: %s", path.c_str(), std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != g.image_size) {
    close(fd);
    return Error::fmt("%s: private image is not a regular file of %lu bytes (truncated or stale?)", path.c_str(),
                      static_cast<unsigned long>(g.image_size));
  }
  void *p = g.image_size ? mmap(nullptr, g.image_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : nullptr;
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) return Error::fmt("%s: cannot map private image: %s", path.c_str(), std::strerror(e));
  return static_cast<uint8_t *>(p);
}

// Host memory for one block.
Result<uint8_t *> block_memory(const GuestLayout &g, const LayoutBlock &b, const std::vector<uint8_t *> &pool_bases,
                               uint8_t *image, const char *app) {
  uint64_t end;
  if (b.source == BlockSource::Pool) {
    if (b.lib >= g.libs.size() || add_overflows(b.offset, b.size, &end) || end > g.libs[b.lib].object_size)
      return Error::fmt("%s: block at 0x%lx is outside its pool object", app, static_cast<unsigned long>(b.gpa));
    return pool_bases[b.lib] + b.offset;
  }
  uint64_t src_size = b.source == BlockSource::Image ? g.image_size : g.copy_size;
  const uint8_t *src = b.source == BlockSource::Image ? image : g.copy_from;
  if (b.filesz > b.size || add_overflows(b.offset, b.filesz, &end) || end > src_size)
    return Error::fmt("%s: block at 0x%lx reads past the end of its file", app, static_cast<unsigned long>(b.gpa));
  if (b.source == BlockSource::Image && page_aligned(b.offset) && b.filesz == b.size) return image + b.offset; // CoW of the image
  auto mem = anon(b.size, app);
  if (!mem) return mem;
  if (b.filesz) std::memcpy(*mem, src + b.offset, b.filesz);
  if (!(b.prot & kProtW)) mprotect(*mem, b.size, PROT_READ);
  return mem;
}

} // namespace

Status build_machine(Machine &m, const GuestLayout &g, const MachineConfig &c) {
  UK_TRY(m.vm.open());
  // System region [0, UK_KVM_PT_LOW) and page tables [UK_KVM_PT_LOW, UK_KVM_PT_HIGH).
  auto sys = anon(UK_KVM_PT_HIGH, "system memory");
  if (!sys) return sys.error();
  m.sys = *sys;
  UK_TRY(m.mem.add(m.vm.vm_fd(), Region{0, UK_KVM_KSTACK_TOP, m.sys, RegionKind::System, 0, true, "VMM system pages"}));
  UK_TRY(m.mem.add(m.vm.vm_fd(), Region{UK_KVM_PT_LOW, UK_KVM_PT_HIGH - UK_KVM_PT_LOW, m.sys + UK_KVM_PT_LOW,
                                         RegionKind::PageTables, 0, false, "page tables"}));
  m.pt = std::make_unique<PageTables>(m.sys + UK_KVM_PT_LOW, UK_KVM_PT_LOW, UK_KVM_PT_HIGH - UK_KVM_PT_LOW);
  UK_TRY(m.pt->init());
  UK_TRY(m.pt->map(UK_KVM_BOOT_INFO, kPageSize, kPteNX));                  // supervisor read-only
  UK_TRY(m.pt->map(UK_KVM_GDT, 2 * kPageSize, kPteW | kPteNX));            // GDT, TSS
  UK_TRY(m.pt->map(UK_KVM_KSTACK_LOW, UK_KVM_KSTACK_TOP - UK_KVM_KSTACK_LOW, kPteW | kPteNX));
  UK_TRY(m.pt->map(UK_KVM_DOORBELL, kPageSize, kPteU | kPteW | kPteNX)); // no memslot: MMIO exit
  write_gdt(m.sys + UK_KVM_GDT);
  write_tss(m.sys + UK_KVM_TSS);

  // The unikernel's blocks.
  std::vector<uint8_t *> pool_bases;
  uint8_t *image = nullptr;
  bool desc_mode = g.copy_from == nullptr;
  if (desc_mode) {
    UK_TRY(map_pool(g, c.pool, &pool_bases));
    auto img = map_image(g, c.app_path);
    if (!img) return img.error();
    image = *img;
  }
  uint64_t plat_header = g.plat_header;
  Region pending; // size 0: none
  for (const LayoutBlock &b : g.blocks) {
    if (b.gpa < kAppRegionBase || b.gpa + b.size > kSlotLimit)
      return Error::fmt("%s: block [0x%lx, +0x%lx) is outside the unikernel's address range", c.app_path,
                        static_cast<unsigned long>(b.gpa), static_cast<unsigned long>(b.size));
    auto host = block_memory(g, b, pool_bases, image, c.app_path);
    if (!host) return host.error();
    bool pool = b.source == BlockSource::Pool;
    // Consecutive blocks of one pool object (text then rodata) share a
    // memslot: every KVM_SET_USER_MEMORY_REGION costs (milliseconds on a
    // loaded nested host). The page tables keep each block's permissions.
    if (pool && pending.kind == RegionKind::Pool && pending.owner == b.owner && pending.gpa + pending.size == b.gpa &&
        pending.host + pending.size == *host) {
      pending.size += b.size;
      pending.prot &= b.prot;
    } else {
      if (pending.size) UK_TRY(m.mem.add(m.vm.vm_fd(), std::move(pending)));
      pending = Region{b.gpa, b.size, *host, pool ? RegionKind::Pool : RegionKind::Private, b.prot,
                       !pool && (b.prot & kProtW), b.owner};
    }
    UK_TRY(m.pt->map(b.gpa, b.size, pte_flags(b.prot)));
    (pool ? m.stats.shared_pages : m.stats.private_pages) += b.size / kPageSize;
    if (desc_mode && pool && (b.prot & kProtX) && g.libs[b.lib].name == "kvmplat" && !plat_header) plat_header = b.gpa;
    if (c.verbose) {
      char p[4];
      prot_string(b.prot, p);
      std::fprintf(stderr, "uk-kvm-run: guest 0x%lx-0x%lx %s %s %s\n", static_cast<unsigned long>(b.gpa),
                   static_cast<unsigned long>(b.gpa + b.size), p, pool ? "pool (read-only memslot)" : "private",
                   b.owner.c_str());
    }
  }
  if (pending.size) UK_TRY(m.mem.add(m.vm.vm_fd(), std::move(pending)));
  if (!plat_header)
    return Error::fmt("%s: no KVM platform library (kvmplat); pack the app with --platform kvm", c.app_path);

  // The platform kernel's header, read where the guest will see it.
  const Region *hr = m.mem.find(plat_header);
  uk_kvm_plat_header h;
  if (!hr || hr->kind == RegionKind::System || plat_header + sizeof h > hr->gpa + hr->size)
    return Error::fmt("%s: kvmplat header at 0x%lx is not in the unikernel", c.app_path,
                      static_cast<unsigned long>(plat_header));
  std::memcpy(&h, hr->host + (plat_header - hr->gpa), sizeof h);
  if (h.magic != UK_KVM_PLAT_MAGIC || h.abi_version != UK_KVM_ABI_VERSION || h.entry_offset >= hr->size)
    return Error::fmt("%s: kvmplat at 0x%lx: bad header (magic 0x%lx, ABI version %u, this VMM speaks %d)",
                      c.app_path, static_cast<unsigned long>(plat_header), static_cast<unsigned long>(h.magic),
                      h.abi_version, UK_KVM_ABI_VERSION);
  uint64_t kernel_entry = plat_header + h.entry_offset;

  // Guest RAM: heap, then the stack at the top.
  m.ram_gpa = UK_KVM_RAM_BASE;
  m.ram_size = c.mem_bytes;
  auto ram = anon(m.ram_size, "guest RAM");
  if (!ram) return ram.error();
  m.ram = *ram;
  if (c.ksm && madvise(m.ram, m.ram_size, MADV_MERGEABLE) != 0)
    return Error::fmt("--ksm: madvise(MADV_MERGEABLE): %s", std::strerror(errno));
  UK_TRY(m.mem.add(m.vm.vm_fd(), Region{m.ram_gpa, m.ram_size, m.ram, RegionKind::Ram, kProtR | kProtW, true, "guest RAM"}));
  UK_TRY(m.pt->map(m.ram_gpa, m.ram_size, kPteU | kPteW | kPteNX));
  m.stats.ram_pages = m.ram_size / kPageSize;
  uint64_t stack_size = m.ram_size / 4 < kMainStackSize ? page_down(m.ram_size / 4) : kMainStackSize;
  uint64_t ram_end = m.ram_gpa + m.ram_size;

  auto sp = write_initial_stack(m.ram + (m.ram_size - stack_size), ram_end - stack_size, stack_size,
                                StackInfo{g.phdr, g.phnum, g.entry}, c.argc, c.argv, c.envp);
  if (!sp) return sp.error();

  UK_TRY(m.vm.create_vcpu());
  auto khz = m.vm.tsc_khz();
  if (!khz) return khz.error();
  uk_kvm_boot_info bi{};
  bi.magic = UK_KVM_BOOT_MAGIC;
  bi.abi_version = UK_KVM_ABI_VERSION;
  bi.app_entry = g.entry;
  bi.app_stack = *sp;
  bi.heap_start = m.ram_gpa;
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
