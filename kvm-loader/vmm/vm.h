// One KVM virtual machine with one vCPU: the /dev/kvm, VM and vCPU fds, the
// vCPU's shared kvm_run page, and the CPU state of a long-mode guest
// entering the platform kernel at CPL0.
#pragma once

#include <linux/kvm.h>

#include <cstdint>

#include "error.h"

namespace uk::kvm {

class Vm {
public:
  Vm() = default;
  Vm(const Vm &) = delete;
  Vm &operator=(const Vm &) = delete;
  ~Vm();
  Status open();     // /dev/kvm, API version, capabilities, VM
  Status create_vcpu();
  // Long mode at CPL0: GDT/TSS at their ABI addresses, paging from cr3,
  // rip = entry, rdi = boot info, rsp = kernel stack.
  Status enter_long_mode(uint64_t cr3, uint64_t entry, uint64_t boot_info);
  Result<uint32_t> tsc_khz() const;
  int vm_fd() const { return vm_; }
  int vcpu_fd() const { return vcpu_; }
  kvm_run *run() const { return run_; }
  Status get_regs(kvm_regs *r) const;
  Status get_sregs(kvm_sregs *s) const;
  Status set_sregs(const kvm_sregs &s) const;

private:
  int kvm_ = -1, vm_ = -1, vcpu_ = -1;
  kvm_run *run_ = nullptr;
  size_t run_size_ = 0;
};

// The GDT and TSS the VMM writes into guest memory (UK_KVM_GDT, UK_KVM_TSS).
void write_gdt(uint8_t *gdt_page);
void write_tss(uint8_t *tss_page);

} // namespace uk::kvm
