// A unikernel's VM, ready to run: guest memory, page tables, boot info,
// initial stack and CPU state (machine.cc builds it from a GuestLayout).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "guest_layout.h"
#include "guest_memory.h"
#include "page_tables.h"
#include "phys_memory.h"
#include "share_fs.h"
#include "vm.h"

namespace uk::kvm {

struct Stats {
  uint64_t t_start = 0, t_first_run = 0, t_first_exit = 0, t_end = 0; // ns, CLOCK_MONOTONIC
  std::map<std::string, uint64_t> exits;
  uint64_t shared_pages = 0, private_pages = 0, ram_pages = 0;
  uint32_t memslots = 0;
};

struct MachineConfig {
  const char *app_path = nullptr; // for messages and the desc's directory
  const char *pool = nullptr;     // desc mode
  uint64_t mem_bytes = 0;
  bool ksm = false, verbose = false;
  int argc = 0;
  char **argv = nullptr;
  char **envp = nullptr;
};

struct Machine {
  PhysMemory phys; // the host memory behind the memslots (mapped until the process exits)
  Vm vm;
  GuestMemory mem;
  std::unique_ptr<PageTables> pt;
  uint8_t *sys = nullptr; // host memory of [0, UK_KVM_PT_HIGH), identity-mapped
  uint64_t ram_addr = 0, ram_size = 0, ram_phys = 0; // guest RAM: guest address, size, guest-physical address
  uint8_t *ram = nullptr;
  kvmhost::ShareFs share; // --share DIR (none: the guest has only the console)
  Stats stats;
};

Status build_machine(Machine &m, const GuestLayout &g, const MachineConfig &c);

} // namespace uk::kvm
