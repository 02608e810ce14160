/*
 * uk_enter(words, count, entry, fixups, unmap_start, unmap_len): hand the
 * CPU to the unikernel the way the kernel hands it to an executable.
 * Shared by uk-slt-run and uk-dyn-run (which keeps its memory: unmap_len 0,
 * its lazy binding and --invoke run from it while the program runs).
 *
 *   %rdi words        initial stack block built by build_initial_stack()
 *   %rsi count        its size in 8-byte words
 *   %rdx entry        the unikernel's entry point
 *   %rcx fixups       two word indices whose values are offsets into the
 *                     block (AT_RANDOM, AT_PLATFORM): rebased here
 *   %r8  unmap_start  the loader's writable memory (data, bss), released
 *   %r9  unmap_len    just before the jump (0: keep it)
 *
 * After the copy nothing of the loader's stack frames is used; with
 * unmap_len, nothing of its data or bss either, so the instance carries
 * only the loader's (shared, clean) text pages.
 */
	.text
	.globl	uk_enter
	.type	uk_enter, @function
uk_enter:
	mov	%rdx, %r12		/* entry: callee-saved, survives syscall */
	mov	%rcx, %r10		/* fixups */
	lea	0(,%rsi,8), %rax	/* bytes to copy */
	mov	%rsp, %rdx
	sub	%rax, %rdx		/* room below the current stack */
	and	$-16, %rdx		/* argc 16-byte aligned */
	mov	%rsi, %rcx		/* count */
	mov	%rdi, %rsi		/* source: the block */
	mov	%rdx, %rdi		/* destination */
	mov	%rdx, %rsp		/* the new initial stack */
	cld
	rep movsq			/* copy block -> [%rsp] */
	mov	(%r10), %rax		/* rebase AT_RANDOM's value */
	add	%rsp, (%rsp,%rax,8)
	mov	8(%r10), %rax		/* rebase AT_PLATFORM's value */
	add	%rsp, (%rsp,%rax,8)
	test	%r9, %r9
	jz	1f
	mov	%r8, %rdi		/* munmap(unmap_start, unmap_len) */
	mov	%r9, %rsi
	mov	$11, %eax		/* __NR_munmap */
	syscall				/* a failure only leaves memory mapped */
1:	mov	%r12, %r11
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
