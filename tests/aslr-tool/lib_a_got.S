/*
 * Part of test library "a" assembled with -mrelax-relocations=no: plain
 * GOTPCREL relocations. ld still relaxes the mov into a lea (rewritten as
 * lea); the indirect call stays a GOT read, which the rewriter points at the
 * block's own slot (same instruction).
 */
	.text
	.globl	ta_got_load, ta_got_call

	.type ta_got_load, @function	/* relaxed to lea by ld -> mov slot(%rip), %rax */
ta_got_load:
	movq	tb_value@GOTPCREL(%rip), %rax
	mov	(%rax), %eax
	add	%edi, %eax
	ret
	.size ta_got_load, .-ta_got_load

	.type ta_got_call, @function	/* call *GOT(%rip) -> call *slot(%rip) */
ta_got_call:
	push	%rbx
	call	*tb_add1@GOTPCREL(%rip)
	pop	%rbx
	ret
	.size ta_got_call, .-ta_got_call

	.section .note.GNU-stack, "", @progbits
