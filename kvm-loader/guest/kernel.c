/*
 * kvmplat's kernel half, at CPL0 (emulated on this machine: keep it short).
 * The VMM has loaded the GDT, the TSS (rsp0 = UK_KVM_KSTACK_TOP), CR0/CR4,
 * EFER (long mode, NX, syscall enable) and the page tables; this sets up
 * what belongs to the platform: the IDT, the syscall MSRs, the boot info
 * copy. entry.S then drops to CPL3 at the unikernel's _start.
 */
#include "kvmplat.h"
#include "standalone.h"

struct uk_kvm_boot_info kvmplat_boot;

struct idt_gate {
  uint16_t off_lo, selector;
  uint8_t ist, type; /* type 0x8e: present, DPL 0, 64-bit interrupt gate */
  uint16_t off_mid;
  uint32_t off_hi, zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");

#define KVMPLAT_VECTORS 32
#define KVMPLAT_STUB_SIZE 16 /* entry.S: .balign 16 per stub */
static struct idt_gate idt[KVMPLAT_VECTORS] __attribute__((aligned(16)));

static void set_gate(unsigned v, uint64_t handler, uint8_t type) {
  idt[v].off_lo = (uint16_t)handler;
  idt[v].selector = UK_KVM_SEL_KCODE;
  idt[v].type = type;
  idt[v].off_mid = (uint16_t)(handler >> 16);
  idt[v].off_hi = (uint32_t)(handler >> 32);
}

extern const char kvmplat_exception_stubs[] KVMPLAT_HIDDEN;
extern const char kvmplat_syscall_entry[] KVMPLAT_HIDDEN;

#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_FMASK 0xc0000084u
/* syscall clears TF, IF, DF, IOPL, NT, AC (what Linux masks) */
#define KVMPLAT_FMASK 0x47700ull

static void wrmsr(uint32_t msr, uint64_t v) {
  __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct kvmplat_start {
  uint64_t entry, stack;
};

struct kvmplat_start kvmplat_kernel_init(const struct uk_kvm_boot_info *bi) KVMPLAT_HIDDEN;
struct kvmplat_start kvmplat_kernel_init(const struct uk_kvm_boot_info *bi) {
  kvmplat_copy(&kvmplat_boot, bi, sizeof kvmplat_boot);
  kvmplat_boot.boot_tsc = kvmplat_rdtsc();

  uint64_t stub = (uint64_t)(uintptr_t)kvmplat_exception_stubs;
  for (unsigned v = 0; v < KVMPLAT_VECTORS; v++, stub += KVMPLAT_STUB_SIZE) set_gate(v, stub, 0x8e);
  /* booted without uk-kvm-run: #UD first checks for the platform's trap (standalone.h) */
  if (kvmplat_standalone) set_gate(KVMPLAT_UD_VECTOR, (uint64_t)(uintptr_t)kvmplat_pvh_ud, 0x8e);
  struct __attribute__((packed)) {
    uint16_t limit;
    uint64_t base;
  } idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));

  wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)kvmplat_syscall_entry);
  /* syscall: CS 0x08, SS 0x10; sysret: SS 0x1b + 8 = 0x23, CS 0x1b + 16 = 0x2b */
  wrmsr(MSR_STAR, ((uint64_t)(UK_KVM_SEL_UDATA - 8) << 48) | ((uint64_t)UK_KVM_SEL_KCODE << 32));
  wrmsr(MSR_FMASK, KVMPLAT_FMASK);

  kvmplat_memory_init();
  struct kvmplat_start s = {kvmplat_boot.app_entry, kvmplat_boot.app_stack};
  return s;
}

/* entry.S's common exception path: the frame is vector, error code, then
 * what the CPU pushed. Reported to the VMM, which stops the VM. */
struct exception_frame {
  uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void kvmplat_exception(const struct exception_frame *f) KVMPLAT_HIDDEN;
void kvmplat_exception(const struct exception_frame *f) {
  struct uk_kvm_fault r;
  uint64_t cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  r.vector = f->vector;
  r.error = f->error;
  r.rip = f->rip;
  r.cs = f->cs;
  r.rflags = f->rflags;
  r.rsp = f->rsp;
  r.ss = f->ss;
  r.cr2 = cr2;
  kvmplat_hypercall(UK_KVM_CALL_FAULT, &r);
}

void kvmplat_zero(void *p, size_t n) {
  __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory");
}

void kvmplat_copy(void *d, const void *s, size_t n) {
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
