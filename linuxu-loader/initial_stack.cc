#include "initial_stack.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "layout.h"

namespace uk {
namespace {

constexpr size_t kMaxWords = 1 << 16;
uint64_t g_words[kMaxWords]; // bss: only the pages used are ever touched
unsigned char g_random[16];
char g_platform[] = "x86_64";

} // namespace

Result<InitialStack> build_initial_stack(const Desc &d, int argc, char **argv, char **envp) {
  size_t envc = 0;
  while (envp[envc]) envc++;
  constexpr size_t kAuxPairs = 24;
  size_t need = 1 + static_cast<size_t>(argc) + 1 + envc + 1 + 2 * kAuxPairs;
  if (need > kMaxWords) return Error::fmt("too many arguments and environment variables (%zu words)", need);

  // AT_RANDOM: 16 fresh bytes for this instance (musl seeds its canary here).
  size_t got = 0;
  while (got < sizeof g_random) {
    ssize_t n = getrandom(g_random + got, sizeof g_random - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fmt("getrandom for AT_RANDOM failed: %s", std::strerror(errno));
    got += static_cast<size_t>(n);
  }

  size_t w = 0;
  uint64_t *s = g_words;
  s[w++] = static_cast<uint64_t>(argc);
  for (int i = 0; i < argc; i++) s[w++] = reinterpret_cast<uint64_t>(argv[i]);
  s[w++] = 0;
  for (size_t i = 0; i < envc; i++) s[w++] = reinterpret_cast<uint64_t>(envp[i]);
  s[w++] = 0;
  auto aux = [&](uint64_t type, uint64_t value) {
    s[w++] = type;
    s[w++] = value;
  };
  aux(AT_PHDR, d.phdr);
  aux(AT_PHENT, sizeof(Elf64_Phdr));
  aux(AT_PHNUM, d.phnum);
  aux(AT_PAGESZ, kPageSize);
  aux(AT_BASE, 0); // no interpreter
  aux(AT_FLAGS, 0);
  aux(AT_ENTRY, d.entry);
  // What the kernel gave us and is the same for the app.
  static const unsigned long passthrough[] = {AT_UID,   AT_EUID,   AT_GID,          AT_EGID,       AT_SECURE,
                                              AT_HWCAP, AT_HWCAP2, AT_CLKTCK,       AT_SYSINFO_EHDR, AT_MINSIGSTKSZ};
  for (unsigned long t : passthrough) {
    errno = 0;
    unsigned long v = getauxval(t);
    if (v != 0 || errno == 0) aux(t, v);
  }
  aux(AT_RANDOM, reinterpret_cast<uint64_t>(g_random));
  aux(AT_PLATFORM, reinterpret_cast<uint64_t>(g_platform));
  aux(AT_EXECFN, reinterpret_cast<uint64_t>(argv[0]));
  aux(AT_NULL, 0);
  return InitialStack{g_words, w};
}

} // namespace uk
