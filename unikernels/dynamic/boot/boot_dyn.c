/*
 * libboot.so: the boot library of dynamically linked unikernels, the
 * counterpart of unikernels/boot/boot.c.
 *
 * The static boot library reaches the app through the app table that the
 * linker script puts at a fixed address. Here the table is an exported
 * object, __uk_app, that uk-dyn-run fills in before it enters the program:
 *   main                  the app's main (or, for --invoke, the loader's
 *                         function that calls the requested handler)
 *   init_start/init_end   every object's DT_PREINIT_ARRAY, DT_INIT and
 *                         DT_INIT_ARRAY, dependencies first
 *   fini_start/fini_end   their DT_FINI_ARRAY and DT_FINI, walked backwards
 *
 * musl's start-up (__libc_start_main -> __init_libc, which sets up TLS and
 * the thread pointer) runs its init array and, at exit, its fini array. In
 * libmusl.so those arrays are one entry each (musl_hooks.S) calling
 * __uk_run_init_array and __uk_run_fini_array below, so every object's
 * initialisers run after libc is initialised and before main, and its
 * finalisers run from exit(), as with the static boot library.
 */
#include "uk_app.h"

struct uk_app_table __uk_app; /* written by uk-dyn-run */

#include "uk_app_run.h"
