/*
 * uk-boot: the start-up library every unikernel links first.
 *
 * Its pages must be byte-identical in every app, so nothing here names an
 * app symbol: the app's main and its init/fini arrays are found through the
 * app table, which the linker script puts at the same fixed address in every
 * app (kAppTableAddr, 0x404000; see common/layout.h).
 *
 * musl's start-up runs __init_array_start..__init_array_end and, at exit,
 * __fini_array_start..__fini_array_end. Those are the same four symbols in
 * every app, defined here: each array holds one function that walks the
 * app's own arrays through the app table.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xor	%ebp, %ebp		/* outermost frame */
	mov	%rsp, %rdi		/* -> argc, argv, envp, auxv */
	and	$-16, %rsp
	call	__uk_start_c		/* does not return */
	hlt
	.size	_start, .-_start

#include "uk_arrays.inc"

	.section .note.GNU-stack, "", @progbits
