#include "initial_stack.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "layout.h"
#include "stack_room.h"

extern "C" const Elf64_Ehdr __ehdr_start; // defined by the linker

namespace uk {
namespace {

constexpr size_t kMaxWords = 1 << 16;
uint64_t g_words[kMaxWords]; // bss: only the pages used are ever touched
uint64_t g_fixups[kStackFixups];
constexpr char kPlatform[8] = "x86_64";

} // namespace

Result<InitialStack> build_initial_stack(const EntryInfo &d, int argc, char **argv, char **envp) {
  size_t envc = 0;
  while (envp[envc]) envc++;
  constexpr size_t kAuxPairs = 24, kBlobWords = 3; // 16 random bytes + "x86_64\0\0"
  size_t need = 1 + static_cast<size_t>(argc) + 1 + envc + 1 + 2 * kAuxPairs + kBlobWords;
  if (need > kMaxWords) return Error::fmt("too many arguments and environment variables (%zu words)", need);

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
    return w - 1; // index of the value
  };
  aux(AT_PHDR, d.phdr);
  aux(AT_PHENT, sizeof(Elf64_Phdr));
  aux(AT_PHNUM, d.phnum);
  aux(AT_PAGESZ, kPageSize);
  aux(AT_BASE, d.base);
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
  size_t random_at = aux(AT_RANDOM, 0), platform_at = aux(AT_PLATFORM, 0);
  aux(AT_EXECFN, reinterpret_cast<uint64_t>(argv[0]));
  aux(AT_NULL, 0);

  // AT_RANDOM: 16 fresh bytes for this instance (musl seeds its canary
  // here), on the new stack like the kernel puts them.
  s[random_at] = w * 8;
  size_t got = 0;
  unsigned char *random = reinterpret_cast<unsigned char *>(&s[w]);
  while (got < 16) {
    ssize_t n = getrandom(random + got, 16 - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::fmt("getrandom for AT_RANDOM failed: %s", std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  w += 2;
  s[platform_at] = w * 8;
  std::memcpy(&s[w++], kPlatform, sizeof kPlatform);
  g_fixups[0] = random_at;
  g_fixups[1] = platform_at;
  // uk_enter copies the block below its stack pointer (16-byte aligned),
  // and the entry needs at least a page of stack after it.
  UK_TRY(check_stack_room(w * 8 + 16 + kPageSize));
  return InitialStack{g_words, w, g_fixups};
}

LoaderRange loader_writable_range() {
  // Our own headers: the linker's __ehdr_start is the ELF header in memory
  // (a static PIE has no PT_PHDR to derive the load bias from).
  const auto *eh = &__ehdr_start;
  const auto *ph = reinterpret_cast<const Elf64_Phdr *>(reinterpret_cast<const char *>(eh) + eh->e_phoff);
  uint64_t bias = 0;
  bool have_bias = false;
  for (size_t i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
      bias = reinterpret_cast<uint64_t>(eh) - ph[i].p_vaddr;
      have_bias = true;
      break;
    }
  if (!have_bias) return {0, 0};
  LoaderRange r{0, 0};
  for (size_t i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W)) continue;
    if (r.len) return {0, 0}; // more than one writable segment: keep them
    uint64_t start = page_down(bias + ph[i].p_vaddr);
    r = {start, page_up(bias + ph[i].p_vaddr + ph[i].p_memsz) - start};
  }
  // Never release a page that holds code: uk_enter runs from it.
  for (size_t i = 0; i < eh->e_phnum && r.len; i++) {
    if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X)) continue;
    uint64_t code_end = page_up(bias + ph[i].p_vaddr + ph[i].p_memsz);
    if (code_end > r.start && bias + ph[i].p_vaddr < r.start + r.len) {
      if (code_end >= r.start + r.len) return {0, 0};
      r = {code_end, r.start + r.len - code_end};
    }
  }
  return r;
}

} // namespace uk
