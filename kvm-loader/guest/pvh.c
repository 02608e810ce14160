/*
 * The PVH boot's C half (CPL0, 64-bit, on pvh_entry.S's stack): builds what
 * uk-kvm-run builds before the first instruction, from what the monitor
 * gives (struct hvm_start_info in %ebx: command line, memory map) and the
 * image's own ELF header, then returns the boot info to the common kernel
 * start (entry.S, kernel.c).
 *
 *   TSS          rsp0 = the PVH stack; no I/O bitmap
 *   guest RAM    the largest RAM range of the memory map above the image,
 *                inside the first GiB (pvh_entry.S maps that): heap, then
 *                the stack at its top (8 MiB, at most a quarter)
 *   stack        argc, argv (argv[0] "unikernel", then the words of the
 *                command line: QEMU's -append), no environment, auxv as
 *                uk-kvm-run writes it (vmm/initial_stack_layout.cc)
 *   time         TSC frequency from CPUID (0x15, 0x16 or the hypervisor's
 *                0x40000010) where the CPU tells it, else 0 (clocks stand
 *                still); no wall clock (CLOCK_REALTIME counts from 1970)
 */
#include <elf.h>

#include "kvmplat.h"
#include "standalone.h"

/* Xen's struct hvm_start_info (public/arch-x86/hvm/start_info.h), version 1. */
struct pvh_start_info {
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  uint32_t memmap_entries, reserved;
};
struct pvh_memmap_entry {
  uint64_t addr, size;
  uint32_t type, reserved;
};
_Static_assert(sizeof(struct pvh_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "hvm_memmap_table_entry");
#define PVH_START_MAGIC 0x336ec578u /* "xEn3" */
#define PVH_MEMMAP_RAM 1

#define PAGE 4096ull
#define PVH_MAPPED_END (1ull << 30) /* pvh_entry.S: one PD of 2 MiB pages */
#define PVH_STACK_MAX (8ull << 20)  /* as uk-kvm-run's kMainStackSize */
#define PVH_CMDLINE_MAX 4096
#define PVH_ARGS_MAX 64

extern const Elf64_Ehdr __ehdr_start KVMPLAT_HIDDEN; /* the linker's: the headers are loaded (app region) */
extern uint64_t kvmplat_pvh_gdt[] KVMPLAT_HIDDEN;
extern char kvmplat_pvh_stack_top[] KVMPLAT_HIDDEN;

static struct uk_kvm_boot_info boot;
static uint8_t tss[104] __attribute__((aligned(16)));
static char cmdline[PVH_CMDLINE_MAX];

static void cpuid(uint32_t leaf, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint64_t tsc_khz(void) {
  uint32_t r[4];
  cpuid(0, r);
  uint32_t max = r[0];
  if (max >= 0x15) {
    cpuid(0x15, r); /* TSC = crystal (ecx Hz) * ebx / eax */
    if (r[0] && r[1] && r[2]) return (uint64_t)r[2] * r[1] / r[0] / 1000;
  }
  if (max >= 0x16) {
    cpuid(0x16, r); /* base frequency, MHz */
    if (r[0]) return (uint64_t)r[0] * 1000;
  }
  cpuid(0x40000000, r); /* hypervisor leaves: 0x40000010 eax = TSC kHz (VMware's, QEMU with vmware-cpuid-freq) */
  if (r[0] >= 0x40000010 && r[0] < 0x40000100) {
    cpuid(0x40000010, r);
    return r[0];
  }
  return 0;
}

static uint64_t random64(void) {
  uint32_t r[4];
  cpuid(1, r);
  if (r[2] & (1u << 30)) { /* RDRAND */
    uint64_t v;
    unsigned char ok;
    for (int i = 0; i < 16; i++) {
      __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
      if (ok) return v;
    }
  }
  return kvmplat_rdtsc() * 0x9e3779b97f4a7c15ull; /* no RDRAND (TCG's default CPU): not secret */
}

static void load_tss(void) {
  uint64_t rsp0 = (uint64_t)(uintptr_t)kvmplat_pvh_stack_top, b = (uint64_t)(uintptr_t)tss, limit = sizeof tss - 1;
  kvmplat_copy(tss + 4, &rsp0, 8);
  uint16_t iomap = sizeof tss; /* beyond the limit: no I/O bitmap */
  kvmplat_copy(tss + 102, &iomap, 2);
  /* 64-bit TSS descriptor (type 9, available), 16 bytes at UK_KVM_SEL_TSS */
  kvmplat_pvh_gdt[UK_KVM_SEL_TSS / 8] = (limit & 0xffff) | ((b & 0xffffff) << 16) | (0x89ull << 40) |
                                        (((limit >> 16) & 0xf) << 48) | (((b >> 24) & 0xff) << 56);
  kvmplat_pvh_gdt[UK_KVM_SEL_TSS / 8 + 1] = b >> 32;
  __asm__ volatile("ltr %w0" : : "r"(UK_KVM_SEL_TSS));
}

static void fail(const char *what) {
  uint64_t n = 0;
  while (what[n]) n++;
  kvmplat_console_write(what, n);
  kvmplat_standalone_exit(127);
}

/* [start, end) of the RAM the unikernel gets: the largest RAM range above
 * the image, inside the mapped first GiB. */
static void find_ram(const struct pvh_start_info *si, uint64_t image_end, uint64_t *start, uint64_t *end) {
  *start = *end = 0;
  if (si->version < 1 || !si->memmap_paddr) return;
  const struct pvh_memmap_entry *m = (const struct pvh_memmap_entry *)(uintptr_t)si->memmap_paddr;
  for (uint32_t i = 0; i < si->memmap_entries && i < 128; i++) {
    if (m[i].type != PVH_MEMMAP_RAM) continue;
    uint64_t s = m[i].addr, e = m[i].addr + m[i].size;
    if (e < s) continue;
    if (s < image_end) s = image_end;
    if (e > PVH_MAPPED_END) e = PVH_MAPPED_END;
    s = (s + PAGE - 1) & ~(PAGE - 1);
    e &= ~(PAGE - 1);
    if (e > s && e - s > *end - *start) *start = s, *end = e;
  }
}

/* The initial stack at the top of [low, top): what Linux's execve leaves. */
static uint64_t build_stack(uint64_t low, uint64_t top, int argc, char **argv) {
  const Elf64_Ehdr *eh = &__ehdr_start;
  char *p = (char *)(uintptr_t)top;
  p -= 7;
  kvmplat_copy(p, "x86_64", 7);
  uint64_t platform = (uint64_t)(uintptr_t)p;
  p = (char *)((uintptr_t)p & ~15ull) - 16;
  uint64_t rnd[2] = {random64(), random64()};
  kvmplat_copy(p, rnd, 16);
  uint64_t random = (uint64_t)(uintptr_t)p;
  uint32_t id[4];
  cpuid(1, id);
  uint64_t aux[][2] = {
      {AT_PHDR, (uint64_t)(uintptr_t)eh + eh->e_phoff},
      {AT_PHENT, sizeof(Elf64_Phdr)},
      {AT_PHNUM, eh->e_phnum},
      {AT_PAGESZ, PAGE},
      {AT_BASE, 0},
      {AT_FLAGS, 0},
      {AT_ENTRY, eh->e_entry},
      {AT_UID, 0},
      {AT_EUID, 0},
      {AT_GID, 0},
      {AT_EGID, 0},
      {AT_SECURE, 0},
      {AT_HWCAP, id[3]}, /* CPUID.1:EDX, as Linux gives it */
      {AT_CLKTCK, 100},
      {AT_RANDOM, random},
      {AT_PLATFORM, platform},
      {AT_EXECFN, (uint64_t)(uintptr_t)argv[0]},
      {AT_NULL, 0},
  };
  uint64_t words = 1 + (uint64_t)argc + 1 + 1 + 2 * (sizeof aux / sizeof aux[0]);
  uint64_t *sp = (uint64_t *)(((uintptr_t)p - words * 8) & ~15ull);
  if ((uint64_t)(uintptr_t)sp < low) fail("kvmplat: the command line does not fit the stack\n");
  uint64_t *w = sp;
  *w++ = (uint64_t)argc;
  for (int i = 0; i < argc; i++) *w++ = (uint64_t)(uintptr_t)argv[i];
  *w++ = 0; /* end of argv */
  *w++ = 0; /* no environment */
  kvmplat_copy(w, aux, sizeof aux);
  return (uint64_t)(uintptr_t)sp;
}

/* argv from the command line, split at spaces; the strings stay in cmdline[]. */
static int split_args(const struct pvh_start_info *si, char **argv) {
  static char name[] = "unikernel";
  int argc = 0;
  argv[argc++] = name;
  if (!si->cmdline_paddr) return argc;
  const char *src = (const char *)(uintptr_t)si->cmdline_paddr;
  uint64_t n = 0;
  while (n < sizeof cmdline - 1 && src[n]) cmdline[n] = src[n], n++;
  if (src[n]) fail("kvmplat: command line longer than 4095 bytes\n");
  for (char *c = cmdline; *c;) {
    while (*c == ' ') *c++ = 0;
    if (!*c) break;
    if (argc == PVH_ARGS_MAX) fail("kvmplat: more than 63 arguments on the command line\n");
    argv[argc++] = c;
    while (*c && *c != ' ') c++;
  }
  return argc;
}

const struct uk_kvm_boot_info *kvmplat_pvh_boot(uint32_t start_info) KVMPLAT_HIDDEN;
const struct uk_kvm_boot_info *kvmplat_pvh_boot(uint32_t start_info) {
  kvmplat_standalone = 1;
  __asm__ volatile("outb %b0, $0x21; outb %b0, $0xa1" : : "a"(0xff)); /* both 8259s masked: no interrupt reaches the app */
  load_tss();
  const struct pvh_start_info *si = (const struct pvh_start_info *)(uintptr_t)start_info;
  if (si->magic != PVH_START_MAGIC) fail("kvmplat: booted without uk-kvm-run and without a PVH start_info\n");

  const Elf64_Ehdr *eh = &__ehdr_start;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)((uintptr_t)eh + eh->e_phoff);
  uint64_t image_end = 0;
  for (unsigned i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr + ph[i].p_memsz > image_end) image_end = ph[i].p_vaddr + ph[i].p_memsz;
  if (image_end > PVH_MAPPED_END) fail("kvmplat: the image reaches beyond the first GiB, which the PVH boot maps\n");
  uint64_t ram, ram_end;
  find_ram(si, image_end, &ram, &ram_end);
  uint64_t stack = (ram_end - ram) / 4 < PVH_STACK_MAX ? ((ram_end - ram) / 4) & ~(PAGE - 1) : PVH_STACK_MAX;
  if (stack < 16 * PAGE) fail("kvmplat: no RAM above the image in the PVH memory map (give the VM more memory: -m)\n");

  char *argv[PVH_ARGS_MAX + 1];
  int argc = split_args(si, argv);
  boot.magic = UK_KVM_BOOT_MAGIC;
  boot.abi_version = UK_KVM_ABI_VERSION;
  boot.app_entry = eh->e_entry;
  boot.app_stack = build_stack(ram_end - stack, ram_end, argc, argv);
  boot.heap_start = ram;
  boot.heap_end = ram_end - stack;
  boot.tsc_khz = tsc_khz();
  boot.realtime_ns = 0;
  boot.pid = 1;
  return &boot;
}
