/*
 * kvmplat's PVH entry: how a standard monitor (QEMU -kernel APP.kvm.elf,
 * -M microvm or q35) boots a KVM image without uk-kvm-run.
 *
 *   .note.Xen            XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit entry's
 *                        physical address (the toolchain keeps this section
 *                        in the app region under a PT_NOTE header,
 *                        toolchain/boot_note.h)
 *   kvmplat_pvh_entry32  protected mode, paging off, %ebx = hvm_start_info:
 *                        long mode on the static page tables below (the
 *                        first GiB identity-mapped), own GDT, then 64-bit
 *   kvmplat_pvh_entry64  segments, stack, pvh.c builds what uk-kvm-run would
 *                        (TSS, boot info, initial stack), then the common
 *                        kernel start (entry.S) runs as under uk-kvm-run
 *   kvmplat_priv_op      the privileged operations of the standalone
 *                        platform (standalone.h), and the #UD trap that
 *                        reaches them from CPL3
 *
 * Control-register and EFER values are the ones uk-kvm-run sets (vmm/vm.cc).
 */
#include "uk_kvm_abi.h"
#include "standalone.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define CR0_VALUE 0x80010033 /* PG, WP, NE, ET, MP, PE */
#define CR4_VALUE 0x620      /* OSXMMEXCPT, OSFXSR, PAE */
#define MSR_EFER 0xc0000080
#define EFER_BITS 0x901      /* NXE, LME, SCE */
#define MSR_FS_BASE 0xc0000100
#define PTE_TABLE 0x7        /* present, writable, user */
#define PTE_2M 0x87          /* present, writable, user, 2 MiB page */

/* The note QEMU reads: namesz 4 ("Xen\0"), descsz 8, type 18, then the
 * entry as a quad (QEMU reads 8 bytes; 4-byte alignment as Linux has it). */
	.section .note.Xen, "a", @note
	.balign	4
	.long	4
	.long	8
	.long	XEN_ELFNOTE_PHYS32_ENTRY
	.asciz	"Xen"
	.quad	kvmplat_pvh_entry32

/* The 32-bit entry runs at its link address before paging and so holds
 * absolute 32-bit addresses: its own section, which the toolchain's
 * position-independence check exempts (toolchain/pic_check.h). */
	.section .text.boot32, "ax"
	.code32
	.balign	16
	.globl	kvmplat_pvh_entry32
	.hidden	kvmplat_pvh_entry32
	.type	kvmplat_pvh_entry32, @function
kvmplat_pvh_entry32:
	cli
	cld
	mov	%ebx, %esi			/* hvm_start_info, for pvh.c */
	mov	$CR4_VALUE, %eax
	mov	%eax, %cr4			/* PAE and SSE enabled */
	mov	$kvmplat_pvh_pml4, %eax
	mov	%eax, %cr3			/* static identity map (below) */
	mov	$MSR_EFER, %ecx
	rdmsr
	or	$EFER_BITS, %eax
	wrmsr					/* long mode enable, NX, syscall */
	mov	$CR0_VALUE, %eax
	mov	%eax, %cr0			/* paging on: long mode active (compatibility) */
	lgdt	kvmplat_pvh_gdtr		/* 32-bit base form: the GDT is below 4 GiB */
	ljmp	$UK_KVM_SEL_KCODE, $kvmplat_pvh_entry64	/* into the 64-bit code segment */
	.size	kvmplat_pvh_entry32, .-kvmplat_pvh_entry32

	.section .text, "ax"
	.code64
	.type	kvmplat_pvh_entry64, @function
kvmplat_pvh_entry64:
	mov	$UK_KVM_SEL_KDATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	lea	kvmplat_pvh_stack_top(%rip), %rsp	/* also TSS.rsp0 (pvh.c) */
	mov	%esi, %edi			/* hvm_start_info (zero-extended) */
	call	kvmplat_pvh_boot		/* returns the boot info it built */
	mov	%rax, %rdi
	jmp	kvmplat_kernel_start		/* entry.S: IDT, MSRs, then the app at CPL3 */
	.size	kvmplat_pvh_entry64, .-kvmplat_pvh_entry64

/* The privileged operations, called at CPL0: directly (kvmplat_priv in
 * standalone.c, when already at CPL0) or from the #UD trap below.
 * Preserves every register. */
	.balign	16
	.globl	kvmplat_priv_op
	.hidden	kvmplat_priv_op
	.type	kvmplat_priv_op, @function
kvmplat_priv_op:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	cmp	$KVMPLAT_PRIV_CONSOLE, %edi
	jne	1f
	mov	%rdx, %rcx			/* count */
	mov	$KVMPLAT_COM1, %edx
	cld
	rep outsb				/* %rcx bytes from (%rsi) to COM1 */
	jmp	9f
1:	cmp	$KVMPLAT_PRIV_EXIT, %edi
	jne	2f
	mov	%esi, %eax
	mov	$KVMPLAT_DEBUG_EXIT, %edx
	outb	%al, %dx			/* QEMU exits with (status << 1) | 1 */
	jmp	9f
2:	cmp	$KVMPLAT_PRIV_HALT, %edi
	jne	3f
	cli
4:	hlt					/* interrupts off: for good */
	jmp	4b
3:	cmp	$KVMPLAT_PRIV_SET_FS, %edi
	jne	9f
	mov	%esi, %eax			/* low half */
	mov	%rsi, %rdx
	shr	$32, %rdx			/* high half */
	mov	$MSR_FS_BASE, %ecx
	wrmsr
9:	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	ret
	.size	kvmplat_priv_op, .-kvmplat_priv_op

/* The way up from CPL3: `int` faults on kvm-pvm (#UD), exceptions reach
 * CPL0 everywhere. So kvmplat_priv_trap is a `ud2` whose #UD the standalone
 * IDT sends to kvmplat_pvh_ud (kernel.c): at that address it runs the
 * operation (%edi, %rsi, %rdx as the caller left them) and resumes after
 * the ud2; any other #UD goes to the common exception stub. */
	.balign	16
	.globl	kvmplat_priv_trap
	.hidden	kvmplat_priv_trap
	.type	kvmplat_priv_trap, @function
kvmplat_priv_trap:
	ud2					/* 0f 0b: to kvmplat_pvh_ud at CPL0 */
	ret
	.size	kvmplat_priv_trap, .-kvmplat_priv_trap

	.balign	16
	.globl	kvmplat_pvh_ud
	.hidden	kvmplat_pvh_ud
	.type	kvmplat_pvh_ud, @function
kvmplat_pvh_ud:					/* frame: rip, cs, rflags, rsp, ss (no error code) */
	push	%rax
	lea	kvmplat_priv_trap(%rip), %rax
	cmp	%rax, 8(%rsp)
	pop	%rax
	jne	1f
	call	kvmplat_priv_op
	addq	$2, (%rsp)			/* resume after the ud2 */
	iretq
1:	jmp	kvmplat_exception_stubs + 6 * 16	/* entry.S's stub of vector 6 (16 bytes each) */
	.size	kvmplat_pvh_ud, .-kvmplat_pvh_ud

/* GDT: uk-kvm-run's selectors (uk_kvm_abi.h), the TSS descriptor filled
 * by pvh.c. */
	.section .data, "aw"
	.balign	16
	.globl	kvmplat_pvh_gdt
	.hidden	kvmplat_pvh_gdt
kvmplat_pvh_gdt:
	.quad	0				/* 0x00 null */
	.quad	UK_KVM_GDT_KCODE		/* 0x08 kernel code, 64-bit */
	.quad	UK_KVM_GDT_KDATA		/* 0x10 kernel data */
	.quad	0				/* 0x18 unused (STAR's sysret base) */
	.quad	UK_KVM_GDT_UDATA		/* 0x23 user data */
	.quad	UK_KVM_GDT_UCODE		/* 0x2b user code, 64-bit */
	.quad	0, 0				/* 0x30 TSS (16 bytes) */
kvmplat_pvh_gdt_end:
	.balign	8
	.word	0				/* pads the GDTR so its base is aligned */
kvmplat_pvh_gdtr:
	.word	kvmplat_pvh_gdt_end - kvmplat_pvh_gdt - 1
	.long	kvmplat_pvh_gdt

/* Page tables, built by the assembler: PML4[0] -> PDPT[0] -> one PD of 512
 * 2 MiB pages, the first GiB identity-mapped, user-accessible (the image,
 * its libraries and the RAM the boot gives to heap and stack lie there). */
	.balign	4096
kvmplat_pvh_pml4:
	.quad	kvmplat_pvh_pdpt + PTE_TABLE
	.fill	511, 8, 0
kvmplat_pvh_pdpt:
	.quad	kvmplat_pvh_pd + PTE_TABLE
	.fill	511, 8, 0
kvmplat_pvh_pd:
	.set	pvh_page, 0
	.rept	512
	.quad	(pvh_page << 21) + PTE_2M
	.set	pvh_page, pvh_page + 1
	.endr

	.section .bss, "aw", @nobits
	.balign	16
	.space	16384
	.globl	kvmplat_pvh_stack_top
	.hidden	kvmplat_pvh_stack_top
kvmplat_pvh_stack_top:

	.section .note.GNU-stack, "", @progbits
