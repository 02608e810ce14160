/*
 * Test library "a": one small function per rewrite class, each reaching into
 * library "b" (lib_b.S). The test runs them linked normally (before) and as
 * rewritten ASLR blocks at two different bases (after): same results.
 * Functions take their argument in %edi and return in %eax (SysV).
 */
	.text
	.globl	ta_call, ta_tail, ta_jcc, ta_lea, ta_load, ta_store, ta_alu
	.globl	ta_cmp_imm, ta_store_imm, ta_sse, ta_avx, ta_prefix, ta_lock
	.globl	ta_local, ta_addr32_call

	.type ta_call, @function	/* call rel32 -> trampoline entry */
ta_call:
	push	%rbx
	call	tb_add1
	pop	%rbx
	ret
	.size ta_call, .-ta_call

	.type ta_tail, @function	/* tail call: jmp rel32 -> entry */
ta_tail:
	add	$100, %edi
	jmp	tb_add1
	.size ta_tail, .-ta_tail

	.type ta_jcc, @function		/* jcc rel32 -> entry */
ta_jcc:
	test	%edi, %edi
	jne	tb_add1
	mov	$-1, %eax
	ret
	.size ta_jcc, .-ta_jcc

	.type ta_lea, @function		/* lea -> mov from a slot */
ta_lea:
	lea	tb_value(%rip), %rax
	mov	(%rax), %eax
	add	%edi, %eax
	ret
	.size ta_lea, .-ta_lea

	.type ta_load, @function	/* load with a RIP operand -> stub */
ta_load:
	mov	tb_value(%rip), %eax
	sub	%edi, %eax
	ret
	.size ta_load, .-ta_load

	.type ta_store, @function	/* store -> stub */
ta_store:
	mov	%edi, tb_var(%rip)
	lea	tb_var(%rip), %rax
	mov	(%rax), %eax
	ret
	.size ta_store, .-ta_store

	.type ta_alu, @function		/* ALU with a RIP operand -> stub */
ta_alu:
	mov	%edi, %eax
	add	tb_value(%rip), %eax
	ret
	.size ta_alu, .-ta_alu

	.type ta_cmp_imm, @function	/* immediate after the displacement -> stub */
ta_cmp_imm:
	xor	%eax, %eax
	cmpl	$1234, tb_value(%rip)
	sete	%al
	ret
	.size ta_cmp_imm, .-ta_cmp_imm

	.type ta_store_imm, @function	/* store of an imm32 after the displacement -> stub */
ta_store_imm:
	movl	$77777, tb_var(%rip)
	mov	tb_var(%rip), %eax
	add	%edi, %eax
	ret
	.size ta_store_imm, .-ta_store_imm

	.type ta_sse, @function		/* SSE load with a RIP operand -> stub */
ta_sse:
	cvtsi2sd %edi, %xmm1
	movsd	tb_double(%rip), %xmm0
	addsd	%xmm1, %xmm0
	cvttsd2si %xmm0, %eax
	ret
	.size ta_sse, .-ta_sse

	.type ta_avx, @function		/* AVX (VEX) load with a RIP operand -> stub */
ta_avx:
	vcvtsi2sd %edi, %xmm1, %xmm1
	vaddsd	tb_double(%rip), %xmm1, %xmm0
	vcvttsd2si %xmm0, %eax
	ret
	.size ta_avx, .-ta_avx

	.type ta_prefix, @function	/* operand-size prefix (66) -> stub */
ta_prefix:
	xor	%eax, %eax
	movw	tb_short(%rip), %ax
	add	%edi, %eax
	ret
	.size ta_prefix, .-ta_prefix

	.type ta_lock, @function	/* lock prefix, read-modify-write -> stub */
ta_lock:
	movl	$5, tb_var(%rip)
	lock addl %edi, tb_var(%rip)
	mov	tb_var(%rip), %eax
	ret
	.size ta_lock, .-ta_lock

	.type ta_addr32_call, @function	/* call *GOTPCRELX: ld relaxes it to addr32 call (67 e8) -> entry */
ta_addr32_call:
	push	%rbx
	call	*tb_add1@GOTPCREL(%rip)
	pop	%rbx
	ret
	.size ta_addr32_call, .-ta_addr32_call

	.type ta_local, @function	/* references inside the block stay as they are */
ta_local:
	lea	ta_data(%rip), %rax
	mov	(%rax), %eax
	add	ta_data+4(%rip), %eax
	add	%edi, %eax
	call	ta_local_helper
	ret
	.size ta_local, .-ta_local

	.type ta_local_helper, @function
ta_local_helper:
	add	$1, %eax
	ret
	.size ta_local_helper, .-ta_local_helper

	.data
	.balign 4
ta_data:
	.long	1000, 20

	.section .note.GNU-stack, "", @progbits
