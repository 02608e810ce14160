/* What every ASLR link needs besides the test libraries: _start and main. */
	.text
	.globl	_start, main
	.type _start, @function
_start:
	hlt
	.size _start, .-_start
	.type main, @function
main:
	xor	%eax, %eax
	ret
	.size main, .-main
	.section .note.GNU-stack, "", @progbits
