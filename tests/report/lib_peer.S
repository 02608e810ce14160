/*
 * Test library "peer": what lib_why.S reaches. Built twice (PEER_BUILD 1
 * and 2: different bytes, so two builds of one library name, two slots).
 */
	.text
	.globl	peer_fn
	.type peer_fn, @function
peer_fn:
	mov	$PEER_BUILD, %eax
	ret
	.size peer_fn, .-peer_fn

	.section .note.GNU-stack, "", @progbits
