/*
 * kvmplat: the guest platform library's entry points.
 *
 *   kvmplat_header     offset 0 of the library's text: how uk-kvm-run finds
 *                      the kernel entry (struct uk_kvm_plat_header)
 *   kernel entry       CPL0, %rdi = boot info: kernel stack, C set-up
 *                      (IDT, syscall MSRs), then iretq to the unikernel's
 *                      _start at CPL3 with its initial stack
 *   exception stubs    vectors 0..31, 16 bytes each, CPL0 on TSS.rsp0
 *   syscall entry      LSTAR: correct at CPL0 (an ordinary VMX/SVM host) and
 *                      at CPL3 (this machine's kvm-pvm runs it unprivileged)
 *
 * General-purpose registers only: CPL0 code is emulated here and its
 * emulator has no SSE.
 */
#include "uk_kvm_abi.h"

	.section .text, "ax"
	.globl	kvmplat_header
	.hidden	kvmplat_header
	.balign	16
kvmplat_header:
	.quad	UK_KVM_PLAT_MAGIC
	.long	UK_KVM_ABI_VERSION
	.long	kvmplat_kernel_entry - kvmplat_header

	.type	kvmplat_kernel_entry, @function
kvmplat_kernel_entry:
	mov	$UK_KVM_KSTACK_TOP, %esp	/* the VMM's supervisor stack */
	.globl	kvmplat_kernel_start
	.hidden	kvmplat_kernel_start
kvmplat_kernel_start:				/* the PVH boot joins here on its own stack (pvh_entry.S) */
	call	kvmplat_kernel_init		/* %rdi: boot info; returns the app's entry in %rax, stack in %rdx */
	push	$UK_KVM_SEL_UDATA		/* iretq frame: SS */
	push	%rdx				/* RSP: argc, argv, envp, auxv */
	push	$0x202				/* RFLAGS: IF, reserved bit 1 */
	push	$UK_KVM_SEL_UCODE		/* CS: 64-bit user code */
	push	%rax				/* RIP: _start */
	xor	%eax, %eax			/* what the kernel leaves: %rdx 0 (no exit hook) */
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp
	iretq
	.size	kvmplat_kernel_entry, .-kvmplat_kernel_entry

/* Exception stubs: each pushes a zero where the CPU pushes no error code,
 * then the vector, and joins the common path. 16 bytes apart, so the IDT
 * is filled from the address of stub 0 (kernel.c). */
	.balign	16
	.globl	kvmplat_exception_stubs
	.hidden	kvmplat_exception_stubs
kvmplat_exception_stubs:
	.irp	v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign	16
	.if	(\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	push	$0				/* no error code for this vector */
	.endif
	push	$\v				/* vector */
	jmp	kvmplat_exception_common
	.endr

kvmplat_exception_common:
	mov	%rsp, %rdi			/* -> vector, error, rip, cs, rflags, rsp, ss */
	and	$-16, %rsp
	call	kvmplat_exception		/* reports to the VMM; does not return */
1:	hlt
	jmp	1b

/*
 * syscall entry. %rax number, %rdi %rsi %rdx %r10 %r8 %r9 arguments; the
 * CPU put the return address in %rcx and RFLAGS in %r11. Every other
 * register is preserved, and nothing below the caller's %rsp is touched
 * (musl's code uses the red zone): the handler runs on its own stack.
 * The frame holds the whole user context (struct kvmplat_syscall_frame):
 * kvmplat_syscall may replace it with another thread's to switch threads;
 * the result is the frame's first word. One vCPU, no signals: the entry is
 * never re-entered.
 */
	.balign	16
	.globl	kvmplat_syscall_entry
	.hidden	kvmplat_syscall_entry
	.type	kvmplat_syscall_entry, @function
kvmplat_syscall_entry:
	mov	%rsp, kvmplat_user_rsp(%rip)
	lea	kvmplat_syscall_stack_top(%rip), %rsp
	push	%rcx				/* frame: user RIP */
	push	%r11				/* user RFLAGS */
	push	%r15				/* callee-saved registers, for thread switches */
	push	%r14
	push	%r13
	push	%r12
	push	%rbp
	push	%rbx
	push	kvmplat_user_rsp(%rip)		/* user RSP */
	push	%r9				/* a6 */
	push	%r8				/* a5 */
	push	%r10				/* a4 */
	push	%rdx				/* a3 */
	push	%rsi				/* a2 */
	push	%rdi				/* a1 */
	push	%rax				/* number; the result on the way out */
	mov	%rsp, %rdi			/* struct kvmplat_syscall_frame * */
	cld
	call	kvmplat_syscall			/* writes the result into the frame */
	pop	%rax
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%r10
	pop	%r8
	pop	%r9
	pop	kvmplat_user_rsp(%rip)
	pop	%rbx
	pop	%rbp
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%r11
	pop	%rcx
	push	%rdx				/* scratch for the privilege test */
	mov	%cs, %edx
	test	$3, %dl
	pop	%rdx				/* flags survive the pop */
	jz	2f
	/* CPL3 (kvm-pvm): restore RFLAGS, then the caller's stack, and jump. */
	push	%r11
	popfq
	mov	kvmplat_user_rsp(%rip), %rsp
	jmp	*%rcx
2:	/* CPL0: back to CPL3 by iretq (sysretq faults on kvm-pvm). */
	push	$UK_KVM_SEL_UDATA		/* SS */
	push	kvmplat_user_rsp(%rip)		/* RSP */
	push	%r11				/* RFLAGS */
	push	$UK_KVM_SEL_UCODE		/* CS */
	push	%rcx				/* RIP */
	iretq
	.size	kvmplat_syscall_entry, .-kvmplat_syscall_entry

	.section .bss, "aw", @nobits
	.balign	16
kvmplat_user_rsp:
	.quad	0
	.balign	16
	.space	16384
kvmplat_syscall_stack_top:

	.section .note.GNU-stack, "", @progbits
