#include "initial_stack_layout.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "layout.h"

namespace uk::kvm {

Result<uint64_t> write_initial_stack(uint8_t *host, uint64_t gpa, uint64_t size, const StackInfo &info, int argc,
                                     char **argv, char **envp) {
  // Top of the stack: strings, then 16 random bytes and "x86_64".
  uint64_t top = size;
  auto put = [&](const void *p, size_t n) -> Result<uint64_t> {
    if (n + 4096 > top) return Error::fmt("arguments and environment do not fit the %lu-byte guest stack",
                                          static_cast<unsigned long>(size));
    top -= n;
    std::memcpy(host + top, p, n);
    return gpa + top;
  };
  std::vector<uint64_t> arg_addr, env_addr;
  for (int i = 0; i < argc; i++) {
    auto a = put(argv[i], std::strlen(argv[i]) + 1);
    if (!a) return a.error();
    arg_addr.push_back(*a);
  }
  for (size_t i = 0; envp && envp[i]; i++) {
    auto a = put(envp[i], std::strlen(envp[i]) + 1);
    if (!a) return a.error();
    env_addr.push_back(*a);
  }
  auto platform = put("x86_64", 7);
  if (!platform) return platform.error();
  top &= ~15ull;
  uint8_t random[16];
  for (size_t got = 0; got < sizeof random;) {
    ssize_t n = getrandom(random + got, sizeof random - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fmt("getrandom for AT_RANDOM failed: %s", std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  auto rnd = put(random, sizeof random);
  if (!rnd) return rnd.error();

  std::vector<uint64_t> w;
  w.push_back(static_cast<uint64_t>(argc));
  for (uint64_t a : arg_addr) w.push_back(a);
  w.push_back(0);
  for (uint64_t a : env_addr) w.push_back(a);
  w.push_back(0);
  auto aux = [&](uint64_t t, uint64_t v) {
    w.push_back(t);
    w.push_back(v);
  };
  aux(AT_PHDR, info.phdr);
  aux(AT_PHENT, sizeof(Elf64_Phdr));
  aux(AT_PHNUM, info.phnum);
  aux(AT_PAGESZ, kPageSize);
  aux(AT_BASE, 0);
  aux(AT_FLAGS, 0);
  aux(AT_ENTRY, info.entry);
  aux(AT_UID, 0);
  aux(AT_EUID, 0);
  aux(AT_GID, 0);
  aux(AT_EGID, 0);
  aux(AT_SECURE, 0);
  aux(AT_HWCAP, getauxval(AT_HWCAP)); // the CPU's features (KVM passes them through)
  aux(AT_CLKTCK, 100);
  aux(AT_RANDOM, *rnd);
  aux(AT_PLATFORM, *platform);
  aux(AT_EXECFN, arg_addr.empty() ? 0 : arg_addr[0]);
  aux(AT_NULL, 0);
  uint64_t bytes = w.size() * 8;
  if (bytes + 4096 > top) return Error::fmt("arguments and environment do not fit the guest stack");
  uint64_t sp = (top - bytes) & ~15ull;
  std::memcpy(host + sp, w.data(), bytes);
  return gpa + sp;
}

} // namespace uk::kvm
