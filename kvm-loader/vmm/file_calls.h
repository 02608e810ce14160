// File system calls of the guest (UK_KVM_CALL_FILE, and read/write/readv/
// writev on fds >= 3) on the --share DIR service of kvm-loader/host
// (ShareFs): guest strings and buffers are checked against guest memory
// here, then ShareFs resolves paths beneath DIR and owns the fd table.
// fds 0, 1, 2 are the console (the VMM's own stdin, stdout, stderr).
#pragma once

#include <cstdint>

#include "machine.h"
#include "uk_kvm_abi.h"

namespace uk::kvm {

int64_t file_call(Machine &m, const uk_kvm_file &c);
// read/write on a shared file: `guest_writes` when the guest's buffer receives data.
int64_t share_io(Machine &m, int64_t fd, uint64_t gpa, uint64_t len, bool guest_writes);

} // namespace uk::kvm
