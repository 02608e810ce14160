#include "vm.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "uk_kvm_abi.h"

namespace uk::kvm {
namespace {

constexpr uint64_t kCr0PE = 1, kCr0MP = 1u << 1, kCr0ET = 1u << 4, kCr0NE = 1u << 5, kCr0WP = 1u << 16,
                   kCr0PG = 1u << 31;
constexpr uint64_t kCr4PAE = 1u << 5, kCr4OSFXSR = 1u << 9, kCr4OSXMMEXCPT = 1u << 10;
constexpr uint64_t kEferSCE = 1, kEferLME = 1u << 8, kEferLMA = 1u << 10, kEferNXE = 1u << 11;
constexpr uint64_t kTssLimit = 103; // 64-bit TSS without an I/O bitmap

// GDT descriptors (64-bit code: L=1, D=0; data: D/B=1), flat.
constexpr uint64_t kGdtKernelCode = UK_KVM_GDT_KCODE; // uk_kvm_abi.h: shared with the guest's PVH boot
constexpr uint64_t kGdtKernelData = UK_KVM_GDT_KDATA;
constexpr uint64_t kGdtUserData = UK_KVM_GDT_UDATA;
constexpr uint64_t kGdtUserCode = UK_KVM_GDT_UCODE;

kvm_segment segment(uint16_t sel, uint8_t type, uint8_t dpl, bool code) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xffffffff;
  s.selector = sel;
  s.type = type;
  s.present = 1;
  s.dpl = dpl;
  s.db = code ? 0 : 1;
  s.s = 1;
  s.l = code ? 1 : 0;
  s.g = 1;
  return s;
}

} // namespace

void write_gdt(uint8_t *gdt_page) {
  uint64_t g[8] = {0, kGdtKernelCode, kGdtKernelData, 0, kGdtUserData, kGdtUserCode, 0, 0};
  // TSS descriptor (16 bytes at 0x30): base, limit, type 0xb (busy 64-bit TSS), present.
  uint64_t b = UK_KVM_TSS;
  g[6] = (kTssLimit & 0xffff) | ((b & 0xffffff) << 16) | (0x8bull << 40) | (((kTssLimit >> 16) & 0xf) << 48) |
         (((b >> 24) & 0xff) << 56);
  g[7] = b >> 32;
  std::memcpy(gdt_page, g, sizeof g);
}

void write_tss(uint8_t *tss_page) {
  uint64_t rsp0 = UK_KVM_KSTACK_TOP;
  std::memcpy(tss_page + 4, &rsp0, 8);      // RSP0
  uint16_t iomap = static_cast<uint16_t>(kTssLimit + 1);
  std::memcpy(tss_page + 102, &iomap, 2);   // I/O map base beyond the limit: no port access at CPL3
}

Vm::~Vm() {
  if (run_) munmap(run_, run_size_);
  if (vcpu_ >= 0) close(vcpu_);
  if (vm_ >= 0) close(vm_);
  if (kvm_ >= 0) close(kvm_);
}

Status Vm::open() {
  kvm_ = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm_ < 0) return Error::fmt("/dev/kvm: cannot open: %s", std::strerror(errno));
  int v = ioctl(kvm_, KVM_GET_API_VERSION, 0);
  if (v != KVM_API_VERSION) return Error::fmt("/dev/kvm: API version %d, expected %d", v, KVM_API_VERSION);
  if (ioctl(kvm_, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
    return Error::fmt("/dev/kvm: no KVM_CAP_READONLY_MEM (pool pages must be read-only memslots)");
  vm_ = ioctl(kvm_, KVM_CREATE_VM, 0);
  if (vm_ < 0) return Error::fmt("KVM_CREATE_VM: %s", std::strerror(errno));
  return {};
}

Status Vm::create_vcpu() {
  vcpu_ = ioctl(vm_, KVM_CREATE_VCPU, 0);
  if (vcpu_ < 0) return Error::fmt("KVM_CREATE_VCPU: %s", std::strerror(errno));
  int n = ioctl(kvm_, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (n < static_cast<int>(sizeof(kvm_run))) return Error::fmt("KVM_GET_VCPU_MMAP_SIZE: %s", std::strerror(errno));
  run_size_ = static_cast<size_t>(n);
  void *p = mmap(nullptr, run_size_, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_, 0);
  if (p == MAP_FAILED) return Error::fmt("mmap of the vCPU's kvm_run: %s", std::strerror(errno));
  run_ = static_cast<kvm_run *>(p);
  // CPUID as the host KVM supports it (SSE, RDRAND ...).
  // struct kvm_cpuid2 is {u32 nent; u32 padding; entries[]}, but its flexible
  // array makes C++'s sizeof (and so the ioctl numbers) differ from C's.
  struct CpuidHeader {
    uint32_t nent, padding;
  };
  constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
  constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
  constexpr uint32_t kEntries = 256;
  std::vector<uint8_t> buf(sizeof(CpuidHeader) + kEntries * sizeof(kvm_cpuid_entry2));
  CpuidHeader h{kEntries, 0};
  std::memcpy(buf.data(), &h, sizeof h);
  if (ioctl(kvm_, kGetSupportedCpuid, buf.data()) != 0) return Error::fmt("KVM_GET_SUPPORTED_CPUID: %s", std::strerror(errno));
  if (ioctl(vcpu_, kSetCpuid2, buf.data()) != 0) return Error::fmt("KVM_SET_CPUID2: %s", std::strerror(errno));
  return {};
}

Status Vm::get_regs(kvm_regs *r) const {
  if (ioctl(vcpu_, KVM_GET_REGS, r) != 0) return Error::fmt("KVM_GET_REGS: %s", std::strerror(errno));
  return {};
}
Status Vm::get_sregs(kvm_sregs *s) const {
  if (ioctl(vcpu_, KVM_GET_SREGS, s) != 0) return Error::fmt("KVM_GET_SREGS: %s", std::strerror(errno));
  return {};
}
Status Vm::set_sregs(const kvm_sregs &s) const {
  if (ioctl(vcpu_, KVM_SET_SREGS, &s) != 0) return Error::fmt("KVM_SET_SREGS: %s", std::strerror(errno));
  return {};
}

Status Vm::enter_long_mode(uint64_t cr3, uint64_t entry, uint64_t boot_info) {
  kvm_sregs s;
  UK_TRY(get_sregs(&s));
  s.cs = segment(UK_KVM_SEL_KCODE, 11, 0, true);
  s.ds = s.es = s.fs = s.gs = s.ss = segment(UK_KVM_SEL_KDATA, 3, 0, false);
  s.tr = kvm_segment{};
  s.tr.base = UK_KVM_TSS;
  s.tr.limit = kTssLimit;
  s.tr.selector = UK_KVM_SEL_TSS;
  s.tr.type = 11;
  s.tr.present = 1;
  s.gdt.base = UK_KVM_GDT;
  s.gdt.limit = 8 * 8 - 1;
  s.idt.base = 0;
  s.idt.limit = 0; // kvmplat loads its own
  s.cr0 = kCr0PE | kCr0MP | kCr0ET | kCr0NE | kCr0WP | kCr0PG;
  s.cr3 = cr3;
  s.cr4 = kCr4PAE | kCr4OSFXSR | kCr4OSXMMEXCPT;
  s.efer = kEferSCE | kEferLME | kEferLMA | kEferNXE;
  UK_TRY(set_sregs(s));
  kvm_regs r{};
  r.rip = entry;
  r.rdi = boot_info;
  r.rsp = UK_KVM_KSTACK_TOP;
  r.rflags = 2;
  if (ioctl(vcpu_, KVM_SET_REGS, &r) != 0) return Error::fmt("KVM_SET_REGS: %s", std::strerror(errno));
  return {};
}

Result<uint32_t> Vm::tsc_khz() const {
  int k = ioctl(vcpu_, KVM_GET_TSC_KHZ, 0);
  if (k <= 0) return Error::fmt("KVM_GET_TSC_KHZ: %s", std::strerror(errno));
  return static_cast<uint32_t>(k);
}

} // namespace uk::kvm
