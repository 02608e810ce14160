/*
 * uk_dyn_plt_entry: where every lazily bound PLT entry goes on its first
 * call (through GOT[2]; GOT[1] is the object). On entry:
 *     0(%rsp)  the object (pushed by PLT0 from GOT[1])
 *     8(%rsp)  the index of the relocation in DT_JMPREL (pushed by the entry)
 *    16(%rsp)  the caller's return address
 * and every argument register still holds the call's arguments: %rdi %rsi
 * %rdx %rcx %r8 %r9, %rax (vector register count of a variadic call), %r10
 * (static chain), %xmm0-7 (and the upper halves of %ymm/%zmm when the
 * callee takes AVX arguments), the x87/MXCSR state. All of them are saved,
 * uk_dyn_lazy_resolve(object, index) patches the GOT slot and returns the
 * target, everything is restored and the call continues at the target as
 * if it had gone there directly. %r11 is scratch at a call in the SysV ABI
 * (the PLT may clobber it) and carries the target.
 *
 * Vector state: fxsave by default (x87, MXCSR, %xmm0-15: all the resolver,
 * built without VEX instructions, can change; see lazy.cc), or with
 * --lazy-xsave xsavec / xsave of every component XCR0 enables
 * (uk_dyn_save_mode and uk_dyn_save_size from CPUID). The area is 64-byte
 * aligned on the stack; for XSAVE its 64-byte header is zeroed first, as
 * XRSTOR requires of the bytes XSAVE does not write.
 */
	.text
	.globl	uk_dyn_plt_entry
	.type	uk_dyn_plt_entry, @function
	.hidden	uk_dyn_plt_entry
uk_dyn_plt_entry:
	push	%rbx			/* frame base (callee-saved: survives the call) */
	mov	%rsp, %rbx		/* 8(%rbx) object, 16(%rbx) index */
	push	%rax			/* integer argument registers */
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10			/* -64(%rbx): last one */
	mov	uk_dyn_save_size(%rip), %r11
	sub	%r11, %rsp		/* room for the vector state */
	and	$-64, %rsp		/* XSAVE needs 64-byte alignment (and the call 16) */
	mov	uk_dyn_save_mode(%rip), %r11d
	test	%r11d, %r11d
	jz	1f
	xor	%eax, %eax		/* zero the XSAVE header (bytes 512..575) */
	mov	%rax, 512(%rsp)
	mov	%rax, 520(%rsp)
	mov	%rax, 528(%rsp)
	mov	%rax, 536(%rsp)
	mov	%rax, 544(%rsp)
	mov	%rax, 552(%rsp)
	mov	%rax, 560(%rsp)
	mov	%rax, 568(%rsp)
	mov	$-1, %eax		/* every component XCR0 enables */
	mov	$-1, %edx
	cmp	$2, %r11d
	je	2f
	xsave64	(%rsp)
	jmp	3f
2:	xsavec64 (%rsp)
	jmp	3f
1:	fxsave64 (%rsp)
3:	mov	8(%rbx), %rdi		/* the object */
	mov	16(%rbx), %rsi		/* the relocation index */
	call	uk_dyn_lazy_resolve	/* -> target in %rax (does not return on error) */
	mov	%rax, %r11		/* the target */
	mov	uk_dyn_save_mode(%rip), %ecx
	test	%ecx, %ecx
	jz	4f
	mov	$-1, %eax
	mov	$-1, %edx
	xrstor64 (%rsp)
	jmp	5f
4:	fxrstor64 (%rsp)
5:	lea	-64(%rbx), %rsp		/* back to the saved integer registers */
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	pop	%rbx
	add	$16, %rsp		/* drop the object and the index */
	jmp	*%r11			/* the resolved function, with the caller's return address */
	.size	uk_dyn_plt_entry, .-uk_dyn_plt_entry

	.section .note.GNU-stack, "", @progbits
