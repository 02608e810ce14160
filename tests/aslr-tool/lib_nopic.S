/* A deliberately non-PIC test library: an absolute address in its text. */
	.text
	.globl	tn_addr
	.type tn_addr, @function
tn_addr:
	movabs	$tb_value, %rax		/* R_X86_64_64 in code */
	ret
	.size tn_addr, .-tn_addr
	.section .note.GNU-stack, "", @progbits
