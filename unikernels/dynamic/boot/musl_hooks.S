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
#include "uk_arrays.inc"

	.section .note.GNU-stack, "", @progbits
