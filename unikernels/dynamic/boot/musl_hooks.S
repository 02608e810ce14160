/*
 * Linked into libmusl.so with the whole of musl's libc.a.
 *
 * musl's static start-up and exit walk __init_array_start..end and
 * __fini_array_start..end, which libc.a references as hidden symbols: they
 * must be defined inside the shared object itself. As in the static boot
 * library (unikernels/boot/start.S), each array is one entry; here the
 * entries name the walkers of libboot.so (boot_dyn.c), bound at load time
 * through two R_X86_64_64 relocations, so libmusl.so itself never names an
 * app and is the same file for every app.
 */
	.section .data.rel.ro.uk_dyn_arrays, "aw"
	.balign	8
	.globl	__init_array_start, __init_array_end
	.globl	__fini_array_start, __fini_array_end
	.hidden	__init_array_start, __init_array_end
	.hidden	__fini_array_start, __fini_array_end
__init_array_start:
	.quad	__uk_run_init_array
__init_array_end:
__fini_array_start:
	.quad	__uk_run_fini_array
__fini_array_end:

	.section .note.GNU-stack, "", @progbits
