/*
 * Test library "why" for `uk-slt report`: one call into library "peer" and
 * one pointer to it in .data.rel.ro. With "peer" at another slot in
 * another app (another build of it), exactly those two fields differ
 * between why's pool objects; in ASLR mode its .data.rel.ro (three
 * pointers) is private.
 */
	.text
	.globl	why_call, why_local, why_table

	.type why_call, @function
why_call:
	push	%rbx
	call	peer_fn			/* R_X86_64_PLT32 against peer_fn */
	pop	%rbx
	ret
	.size why_call, .-why_call

	.type why_local, @function
why_local:
	lea	why_table(%rip), %rax	/* inside its own block: the same in every app */
	ret
	.size why_local, .-why_local

	.section .data.rel.ro, "aw"
	.balign 8
	.type why_table, @object
why_table:
	.quad	why_call
	.quad	why_local
	.quad	peer_fn			/* R_X86_64_64 against peer_fn, at +0x10 */
	.size why_table, .-why_table

	.section .note.GNU-stack, "", @progbits
