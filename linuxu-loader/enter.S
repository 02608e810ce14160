/*
 * uk_enter(words, count, entry): hand the CPU to the unikernel the way the
 * kernel hands it to a static executable. Copies the initial stack image
 * (argc, argv, envp, auxv) below the current stack pointer, aligns %rsp to
 * 16 bytes at argc, clears the registers the ABI leaves undefined, and jumps.
 * Nothing of the loader's stack frames is used after this point.
 */
	.text
	.globl	uk_enter
	.type	uk_enter, @function
uk_enter:
	mov	%rdx, %r11		/* entry point */
	mov	%rsi, %rcx		/* number of 8-byte words */
	mov	%rdi, %rsi		/* source: the word array */
	lea	0(,%rcx,8), %rax	/* bytes to copy */
	mov	%rsp, %rdi
	sub	%rax, %rdi		/* room below the current stack */
	and	$-16, %rdi		/* argc 16-byte aligned */
	mov	%rdi, %rsp		/* the new initial stack */
	cld
	rep movsq			/* copy words -> [%rsp] */
	xor	%eax, %eax		/* clear what the entry must not rely on */
	xor	%ebx, %ebx
	xor	%ecx, %ecx
	xor	%edx, %edx		/* %rdx = 0: no exit function to register */
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%ebp, %ebp		/* outermost frame */
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	jmp	*%r11			/* _start of the unikernel */
	.size	uk_enter, .-uk_enter
	.section .note.GNU-stack,"",@progbits
