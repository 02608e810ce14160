# How objects must be built for the uk-slt toolchain: one definition, used by
# the corpus (unikernels/) and by users' projects (the installed CMake
# package, uk-slt.pc). Included by both; defines no targets.
#
#   -fPIC                       every reference PC-relative (the ASLR mode needs it;
#                               a fixed-address link relaxes it away)
#   -fno-asynchronous-unwind-tables -fno-unwind-tables
#                               no .eh_frame: unwind tables tie a library's pages
#                               to the layout of the others
#   -fno-stack-protector        the same code in every mode (no canary set-up in boot)
#   -fno-ident                  no compiler version string: identical objects
#                               from identical sources
set(UK_SLT_OBJECT_CFLAGS -O2 -fPIC -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-stack-protector
    -fno-ident)

# Link options of the dynamic form (uk-dyn-run): both hash tables, RELRO,
# lazy binding (the loader's default), no executable stack.
set(UK_SLT_DYN_LDFLAGS --hash-style=both -z relro -z lazy -z noexecstack -z separate-code)
