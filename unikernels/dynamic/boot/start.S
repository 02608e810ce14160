/*
 * crt-dyn.o: the start file linked into every dynamically linked app (the
 * dynamic counterpart of unikernels/boot/start.S, like libc's Scrt1.o).
 *
 * An executable's entry point must be inside the executable, so this is the
 * one piece of boot code every app carries; the rest of the boot library is
 * the shared object libboot.so (boot_dyn.c). Nothing here names an app
 * symbol: libboot.so finds main through its app table, which uk-dyn-run
 * fills in, exactly as the static boot library finds it through the table
 * the linker script places at 0x404000.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xor	%ebp, %ebp		/* outermost frame */
	mov	%rsp, %rdi		/* -> argc, argv, envp, auxv */
	and	$-16, %rsp		/* ABI alignment for the call */
	call	__uk_start_c@PLT	/* libboot.so; does not return */
	hlt
	.size	_start, .-_start

	.section .note.GNU-stack, "", @progbits
