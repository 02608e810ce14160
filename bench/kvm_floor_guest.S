/*
 * The floor guest of bench/run-kvm-boot.sh: the least a long-mode guest can
 * do to give helloworld's observable behaviour under uk-kvm-run. It makes
 * the same system calls helloworld makes there (arch_prctl, set_tid_address,
 * ioctl, writev, writev, exit_group: 6 `syscall`s from CPL3) and the same
 * exits (4 doorbell stores: set_fs, writev, writev, exit), printing the same
 * 54 bytes, with no libc, no boot library, no pool, one memslot.
 * uk-kvm-floor (kvm_floor.cc) loads this flat binary at FLOOR_LOAD and
 * enters it at CPL0 in long mode; hypercalls follow uk_kvm_abi.h.
 */
#include "uk_kvm_abi.h"

#define FLOOR_USER_STACK 0x80000
/* enum uk_kvm_call (C only in uk_kvm_abi.h); uk-kvm-floor refuses any other number */
#define UK_KVM_CALL_WRITEV 3
#define UK_KVM_CALL_EXIT 5
#define UK_KVM_CALL_SET_FS 7
#define NR_writev 20
#define NR_ioctl 16
#define NR_arch_prctl 158
#define NR_set_tid_address 218
#define NR_exit_group 231

	.code64
	.section .text, "ax"
	.globl	_start
_start:						/* CPL0: the syscall MSRs, then CPL3 */
	mov	$0xc0000082, %ecx		/* LSTAR */
	lea	handler(%rip), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	wrmsr
	mov	$0xc0000081, %ecx		/* STAR: kernel CS 0x08, sysret base 0x1b */
	xor	%eax, %eax
	mov	$((UK_KVM_SEL_UDATA - 8) << 16 | UK_KVM_SEL_KCODE), %edx
	wrmsr
	mov	$0xc0000084, %ecx		/* FMASK: as kvmplat */
	mov	$0x47700, %eax
	xor	%edx, %edx
	wrmsr
	push	$UK_KVM_SEL_UDATA		/* iretq to CPL3: SS */
	push	$FLOOR_USER_STACK		/* RSP */
	push	$0x202				/* RFLAGS */
	push	$UK_KVM_SEL_UCODE		/* CS */
	lea	user(%rip), %rax
	push	%rax				/* RIP */
	iretq

user:						/* CPL3: helloworld's system calls */
	mov	$NR_arch_prctl, %eax
	mov	$0x1002, %edi			/* ARCH_SET_FS */
	lea	tls(%rip), %rsi
	syscall
	mov	$NR_set_tid_address, %eax
	lea	tid(%rip), %rdi
	syscall
	mov	$NR_ioctl, %eax
	mov	$1, %edi
	mov	$0x5413, %esi			/* TIOCGWINSZ */
	syscall
	mov	$NR_writev, %eax
	mov	$1, %edi
	lea	iov1(%rip), %rsi
	mov	$2, %edx
	syscall
	mov	$NR_writev, %eax
	mov	$1, %edi
	lea	iov2(%rip), %rsi
	mov	$2, %edx
	syscall
	mov	$NR_exit_group, %eax
	xor	%edi, %edi
	syscall
	ud2					/* not reached */

/* The syscall entry: own stack; calls the VMM does by one doorbell store
 * each, the others answered here; back as kvmplat returns (jmp at CPL3 on
 * kvm-pvm, iretq at CPL0). */
handler:
	mov	%rsp, user_rsp(%rip)
	lea	kstack_top(%rip), %rsp
	cmp	$NR_writev, %eax
	je	do_writev
	cmp	$NR_arch_prctl, %eax
	je	do_set_fs
	cmp	$NR_exit_group, %eax
	je	do_exit
	cmp	$NR_ioctl, %eax
	mov	$-25, %rax			/* ioctl: -ENOTTY, as kvmplat (mov keeps the flags) */
	je	back
	mov	$1, %eax			/* set_tid_address: the tid */
	jmp	back
do_writev:					/* struct uk_kvm_iov {fd, iov, iovcnt, ret} */
	mov	%rdi, call_area(%rip)
	mov	%rsi, call_area+8(%rip)
	mov	%rdx, call_area+16(%rip)
	lea	call_area(%rip), %rax
	mov	$(UK_KVM_DOORBELL + 8 * UK_KVM_CALL_WRITEV), %r9d	/* doorbell slot (below 4 GiB) */
	mov	%rax, (%r9)			/* exit */
	mov	call_area+24(%rip), %rax
	jmp	back
do_set_fs:					/* struct uk_kvm_set_fs {base, ret} */
	mov	%rsi, call_area(%rip)
	lea	call_area(%rip), %rax
	mov	$(UK_KVM_DOORBELL + 8 * UK_KVM_CALL_SET_FS), %r9d	/* doorbell slot (below 4 GiB) */
	mov	%rax, (%r9)			/* exit */
	mov	call_area+8(%rip), %rax
	jmp	back
do_exit:					/* struct uk_kvm_exit {status} */
	mov	%rdi, call_area(%rip)
	lea	call_area(%rip), %rax
	mov	$(UK_KVM_DOORBELL + 8 * UK_KVM_CALL_EXIT), %r9d	/* doorbell slot (below 4 GiB) */
	mov	%rax, (%r9)			/* exit: the VM stops */
	ud2
back:
	push	%rdx
	mov	%cs, %edx
	test	$3, %dl
	pop	%rdx
	jz	1f
	push	%r11				/* CPL3 (kvm-pvm): RFLAGS, stack, jump */
	popfq
	mov	user_rsp(%rip), %rsp
	jmp	*%rcx
1:	push	$UK_KVM_SEL_UDATA		/* CPL0: iretq */
	push	user_rsp(%rip)
	push	%r11
	push	$UK_KVM_SEL_UCODE
	push	%rcx
	iretq

	.section .data, "aw"
	.balign	16
msg1:	.ascii	"Hello from uk-slt! (constructor ran"
msg1_end:
msg2:	.ascii	")\n"
msg2_end:
msg3:	.ascii	"goodbye (tls 40)\n"
msg3_end:
	.balign	16
iov1:	.quad	msg1, msg1_end - msg1, msg2, msg2_end - msg2
iov2:	.quad	msg3, msg3_end - msg3, 0, 0
call_area: .quad 0, 0, 0, 0
user_rsp: .quad	0
tls:	.quad	0
tid:	.quad	0
	.balign	16
	.space	4096
kstack_top:
