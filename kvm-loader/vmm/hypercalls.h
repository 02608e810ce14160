// The VMM's side of the hypercall ABI (abi/uk_kvm_abi.h): one doorbell
// store, one call. Every guest address is checked by GuestMemory before use;
// a bad call gets an error status (or is ignored when even its structure is
// unreachable) and the VMM carries on.
#pragma once

#include <cstdint>
#include <string>

#include "machine.h"

namespace uk::kvm {

struct Outcome {
  bool stop = false;
  int status = 0;      // exit status when stop
  std::string message; // one line when the VM stops for a reason other than exit
};

// `offset` is the store's offset in the doorbell page, `len` its size, `value` the stored bytes.
Outcome handle_doorbell(Machine &m, uint64_t offset, uint32_t len, uint64_t value);
const char *call_name(uint64_t nr);
// What a guest fault looks like in one line, naming the address, its library and the RIP's.
std::string describe_fault(const Machine &m, uint64_t vector, uint64_t error, uint64_t addr, uint64_t rip);
int fault_status(uint64_t vector);

} // namespace uk::kvm
