/* Test library "b": what lib_a.S reaches (see there). */
	.text
	.globl	tb_add1, tb_value, tb_var, tb_double, tb_short
	.type tb_add1, @function
tb_add1:
	lea	1(%rdi), %eax
	ret
	.size tb_add1, .-tb_add1

	.data
	.balign 8
tb_double:
	.double	2.5
tb_value:
	.long	1234
tb_var:
	.long	0
tb_short:
	.short	4321

	.section .note.GNU-stack, "", @progbits
